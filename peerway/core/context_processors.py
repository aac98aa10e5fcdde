from django.conf import settings

from .navigation import current_item, menus_for, navigation_for


def peerway(request):
    user = getattr(request, "user", None)
    demo = False
    nav = []
    menus = []
    current = None
    if user is not None and user.is_authenticated:
        memberships = list(user.memberships.select_related("organization"))
        demo = any(m.organization.is_demo for m in memberships)
        nav = navigation_for(user)
        menus = menus_for(nav, request.path)
        current = current_item(nav, request.path)
    else:
        from .models import Organization

        demo = Organization.objects.filter(is_demo=True).exists()
    return {
        "peerway_demo": demo,
        "peerway_nav": nav,
        "peerway_menus": menus,
        "peerway_nav_current": current.url if current else "",
        "peerway_idle_minutes": settings.SESSION_IDLE_MINUTES,
    }

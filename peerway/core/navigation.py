"""Navigation: a link appears only when its page would open for the user.

Each entry names a page; the menu asks the same `rules` permission that page declares
(``peerway.core.access.requires``) over the organization the link is for. A link that
would answer 403 is never shown (tests/core/test_navigation_links.py follows every link
for every role; tests/e2e/test_navigation.py does the same in a browser).

Pages are grouped by the loop the product follows (assess, plan, run the service, look
after the workforce, evaluate) plus administration; each group is one menu in the top
bar, the same for every role so a page is always found in the same place. A group with
no page the user may open is not shown (docs/navigation.md lists which menu holds what,
per role).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.urls import resolve, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    group: str = ""


@dataclass
class NavMenu:
    """One menu of the top bar: a group of the loop and the pages of it the user may open."""

    key: str
    label: str
    items: list[NavItem] = field(default_factory=list)
    active: bool = False


# Menus in the order of the loop: key and label.
GROUPS = [
    ("assess", pgettext_lazy("navigation menu", "Assess")),
    ("plan", pgettext_lazy("navigation menu", "Plan")),
    ("service", pgettext_lazy("navigation menu", "Service")),
    ("workforce", pgettext_lazy("navigation menu", "Workforce")),
    ("evaluate", pgettext_lazy("navigation menu", "Evaluate")),
    ("administration", pgettext_lazy("navigation menu", "Administration")),
]

# (label, URL name taking the organization's short name, menu), in menu order.
ORGANIZATION_PAGES = [
    (_("Readiness surveys"), "assessments:waves", "assess"),
    (_("Questionnaires"), "assessments:instruments", "assess"),
    (_("Evidence library"), "knowledge:library", "plan"),
    (_("Peer role"), "planning:role_list", "plan"),
    (_("Capacity planner"), "planning:capacity_scenarios", "plan"),
    (_("Implementation plan"), "planning:plan", "plan"),
    (_("My caseload"), "contacts:caseload", "service"),
    (_("People supported"), "support:people", "service"),
    (_("Referrals"), "support:referrals", "service"),
    (_("Matching"), "support:matching", "service"),
    (_("Outcome measures"), "outcomes:due", "service"),
    (_("Recovery plans"), "recovery:plans", "service"),
    (_("Boundary and risk events"), "recovery:events", "service"),
    (_("Safety queue"), "outcomes:safety_tasks", "service"),
    (_("Hospital events"), "hospital:suggestions", "service"),
    (_("My profile"), "workforce:me", "workforce"),
    (_("Peer workforce"), "workforce:overview", "workforce"),
    (_("Dashboards"), "indicators:index", "evaluate"),
    (_("Outcome evaluation"), "evaluation:outcomes", "evaluate"),
    (_("Leadership and funder reports"), "evaluation:reports", "evaluate"),
    (_("De-identified exports"), "research:exports", "evaluate"),
    (_("Sites and teams"), "core:structure", "administration"),
    (_("People and access"), "core:people", "administration"),
    (_("Security settings"), "core:security", "administration"),
    (_("Audit trail"), "core:audit", "administration"),
]


@cache
def permission_of(url_name: str) -> str:
    """The permission the page behind a URL name declares (organization pages)."""
    view = resolve(reverse(url_name, args=["x"])).func
    permission = getattr(view, "peerway_permission", None)
    if not permission:
        raise LookupError(f"{url_name} declares no permission")
    return permission


def may_open(user, url_name: str, organization) -> bool:
    return user.has_perm(permission_of(url_name), organization)


def navigation_for(user) -> list[NavItem]:
    """Every page of the menu the user may open, Home first, in menu order."""
    from .permissions import _memberships

    items = [NavItem(_("Home"), reverse("core:home"))]
    memberships = _memberships(user)
    if not memberships:
        return items
    # One organization at a time in the menu; others are reached from home.
    organization = memberships[0].organization
    for label, url_name, group in ORGANIZATION_PAGES:
        if may_open(user, url_name, organization):
            items.append(NavItem(label, reverse(url_name, args=[organization.slug]), group))
    return items


def current_item(items: list[NavItem], path: str) -> NavItem | None:
    """The menu entry for the page at ``path``: its own link, or the deepest link above it.

    A link that other links sit under (an organization's front page) only ever matches
    itself, so that a page outside every menu marks no menu.
    """
    best = None
    for item in items:
        if path == item.url:
            return item
        parent = any(o.url != item.url and o.url.startswith(item.url) for o in items)
        deeper = best is None or len(item.url) > len(best.url)
        if not parent and path.startswith(item.url) and deeper:
            best = item
    return best


def menus_for(items: list[NavItem], path: str = "") -> list[NavMenu]:
    """The groups of the top bar that hold at least one of ``items``, in loop order."""
    current = current_item(items, path) if path else None
    menus = []
    for key, label in GROUPS:
        menu = NavMenu(key, label, [item for item in items if item.group == key])
        if menu.items:
            menu.active = current is not None and current.group == key
            menus.append(menu)
    return menus

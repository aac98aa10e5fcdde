"""The system admin site (/system-admin/): superusers only, two-factor, audited.

The superuser flag opens this site and grants nothing in Peerway itself (see
User.has_perm). Here:

- every account must have signed in with a second factor in this session (or
  re-authenticated with one) before any page opens;
- every model registered on the site, Peerway's or a library's, gets the same two
  behaviours: only superusers pass its permission checks, and each addition, change
  and deletion writes an event to Peerway's audit trail in the same transaction.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from . import audit
from .mfa import session_used_mfa, user_has_mfa

# Shown on the User page's audit events: the flags that open the system admin site or
# sign-in itself.
USER_FLAGS = ("is_superuser", "is_staff", "is_active")


def is_system_admin(user) -> bool:
    """An active account with both flags (``createsuperuser`` sets both)."""
    return bool(
        user and user.is_authenticated and user.is_active and user.is_staff and user.is_superuser
    )


@contextmanager
def _model_permissions_for(user):
    """Let the superuser pass Django's model-permission checks inside the admin only."""
    user._peerway_system_admin = True
    try:
        yield
    finally:
        user._peerway_system_admin = False


def _fields_of(message: Any) -> list[str]:
    fields: list[str] = []
    if isinstance(message, list):
        for entry in message:
            for kind in ("added", "changed"):
                fields.extend(str(f) for f in (entry.get(kind) or {}).get("fields", []))
    return fields


def _details(obj, **extra) -> dict[str, Any]:
    details: dict[str, Any] = {"model": obj._meta.label_lower, **extra}
    if obj._meta.label_lower == "core.user":
        details.update({flag: bool(getattr(obj, flag)) for flag in USER_FLAGS})
    if obj._meta.label_lower == "core.membership":
        details["role"] = obj.role
        details["user_id"] = obj.user_id
    return details


class SystemAdminMixin:
    """Superusers only, and every change audited. Mixed into every registered admin."""

    def _allowed(self, request, check, *args) -> bool:
        if not is_system_admin(request.user):
            return False
        with _model_permissions_for(request.user):
            return check(request, *args)

    def has_module_permission(self, request):
        return self._allowed(request, super().has_module_permission)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, super().has_view_permission, obj)

    def has_add_permission(self, request, *args):
        return self._allowed(request, super().has_add_permission, *args)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, super().has_change_permission, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, super().has_delete_permission, obj)

    def log_addition(self, request, obj, message):
        audit.record(
            actor=request.user,
            action="system_admin.added",
            obj=obj,
            details=_details(obj, fields=_fields_of(message)),
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit.record(
            actor=request.user,
            action="system_admin.changed",
            obj=obj,
            details=_details(obj, fields=_fields_of(message)),
        )
        return super().log_change(request, obj, message)

    def response_action(self, request, queryset, *args, **kwargs):
        # Actions (bulk changes such as "mark as verified") write no admin log entry of
        # their own: record each one that ran. Bulk deletion is recorded per object below.
        name = request.POST.get("action", "")
        ids = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        every = request.POST.get("select_across") == "1"
        with transaction.atomic():
            response = super().response_action(request, queryset, *args, **kwargs)
            if name and name != "delete_selected" and (ids or every):
                audit.record(
                    actor=request.user,
                    action="system_admin.action",
                    object_type=self.model._meta.label_lower,
                    details={
                        "model": self.model._meta.label_lower,
                        "name": name,
                        "ids": ids[:500],
                        "all": every,
                    },
                )
        return response

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit.record(
                actor=request.user, action="system_admin.deleted", obj=obj, details=_details(obj)
            )
        return super().log_deletions(request, queryset)


class SystemAdminSite(admin.AdminSite):
    site_header = "Peerway"
    site_title = "Peerway"

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SystemAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (SystemAdminMixin, admin_class),
                {"__module__": admin_class.__module__},
            )
        return super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request):
        return is_system_admin(request.user) and session_used_mfa(request)

    def login(self, request, extra_context=None):
        """No sign-in form of its own: Peerway's sign-in (lockout, two-factor) is used.

        A signed-in superuser without a second factor in this session is sent to set one
        up or to re-authenticate with it; anyone else signed in is refused.
        """
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = ""
        next_url = next_url or reverse("admin:index", current_app=self.name)
        query = "?" + urlencode({"next": next_url})
        user = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(reverse("account_login") + query)
        if not is_system_admin(user):
            raise PermissionDenied
        if not user_has_mfa(user):
            return HttpResponseRedirect(reverse("mfa_activate_totp") + "?required=1")
        if not session_used_mfa(request):
            return HttpResponseRedirect(reverse("mfa_reauthenticate") + query)
        return HttpResponseRedirect(next_url)

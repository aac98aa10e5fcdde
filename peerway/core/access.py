"""Every view declares who may use it, and whether reading it is audited.

``requires(perm, obj=...)`` checks a `rules` permission against the object the view
works on (found through a selector, which raises 404 for anything outside the user's
places). ``public(reason)`` marks the few views anyone may reach. The URL walk test
fails on any view that carries neither mark.

Reads are declared on the same line (docs/security.md, "Audit of reads"):

- ``audit_read="app.thing_viewed"``: a GET answered successfully writes that read event
  for the permission object (or for ``audit_target(request, ...)`` when the page shows
  another record than the one the permission is checked on).
- ``no_record="reason"``: the view shows no protected record of its own (an action that
  only answers POST, a place page, a plan of the organization); the reason is kept on the
  view and listed by the URL walk test.

A view that declares neither and whose permission object is a record (not an
organization, site or team) still writes ``<app>.<model>_viewed`` on a successful GET,
so a new view cannot silently show a record unaudited; the URL walk test makes every
view with a record id in its address choose explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

# "survey": anonymous respondents answer readiness surveys without an account, by design.
# "capability": the FHIR CapabilityStatement and the project's CodeSystems, which describe
# the interface and its codes (no record), as FHIR clients expect to read them unsigned.
PUBLIC_REASONS = {
    "sign-in",
    "health",
    "static",
    "language",
    "invitation",
    "survey",
    "capability",
}

READ_METHODS = {"GET", "HEAD"}


def is_place(target) -> bool:
    """Organizations, sites and teams are places, not records of a person."""
    from .models import Organization, Site, Team

    return target is None or isinstance(target, Organization | Site | Team)


def default_read_action(target) -> str:
    meta = getattr(target, "_meta", None)
    if meta is not None:
        return f"{meta.app_label}.{meta.model_name}_viewed"
    # A selector's value object (e.g. a peer worker in an organization).
    app = type(target).__module__.split(".")[1]
    return f"{app}.{type(target).__name__.lower()}_viewed"


def record_read(actor, action: str, shown) -> None:
    """One read event for a model instance, or for a person-in-an-organization value
    object (``.user`` and ``.organization``, as the workforce selectors return)."""
    from . import audit

    if shown is None or hasattr(shown, "_meta"):
        audit.record(actor=actor, action=action, obj=shown)
        return
    audit.record(
        actor=actor,
        action=action,
        object_type="core.user",
        object_id=shown.user.pk,
        organization_id=shown.organization.pk,
    )


def requires(
    perm: str,
    obj: Callable | None = None,
    *,
    audit_read: str | None = None,
    audit_target: Callable | None = None,
    no_record: str | None = None,
):
    if audit_read and no_record:
        raise ValueError("A view either audits its reads or shows no record, not both.")
    if audit_target and not audit_read:
        raise ValueError("audit_target needs audit_read (the action to record).")
    if no_record is not None and not no_record.strip():
        raise ValueError("no_record needs a reason.")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            target = obj(request, *args, **kwargs) if obj else None
            if not request.user.has_perm(perm, target):
                raise PermissionDenied
            request.permission_object = target
            action = audit_read
            if action is None and no_record is None and not is_place(target):
                action = default_read_action(target)
            if action is None or request.method not in READ_METHODS:
                return view(request, *args, **kwargs)
            return _audited_read(view, request, args, kwargs, action, target, audit_target)

        wrapped.peerway_permission = perm  # type: ignore[attr-defined]
        wrapped.peerway_requires = True  # type: ignore[attr-defined]
        wrapped.peerway_audit_read = audit_read  # type: ignore[attr-defined]
        wrapped.peerway_no_record = no_record  # type: ignore[attr-defined]
        return wrapped

    return decorator


def _audited_read(view, request, args, kwargs, action, target, audit_target):
    from . import audit

    with audit.collecting() as recorded:
        response = view(request, *args, **kwargs)
    # Only a page actually shown is a read; a redirect, 404 or 403 showed nothing.
    # A view that already recorded this action itself (with richer details) is not
    # recorded twice.
    if 200 <= response.status_code < 300 and action not in recorded:
        shown = audit_target(request, *args, **kwargs) if audit_target else target
        record_read(request.user, action, shown)
    return response


def public(reason: str):
    if reason not in PUBLIC_REASONS:
        raise ValueError(f"Unknown public reason {reason!r}")

    def decorator(view):
        view.peerway_public = reason
        return view

    return decorator


def mark(view, *, perm: str | None = None, public_reason: str | None = None):
    """Mark a third-party view (allauth, admin) without changing its behaviour."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    if perm:
        wrapped.peerway_permission = perm  # type: ignore[attr-defined]
    if public_reason:
        if public_reason not in PUBLIC_REASONS:
            raise ValueError(public_reason)
        wrapped.peerway_public = public_reason  # type: ignore[attr-defined]
    return wrapped

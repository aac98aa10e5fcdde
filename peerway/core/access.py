"""Every view declares who may use it.

``requires(perm, obj=...)`` checks a `rules` permission against the object the view
works on (found through a selector, which raises 404 for anything outside the user's
places). ``public(reason)`` marks the few views anyone may reach. The URL walk test
fails on any view that carries neither mark.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

# "survey": anonymous respondents answer readiness surveys without an account, by design.
PUBLIC_REASONS = {"sign-in", "health", "static", "language", "invitation", "survey"}


def requires(perm: str, obj: Callable | None = None):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            target = obj(request, *args, **kwargs) if obj else None
            if not request.user.has_perm(perm, target):
                raise PermissionDenied
            request.permission_object = target
            return view(request, *args, **kwargs)

        wrapped.peerway_permission = perm  # type: ignore[attr-defined]
        return wrapped

    return decorator


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

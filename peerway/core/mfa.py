"""Which users must use two-factor authentication (set per organization and role)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator


def required_roles(organization) -> set[str]:
    return set(organization.mfa_required_roles or [])


def user_must_use_mfa(user) -> bool:
    cached = getattr(user, "_peerway_mfa_required", None)
    if cached is not None:
        return cached
    result = any(
        m.role in required_roles(m.organization)
        for m in user.memberships.select_related("organization")
    )
    user._peerway_mfa_required = result
    return result


def user_has_mfa(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_used_mfa(request) -> bool:
    """Did this session's sign-in (or a later re-authentication) pass a second factor?"""
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, getattr(request, "user", None))
    return any(record.get("method") == "mfa" for record in records)

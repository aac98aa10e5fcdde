"""Writes of API tokens: issue (the secret is returned once and never stored), service
accounts, revocation; and the check of a presented token. Audited, one transaction each."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.models import Organization, Site, Team, User
from peerway.core.roles import Role
from peerway.core.services import grant_membership

from .models import ApiToken

TOKEN_PREFIX = "pw_"
PREFIX_LENGTH = 8
DEFAULT_DAYS = 90
MAX_DAYS = 365
# A token is marked used at most this often: a busy integration does not write on every call.
LAST_USED_EVERY = dt.timedelta(minutes=1)
# Roles a service account may hold: never the administrator (an integration administers
# nothing) nor human resources (no API reads employment files).
SERVICE_ROLES = (Role.MANAGER, Role.SUPERVISOR, Role.PEER_WORKER, Role.CLINICIAN, Role.EVALUATOR)
SERVICE_EMAIL_DOMAIN = "service.peerway.invalid"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _new_secret() -> tuple[str, str]:
    """(prefix, whole token): 8 public characters, then 256 random bits."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    while True:
        prefix = "".join(secrets.choice(alphabet) for _ in range(PREFIX_LENGTH))
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    secret: str  # shown once, to the person who created it


def _check(name: str, days) -> tuple[str, int]:
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the token a name that says what uses it.")
    elif len(name) > 100:
        errors["name"] = _("Use at most 100 characters.")
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DAYS:
        errors["expires_in_days"] = _("Enter a number of days from 1 to %(max)d.") % {
            "max": MAX_DAYS
        }
    if errors:
        raise ValidationError(errors)
    return name, days


def _issue(*, actor: User, user: User, name: str, days: int, organization=None) -> Issued:
    prefix, raw = _new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        token_hash=hash_token(raw),
        service_account=organization is not None,
        organization=organization,
        created_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit.record(
        actor=actor,
        action="api.token_created",
        obj=token,
        organization_id=organization.pk if organization else None,
        details={"prefix": prefix, "user_id": user.pk, "days": days},
    )
    return Issued(token, raw)


def create_token(
    *, actor: User, name: str, expires_in_days=DEFAULT_DAYS, mfa_verified: bool
) -> Issued:
    """A token for oneself. Only from a session that passed a second factor."""
    if not actor.has_perm("api.own_tokens"):
        raise PermissionDenied
    if not mfa_verified:
        raise ValidationError(
            {"__all__": _("Sign in with your second factor before creating an API token.")}
        )
    name, days = _check(name, expires_in_days)
    with transaction.atomic():
        return _issue(actor=actor, user=actor, name=name, days=days)


def create_service_account(
    *,
    actor: User,
    organization: Organization,
    name: str,
    role: str,
    site: Site | None = None,
    team: Team | None = None,
    expires_in_days=DEFAULT_DAYS,
    mfa_verified: bool,
) -> Issued:
    """An account that signs in only with its tokens, holding one role over one place,
    and its first token."""
    if not actor.has_perm("api.manage_service_accounts", organization):
        raise PermissionDenied
    if not mfa_verified:
        raise ValidationError(
            {"__all__": _("Sign in with your second factor before creating an API token.")}
        )
    name, days = _check(name, expires_in_days)
    if role not in SERVICE_ROLES:
        raise ValidationError({"role": _("Choose a role a service account may hold.")})
    with transaction.atomic():
        user = User.objects.create_user(
            email=f"svc-{secrets.token_hex(6)}@{organization.slug}.{SERVICE_EMAIL_DOMAIN}",
            password=None,  # unusable: a service account never signs in with a password
            display_name=_("Service account: %(name)s") % {"name": name},
        )
        grant_membership(
            actor=actor, user=user, organization=organization, role=role, site=site, team=team
        )
        audit.record(
            actor=actor,
            action="api.service_account_created",
            obj=user,
            organization_id=organization.pk,
            details={
                "role": role,
                "site_id": site.pk if site else None,
                "team_id": team.pk if team else None,
            },
        )
        return _issue(actor=actor, user=user, name=name, days=days, organization=organization)


def may_revoke(actor: User, token: ApiToken) -> bool:
    if token.user_id == actor.pk and not token.service_account:
        return True
    return token.service_account and actor.has_perm(
        "api.manage_service_accounts", token.organization
    )


def revoke_token(*, actor: User, token: ApiToken) -> ApiToken:
    if not may_revoke(actor, token):
        raise PermissionDenied
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.revoked_by = actor
            token.save(update_fields=["revoked_at", "revoked_by"])
            audit.record(
                actor=actor,
                action="api.token_revoked",
                obj=token,
                organization_id=token.organization_id,
                details={"prefix": token.prefix},
            )
    return token


def authenticate(raw: str) -> ApiToken | None:
    """The active token matching ``raw``, or None (unknown, wrong, expired, revoked, or
    its account deactivated). Marks it used."""
    raw = (raw or "").strip()
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.token_hash, hash_token(raw)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or token.is_expired(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

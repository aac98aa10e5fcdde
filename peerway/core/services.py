"""Writes for organizations, people and memberships.

Each service is keyword-only, takes the acting user, runs in one transaction and writes
its audit event in that transaction. Authority is checked here as well as in views.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import Invitation, Membership, Organization, Site, Team, User
from .permissions import can_deactivate, can_manage_membership, forget_cached_memberships
from .roles import Role


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_place(organization: Organization, site: Site | None, team: Team | None):
    if team is not None:
        if team.site.organization_id != organization.pk:
            raise ValidationError({"team": _("This team belongs to another organization.")})
        site = None  # a team membership is scoped by the team alone
    if site is not None and site.organization_id != organization.pk:
        raise ValidationError({"site": _("This site belongs to another organization.")})
    return site, team


def invite_user(
    *,
    actor: User,
    organization: Organization,
    email: str,
    display_name: str,
    role: str,
    site: Site | None = None,
    team: Team | None = None,
) -> tuple[Invitation, str]:
    """Create an invitation; returns it with the one-time token for the link."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    site, team = _check_place(organization, site, team)
    place = team or site or organization
    if not can_manage_membership(actor, role=role, place=place):
        raise PermissionDenied
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": _("Someone already has an account with this address: grant a role instead.")}
        )
    token = Invitation.new_token()
    with transaction.atomic():
        # A new invitation replaces any pending one for the same address.
        Invitation.objects.filter(
            organization=organization,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            display_name=display_name.strip(),
            role=role,
            site=site,
            team=team,
            token_hash=token_hash(token),
            invited_by=actor,
            expires_at=Invitation.default_expiry(),
        )
        audit.record(
            actor=actor,
            action="invitation.created",
            obj=invitation,
            organization_id=organization.pk,
            site_id=(team.site_id if team else site.pk if site else None),
            team_id=team.pk if team else None,
            details={"role": role, "scope": str(place), "expires_at": invitation.expires_at},
        )
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization", "team", "site")
        .filter(token_hash=token_hash(token))
        .first()
    )


def accept_invitation(*, token: str, password: str) -> User:
    """Create the account and its membership from a pending invitation."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(token_hash=token_hash(token)).first()
        )
        if invitation is None or invitation.status != "pending":
            raise ValidationError(_("This invitation link is no longer valid."))
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("An account with this address already exists."))
        user = User.objects.create_user(
            email=invitation.email, password=password, display_name=invitation.display_name
        )
        Membership.objects.create(
            user=user,
            role=invitation.role,
            organization=invitation.organization,
            site=invitation.site,
            team=invitation.team,
            granted_by=invitation.invited_by,
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit.record(
            actor=user,
            action="invitation.accepted",
            obj=invitation,
            organization_id=invitation.organization_id,
            team_id=invitation.team_id,
            site_id=invitation.team.site_id if invitation.team else invitation.site_id,
            details={"role": invitation.role, "user_id": user.pk},
        )
    return user


def revoke_invitation(*, actor: User, invitation: Invitation) -> None:
    place = invitation.team or invitation.site or invitation.organization
    if not can_manage_membership(actor, role=invitation.role, place=place):
        raise PermissionDenied
    if invitation.status != "pending":
        raise ValidationError(_("Only a pending invitation can be withdrawn."))
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="invitation.revoked", obj=invitation)


def grant_membership(
    *,
    actor: User,
    user: User,
    organization: Organization,
    role: str,
    site: Site | None = None,
    team: Team | None = None,
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    site, team = _check_place(organization, site, team)
    place = team or site or organization
    if not can_manage_membership(actor, role=role, place=place):
        raise PermissionDenied
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user,
                role=role,
                organization=organization,
                site=site,
                team=team,
                granted_by=actor,
            )
            audit.record(
                actor=actor,
                action="membership.granted",
                obj=membership,
                team_id=team.pk if team else None,
                site_id=team.site_id if team else (site.pk if site else None),
                details={"user_id": user.pk, "role": role, "scope": str(place)},
            )
    except IntegrityError as exc:
        raise ValidationError(_("This person already holds this role here.")) from exc
    forget_cached_memberships(user)
    return membership


def revoke_membership(*, actor: User, membership: Membership) -> None:
    if not can_manage_membership(actor, membership):
        raise PermissionDenied
    if membership.user_id == actor.pk and membership.role in (Role.ADMIN, Role.MANAGER):
        raise ValidationError(_("You cannot remove your own management role."))
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="membership.revoked",
            obj=membership,
            team_id=membership.team_id,
            site_id=membership.team.site_id if membership.team else membership.site_id,
            details={
                "user_id": membership.user_id,
                "role": membership.role,
                "scope": membership.scope_label,
            },
        )
        membership.delete()
    forget_cached_memberships(membership.user)


def deactivate_user(*, actor: User, user: User) -> None:
    if not can_deactivate(actor, user):
        raise PermissionDenied
    with transaction.atomic():
        user.is_active = False
        user.deactivated_at = timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
        org_ids = sorted({m.organization_id for m in user.memberships.all()})
        audit.record(
            actor=actor,
            action="user.deactivated",
            obj=user,
            organization_id=org_ids[0] if org_ids else None,
            details={"user_id": user.pk},
        )
    # End the person's open sessions at once.
    from django.contrib.sessions.models import Session

    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()


def reactivate_user(*, actor: User, user: User) -> None:
    if not can_deactivate(actor, user):
        raise PermissionDenied
    with transaction.atomic():
        user.is_active = True
        user.deactivated_at = None
        user.save(update_fields=["is_active", "deactivated_at"])
        org_ids = sorted({m.organization_id for m in user.memberships.all()})
        audit.record(
            actor=actor,
            action="user.reactivated",
            obj=user,
            organization_id=org_ids[0] if org_ids else None,
            details={"user_id": user.pk},
        )


def set_mfa_roles(*, actor: User, organization: Organization, roles: list[str]) -> None:
    from .permissions import roles_over

    if not roles_over(actor, organization) & {Role.ADMIN, Role.MANAGER}:
        raise PermissionDenied
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ValidationError({"roles": _("Unknown role: %(role)s") % {"role": unknown[0]}})
    with transaction.atomic():
        before = list(organization.mfa_required_roles)
        organization.mfa_required_roles = sorted(set(roles))
        organization.save(update_fields=["mfa_required_roles"])
        audit.record(
            actor=actor,
            action="organization.mfa_roles_changed",
            obj=organization,
            details={"before": before, "after": organization.mfa_required_roles},
        )

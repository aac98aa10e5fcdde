"""Writes for peer role definitions.

Each service is keyword-only, takes the acting user, runs in one transaction and writes
its audit event in that transaction. Authority is checked here as well as in views.

Rules:
* a definition's versions are numbered 1, 2, …; a new draft starts as a copy of the
  latest version (content and co-producers);
* at most one draft and one approved version per definition;
* only drafts change; approving a draft supersedes the version approved before it;
* approval needs at least one co-producer who holds a peer support worker role in the
  organization at the moment of approval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.models import Membership, Organization, User
from peerway.core.roles import TeamType

from .. import taxonomy
from ..models import RoleDefinition, RoleDefinitionVersion, VersionStatus
from .selectors import peer_worker_ids


@dataclass
class RoleContent:
    """What a version says. Codes come from ``peerway.planning.taxonomy``."""

    purpose: str
    in_scope: list[str]
    out_of_scope: list[str]
    drift_threshold_percent: int
    information_sharing: str = ""
    documentation: str = ""
    co_producers: list[User] = field(default_factory=list)


TEXT_FIELDS = ("purpose", "information_sharing", "documentation")


def _check_manager(actor: User, organization: Organization, perm: str) -> None:
    if not actor.has_perm(perm, organization):
        raise PermissionDenied


def _clean(organization: Organization, content: RoleContent) -> RoleContent:
    """Normalize the content and raise one ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    known = taxonomy.codes()
    purpose = (content.purpose or "").strip()
    if not purpose:
        errors["purpose"] = _("Say what the peer role is for.")
    in_scope = list(dict.fromkeys(content.in_scope))
    out_of_scope = list(dict.fromkeys(content.out_of_scope))
    unknown = sorted(set(in_scope + out_of_scope) - known)
    if unknown:
        errors["in_scope"] = _("Unknown activity code: %(code)s.") % {"code": unknown[0]}
    elif not in_scope:
        errors["in_scope"] = _("Put at least one activity in the scope of the role.")
    both = [c for c in in_scope if c in out_of_scope]
    if both:
        errors["out_of_scope"] = _("%(label)s cannot be both in and out of scope.") % {
            "label": taxonomy.label(both[0])
        }
    threshold = content.drift_threshold_percent
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 1 <= threshold <= 100:
        errors["drift_threshold_percent"] = _(
            "The drift threshold is a percentage between 1 and 100."
        )
    members = set(
        Membership.objects.filter(organization=organization, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    outsiders = [u for u in content.co_producers if u.pk not in members]
    if outsiders:
        errors["co_producers"] = _(
            "%(name)s holds no active role in this organization and cannot be a co-producer."
        ) % {"name": outsiders[0]}
    if errors:
        raise ValidationError(errors)
    order = {c.code: i for i, c in enumerate(taxonomy.entries())}
    return RoleContent(
        purpose=purpose,
        in_scope=sorted(in_scope, key=order.__getitem__),
        out_of_scope=sorted(out_of_scope, key=order.__getitem__),
        drift_threshold_percent=threshold,
        information_sharing=(content.information_sharing or "").strip(),
        documentation=(content.documentation or "").strip(),
        co_producers=list({u.pk: u for u in content.co_producers}.values()),
    )


def _apply(version: RoleDefinitionVersion, content: RoleContent) -> None:
    version.purpose = content.purpose
    version.in_scope = content.in_scope
    version.out_of_scope = content.out_of_scope
    version.drift_threshold_percent = content.drift_threshold_percent
    version.information_sharing = content.information_sharing
    version.documentation = content.documentation


def _scope_details(content: RoleContent) -> dict:
    return {
        "in_scope": content.in_scope,
        "out_of_scope": content.out_of_scope,
        "drift_threshold_percent": content.drift_threshold_percent,
        "co_producer_ids": sorted(u.pk for u in content.co_producers),
    }


def create_definition(
    *,
    actor: User,
    organization: Organization,
    title: str,
    team_type: str,
    content: RoleContent,
) -> RoleDefinitionVersion:
    """A new role definition with its first version, as a draft."""
    _check_manager(actor, organization, "planning.manage_role_definitions")
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the role definition a title.")
    if team_type and team_type not in TeamType.values:
        errors["team_type"] = _("Choose a team type from the list.")
    elif RoleDefinition.objects.filter(organization=organization, team_type=team_type).exists():
        errors["team_type"] = (
            _("This type of team already has a role definition: start a new draft of it instead.")
            if team_type
            else _(
                "The organization already has a role definition for all teams: start a new "
                "draft of it instead."
            )
        )
    try:
        content = _clean(organization, content)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            definition = RoleDefinition.objects.create(
                organization=organization, team_type=team_type, title=title, created_by=actor
            )
            version = RoleDefinitionVersion(definition=definition, number=1, created_by=actor)
            _apply(version, content)
            version.save()
            version.co_producers.set(content.co_producers)
            audit.record(
                actor=actor,
                action="role_definition.created",
                obj=definition,
                details={"title": title, "team_type": team_type, "version_id": version.pk},
            )
            audit.record(
                actor=actor,
                action="role_version.draft_created",
                obj=version,
                organization_id=organization.pk,
                details={"number": 1, **_scope_details(content)},
            )
    except IntegrityError as exc:
        # Someone created the same definition a moment ago.
        raise ValidationError(
            {"team_type": _("This type of team already has a role definition.")}
        ) from exc
    return version


def start_draft(*, actor: User, definition: RoleDefinition) -> RoleDefinitionVersion:
    """A new draft, copied from the latest version. Refused while a draft exists."""
    organization = definition.organization
    _check_manager(actor, organization, "planning.manage_role_definitions")
    with transaction.atomic():
        # Lock the definition so two managers cannot both start version n+1.
        RoleDefinition.objects.select_for_update().filter(pk=definition.pk).first()
        if definition.versions.filter(status=VersionStatus.DRAFT).exists():
            raise ValidationError(
                _("A draft of this role definition already exists: edit it instead.")
            )
        latest = definition.versions.order_by("-number").first()
        version = RoleDefinitionVersion(
            definition=definition,
            number=(latest.number + 1) if latest else 1,
            created_by=actor,
            based_on=latest,
        )
        if latest is not None:
            for name in (*TEXT_FIELDS, "in_scope", "out_of_scope", "drift_threshold_percent"):
                setattr(version, name, getattr(latest, name))
        else:
            version.in_scope, version.out_of_scope = taxonomy.default_scope(definition.team_type)
        version.save()
        if latest is not None:
            version.co_producers.set(latest.co_producers.all())
        audit.record(
            actor=actor,
            action="role_version.draft_created",
            obj=version,
            organization_id=organization.pk,
            details={
                "number": version.number,
                "copied_from_number": latest.number if latest else None,
            },
        )
    return version


def _locked_draft(version: RoleDefinitionVersion) -> RoleDefinitionVersion:
    fresh = RoleDefinitionVersion.objects.select_for_update().get(pk=version.pk)
    if fresh.status != VersionStatus.DRAFT:
        raise ValidationError(
            _(
                "Version %(number)s is %(status)s and can no longer be changed. Start a new "
                "draft to propose changes."
            )
            % {"number": fresh.number, "status": fresh.get_status_display().lower()}
        )
    return fresh


def update_draft(
    *, actor: User, version: RoleDefinitionVersion, content: RoleContent
) -> RoleDefinitionVersion:
    organization = version.definition.organization
    _check_manager(actor, organization, "planning.manage_role_definitions")
    content = _clean(organization, content)
    with transaction.atomic():
        fresh = _locked_draft(version)
        before = {
            name: getattr(fresh, name)
            for name in (*TEXT_FIELDS, "in_scope", "out_of_scope", "drift_threshold_percent")
        }
        before_co = sorted(fresh.co_producers.values_list("pk", flat=True))
        _apply(fresh, content)
        fresh.updated_at = timezone.now()
        fresh.save()
        fresh.co_producers.set(content.co_producers)
        changed = [name for name, value in before.items() if getattr(fresh, name) != value]
        after_co = sorted(u.pk for u in content.co_producers)
        if after_co != before_co:
            changed.append("co_producers")
        audit.record(
            actor=actor,
            action="role_version.updated",
            obj=fresh,
            organization_id=organization.pk,
            # Field names and codes only: the wording is in the version itself.
            details={"number": fresh.number, "changed": changed, **_scope_details(content)},
        )
    return fresh


def approval_problems(version: RoleDefinitionVersion) -> list[str]:
    """Why this version cannot be approved now (empty when it can)."""
    problems = []
    if version.status != VersionStatus.DRAFT:
        problems.append(
            _("Only a draft can be approved; version %(number)s is %(status)s.")
            % {"number": version.number, "status": version.get_status_display().lower()}
        )
    organization = version.definition.organization
    co_producers = list(version.co_producers.all())
    if not peer_worker_ids(organization, co_producers):
        problems.append(
            _(
                "At least one co-producer must be a peer support worker of this organization. "
                "A role definition written without peer workers is not co-produced: add a "
                "peer worker who helped write it as a co-producer, then approve."
            )
        )
    if not version.purpose.strip():
        problems.append(_("Say what the peer role is for before approving."))
    if not version.in_scope:
        problems.append(_("Put at least one activity in the scope of the role before approving."))
    return problems


def approve_version(*, actor: User, version: RoleDefinitionVersion) -> RoleDefinitionVersion:
    """Approve a draft; the version approved before it becomes superseded."""
    definition = version.definition
    organization = definition.organization
    _check_manager(actor, organization, "planning.approve_role_definitions")
    with transaction.atomic():
        RoleDefinition.objects.select_for_update().filter(pk=definition.pk).first()
        fresh = (
            RoleDefinitionVersion.objects.select_for_update()
            .select_related("definition__organization")
            .get(pk=version.pk)
        )
        problems = approval_problems(fresh)
        if problems:
            raise ValidationError(problems)
        previous = definition.versions.filter(status=VersionStatus.APPROVED).first()
        now = timezone.now()
        if previous is not None:
            previous.status = VersionStatus.SUPERSEDED
            previous.save(update_fields=["status"])
            audit.record(
                actor=actor,
                action="role_version.superseded",
                obj=previous,
                organization_id=organization.pk,
                details={"number": previous.number, "superseded_by_number": fresh.number},
            )
        fresh.status = VersionStatus.APPROVED
        fresh.approved_by = actor
        fresh.approved_at = now
        fresh.save(update_fields=["status", "approved_by", "approved_at"])
        co_producers = list(fresh.co_producers.all())
        audit.record(
            actor=actor,
            action="role_version.approved",
            obj=fresh,
            organization_id=organization.pk,
            details={
                "number": fresh.number,
                "co_producer_ids": sorted(u.pk for u in co_producers),
                "peer_co_producer_ids": sorted(peer_worker_ids(organization, co_producers)),
                "superseded_number": previous.number if previous else None,
            },
        )
    return fresh


def users_by_id(organization: Organization, ids: Iterable[int | str]) -> list[User]:
    """Active members of the organization among these ids (others are dropped)."""
    wanted = {int(i) for i in ids}
    return list(
        User.objects.filter(
            pk__in=wanted, is_active=True, memberships__organization=organization
        ).distinct()
    )

"""Reads of role definitions, scoped to an organization and to what the reader may see."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from peerway.core.models import Membership, Organization, Team, User
from peerway.core.permissions import roles_anywhere_in
from peerway.core.roles import Role

from .. import taxonomy
from ..models import RoleDefinition, RoleDefinitionVersion, VersionStatus

READER_ROLES = frozenset(
    {Role.MANAGER, Role.SUPERVISOR, Role.PEER_WORKER, Role.CLINICIAN, Role.EVALUATOR}
)
APPROVED_ONCE = (VersionStatus.APPROVED, VersionStatus.SUPERSEDED)


def definitions_for(organization: Organization) -> QuerySet[RoleDefinition]:
    return RoleDefinition.objects.filter(organization=organization).order_by("team_type", "title")


def get_definition(organization: Organization, pk: int) -> RoleDefinition:
    definition = definitions_for(organization).filter(pk=pk).first()
    if definition is None:
        raise Http404
    return definition


def get_version(organization: Organization, pk: int) -> RoleDefinitionVersion:
    version = (
        RoleDefinitionVersion.objects.select_related(
            "definition__organization", "approved_by", "created_by"
        )
        .filter(pk=pk, definition__organization=organization)
        .first()
    )
    if version is None:
        raise Http404
    return version


def visible_versions_q(user, organization: Organization) -> Q:
    """Versions the user may open (the same rule as ``planning.view_role_version``)."""
    if user.has_perm("planning.manage_role_definitions", organization):
        return Q()
    held = roles_anywhere_in(user, organization)
    q = Q(pk__in=[])
    if held & READER_ROLES:
        q |= Q(status__in=APPROVED_ONCE)
    if held:
        q |= Q(co_producers=user)
    return q


def visible_versions(user, definition: RoleDefinition) -> QuerySet[RoleDefinitionVersion]:
    return (
        RoleDefinitionVersion.objects.filter(
            visible_versions_q(user, definition.organization), definition=definition
        )
        .distinct()
        .select_related("approved_by", "created_by")
        .prefetch_related("co_producers")
        .order_by("-number")
    )


def get_visible_version(user, definition: RoleDefinition, pk) -> RoleDefinitionVersion:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    version = visible_versions(user, definition).filter(pk=pk).first()
    if version is None:
        raise Http404
    return version


def definitions_with_versions(user, organization: Organization) -> list[dict]:
    """Each definition with its approved version and draft, where the user may see them."""
    visible = RoleDefinitionVersion.objects.filter(
        visible_versions_q(user, organization)
    ).distinct()
    rows = []
    definitions = definitions_for(organization).prefetch_related(
        Prefetch("versions", queryset=visible.order_by("-number"), to_attr="visible")
    )
    for definition in definitions:
        versions = definition.visible
        rows.append(
            {
                "definition": definition,
                "approved": next((v for v in versions if v.status == VersionStatus.APPROVED), None),
                "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
                "count": len(versions),
            }
        )
    return rows


def latest_version(definition: RoleDefinition) -> RoleDefinitionVersion | None:
    return definition.versions.order_by("-number").first()


def current_draft(definition: RoleDefinition) -> RoleDefinitionVersion | None:
    return definition.versions.filter(status=VersionStatus.DRAFT).first()


def approved_version(
    organization: Organization, team_type: str = ""
) -> RoleDefinitionVersion | None:
    """The version in force for a team type: its own definition's, else the organization's."""
    return in_force(approved_versions_by_type(organization), team_type)


def approved_versions_by_type(organization: Organization) -> dict[str, RoleDefinitionVersion]:
    """The organization's approved versions by team type ("" for the organization-wide
    definition), in one query; pass to ``in_force`` for each team."""
    versions = RoleDefinitionVersion.objects.filter(
        definition__organization=organization, status=VersionStatus.APPROVED
    ).select_related("definition")
    return {v.definition.team_type: v for v in versions}


def in_force(by_type: dict[str, RoleDefinitionVersion], team_type: str):
    return by_type.get(team_type) or by_type.get("")


def scope_codes(
    version: RoleDefinitionVersion | None, team_type: str
) -> tuple[list[str], list[str]]:
    """In-scope and out-of-scope codes that apply to a team of this type under ``version``
    (the one in force, or None). A definition written for the team type is taken as it is;
    the organization-wide one and the taxonomy's default get the team type's core activities
    in scope (a family support team's family peer support is never drift by default)."""
    if version is None:
        return taxonomy.default_scope(team_type)
    in_codes, out_codes = list(version.in_scope), list(version.out_of_scope)
    if version.definition.team_type == team_type and team_type:
        return in_codes, out_codes
    return taxonomy.adjust_for_team_type(in_codes, out_codes, team_type)


def approved_version_for_team(team: Team) -> RoleDefinitionVersion | None:
    """For contact logging and drift: the approved role definition that applies to a team."""
    return approved_version(team.site.organization, team.team_type)


def co_producer_candidates(organization: Organization) -> list[tuple[User, list[Membership]]]:
    """Active members of the organization with their memberships there (names and roles)."""
    memberships = (
        Membership.objects.filter(organization=organization, user__is_active=True)
        .select_related("user", "team", "site")
        .order_by("user__display_name", "role")
    )
    grouped: dict[int, tuple[User, list[Membership]]] = {}
    for m in memberships:
        grouped.setdefault(m.user_id, (m.user, []))[1].append(m)
    return list(grouped.values())


def peer_worker_ids(organization: Organization, users) -> set[int]:
    """Which of these users hold a peer worker membership in the organization (any place)."""
    return set(
        Membership.objects.filter(
            organization=organization,
            role=Role.PEER_WORKER,
            user__in=users,
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )

"""Role-and-place rules. The matrix these implement is in docs/permissions.md.

A membership covers a place: an organization-wide membership covers every site and
team of its organization, a site membership covers the site and its teams, and a team
membership covers that team. Rules ask which roles a user holds over a given place.
"""

from __future__ import annotations

import rules
from django.db.models import Q

from .models import Membership, Organization, Site, Team
from .roles import Role


def _memberships(user) -> list[Membership]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_peerway_memberships", None)
    if cached is None:
        # With their places (organization too): the organization, and a team named in a
        # request, are then found here without another query (core.selectors).
        cached = list(user.memberships.select_related("organization", "team__site", "site"))
        user._peerway_memberships = cached
    return cached


def forget_cached_memberships(user) -> None:
    for attr in ("_peerway_memberships", "_peerway_mfa_required"):
        if hasattr(user, attr):
            delattr(user, attr)


def roles_over(user, place) -> set[str]:
    """Roles the user holds over a place (organization, site or team)."""
    result: set[str] = set()
    for m in _memberships(user):
        if isinstance(place, Team):
            covered = m.covers_team(place)
        elif isinstance(place, Site):
            covered = m.organization_id == place.organization_id and (
                (m.site_id is None and m.team_id is None) or m.site_id == place.pk
            )
        elif isinstance(place, Organization):
            covered = m.organization_id == place.pk and m.site_id is None and m.team_id is None
        else:
            covered = False
        if covered:
            result.add(m.role)
    return result


def roles_anywhere_in(user, organization: Organization) -> set[str]:
    return {m.role for m in _memberships(user) if m.organization_id == organization.pk}


def team_filter_for(user, roles: set[str] | None = None) -> Q:
    """A Q over Team selecting the teams covered by the user's memberships (with roles)."""
    q = Q(pk__in=[])
    for m in _memberships(user):
        if roles is not None and m.role not in roles:
            continue
        if m.team_id:
            q |= Q(pk=m.team_id)
        elif m.site_id:
            q |= Q(site_id=m.site_id)
        else:
            q |= Q(site__organization_id=m.organization_id)
    return q


def place_of(obj):
    """The place that decides access to an object: a team, a site or an organization."""
    if isinstance(obj, Organization | Site | Team):
        return obj
    for attr in ("team", "site", "organization"):
        value = getattr(obj, attr, None)
        if value is not None:
            return value
    return None


def has_role_over(*roles_needed: str):
    wanted = set(roles_needed)

    @rules.predicate(name=f"has_role_over({','.join(sorted(wanted))})")
    def predicate(user, obj=None) -> bool:
        place = place_of(obj)
        if place is None:
            return False
        return bool(roles_over(user, place) & wanted)

    return predicate


def has_role_in_org(*roles_needed: str):
    wanted = set(roles_needed)

    @rules.predicate(name=f"has_role_in_org({','.join(sorted(wanted))})")
    def predicate(user, obj=None) -> bool:
        place = place_of(obj)
        if place is None:
            return False
        org = place if isinstance(place, Organization) else place.organization
        return bool(roles_anywhere_in(user, org) & wanted)

    return predicate


@rules.predicate
def is_member(user) -> bool:
    return bool(_memberships(user))


is_authenticated = rules.is_authenticated

# --- The matrix (keep docs/permissions.md in step) -----------------------------------
# Home and own account: anyone signed in.
rules.add_perm("core.view_home", is_authenticated)
# Organization structure (names of sites and teams, no people): any member of the org.
rules.add_perm("core.view_structure", has_role_in_org(*Role.values))
# Who works on a team: managers, admins and supervisors over it; peer workers and
# clinicians over it see their colleagues. Evaluators never see people.
rules.add_perm(
    "core.view_team_members",
    has_role_over(Role.MANAGER, Role.ADMIN, Role.SUPERVISOR, Role.PEER_WORKER, Role.CLINICIAN),
)
# User administration (invite, grant/revoke memberships, deactivate) within the scope.
rules.add_perm("core.manage_users", has_role_over(Role.MANAGER, Role.ADMIN))
# Organization settings (e.g. which roles must use MFA).
rules.add_perm("core.manage_organization", has_role_over(Role.ADMIN, Role.MANAGER))
# The audit screen and export: administrators of the organization.
rules.add_perm("core.view_audit", has_role_over(Role.ADMIN))
# Open the people screens at all (lists are then scoped to what the user manages).
rules.add_perm("core.administer_users", has_role_in_org(Role.MANAGER, Role.ADMIN))


def can_manage_membership(user, membership: Membership | None = None, *, role=None, place=None):
    """May the user grant or revoke this role over this place?

    Needs manager or admin over the place; only administrators deal in the admin role.
    """
    role = role or membership.role
    place = place or (membership.team or membership.site or membership.organization)
    held = roles_over(user, place)
    if role == Role.ADMIN:
        return Role.ADMIN in held
    return bool(held & {Role.MANAGER, Role.ADMIN})


def can_deactivate(user, target) -> bool:
    """Deactivating an account needs authority over every one of its memberships."""
    if target.pk == user.pk:
        return False
    memberships = list(target.memberships.select_related("team__site", "site", "organization"))
    if not memberships:
        return False
    return all(can_manage_membership(user, m) for m in memberships)

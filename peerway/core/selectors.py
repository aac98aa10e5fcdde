"""Reads scoped by the reader's roles and places. Views read protected data only here."""

from __future__ import annotations

import copy

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import AuditEvent, Invitation, Membership, Organization, Site, Team, User
from .permissions import _memberships, team_filter_for
from .roles import Role


def organizations_for(user) -> QuerySet[Organization]:
    ids = {m.organization_id for m in _memberships(user)}
    return Organization.objects.filter(pk__in=ids)


def get_organization(user, slug: str) -> Organization:
    """The organization with this slug, if the user holds a role in it (else 404): read
    from the memberships already loaded, a copy each time (a caller may change it)."""
    for m in _memberships(user):
        if m.organization.slug == slug:
            return copy.copy(m.organization)
    raise Http404


def teams_for(user, organization: Organization | None = None) -> QuerySet[Team]:
    qs = Team.objects.filter(team_filter_for(user)).select_related("site__organization")
    if organization is not None:
        qs = qs.filter(site__organization=organization)
    return qs.distinct()


def team_for(user, organization: Organization, pk: int) -> Team | None:
    """One team of the organization that the user's memberships reach (as ``teams_for``),
    or None. A team membership naming it answers without a query (a copy of the team
    loaded with the memberships); otherwise one query."""
    for m in _memberships(user):
        if m.team_id == pk and m.team.site.organization_id == organization.pk:
            return copy.copy(m.team)
    return teams_for(user, organization).filter(pk=pk).first()


def sites_for(user, organization: Organization | None = None) -> QuerySet[Site]:
    """Sites the user can see: all sites of orgs where they hold an org-wide role,
    their site memberships, and the sites of their teams."""
    q = Q(pk__in=[])
    for m in _memberships(user):
        if m.team_id:
            q |= Q(pk=m.team.site_id)
        elif m.site_id:
            q |= Q(pk=m.site_id)
        else:
            q |= Q(organization_id=m.organization_id)
    qs = Site.objects.filter(q)
    if organization is not None:
        qs = qs.filter(organization=organization)
    return qs.distinct()


def get_team(user, pk: int) -> Team:
    team = teams_for(user).filter(pk=pk).first()
    if team is None:
        raise Http404
    return team


def structure_for(user, organization: Organization) -> list[tuple[Site, list[Team]]]:
    """Sites and teams of an organization that the user's memberships reach."""
    teams = list(teams_for(user, organization).order_by("site__name", "name"))
    sites = {s.pk: s for s in sites_for(user, organization)}
    grouped: dict[int, list[Team]] = {pk: [] for pk in sites}
    for t in teams:
        grouped.setdefault(t.site_id, []).append(t)
        sites.setdefault(t.site_id, t.site)
    return [(sites[pk], grouped[pk]) for pk in sorted(sites, key=lambda k: sites[k].name)]


def manageable_memberships_q(user) -> Q:
    """Memberships whose place lies inside a place where the user is manager or admin."""
    q = Q(pk__in=[])
    for m in _memberships(user):
        if m.role not in (Role.MANAGER, Role.ADMIN):
            continue
        if m.team_id:
            q |= Q(team_id=m.team_id)
        elif m.site_id:
            q |= Q(site_id=m.site_id) | Q(team__site_id=m.site_id)
        else:
            q |= Q(organization_id=m.organization_id)
    return q


def members_for_admin(user, organization: Organization) -> QuerySet[User]:
    """People holding at least one membership the user may manage in this organization."""
    memberships = Membership.objects.filter(
        manageable_memberships_q(user), organization=organization
    )
    return (
        User.objects.filter(memberships__in=memberships)
        .distinct()
        .prefetch_related("memberships__team", "memberships__site", "memberships__organization")
        .order_by("display_name", "email")
    )


def get_member_for_admin(user, organization: Organization, pk: int) -> User:
    member = members_for_admin(user, organization).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def invitations_for_admin(user, organization: Organization) -> QuerySet[Invitation]:
    q = Q(pk__in=[])
    for m in _memberships(user):
        if m.role not in (Role.MANAGER, Role.ADMIN) or m.organization_id != organization.pk:
            continue
        if m.team_id:
            q |= Q(team_id=m.team_id)
        elif m.site_id:
            q |= Q(site_id=m.site_id) | Q(team__site_id=m.site_id)
        else:
            q |= Q(organization_id=m.organization_id)
    return Invitation.objects.filter(q, organization=organization).select_related("team", "site")


def team_members(user, team: Team) -> QuerySet[Membership]:
    """Memberships covering one team (the caller has checked core.view_team_members)."""
    return (
        Membership.objects.filter(
            Q(team=team)
            | Q(site=team.site, team__isnull=True)
            | Q(organization=team.site.organization, site__isnull=True, team__isnull=True)
        )
        .filter(user__is_active=True)
        .select_related("user", "team", "site")
        .order_by("role", "user__display_name")
    )


def audit_events_for(user, organization: Organization) -> QuerySet[AuditEvent]:
    """Events of one organization, plus sign-in events of its members."""
    member_ids = Membership.objects.filter(organization=organization).values("user_id")
    return AuditEvent.objects.filter(
        Q(organization_id=organization.pk)
        | Q(organization_id__isnull=True, actor_id__in=member_ids)
    ).order_by("-sequence")

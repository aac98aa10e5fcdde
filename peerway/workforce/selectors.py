"""Reads of the peer workforce, scoped by the reader's roles and places.

A worker is found (``get_worker``) only by the worker themself, by someone holding any
role over one of the worker's placement teams, or by an assigned supervisor; anyone else
gets 404. What the finder may then see is decided by ``permissions``.

Lived-experience attributes are read only through ``visible_attributes`` (pages) and
``attributes_for_matching`` (the matching engine), never from the model directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from peerway.core.models import Membership, Organization, Team, User
from peerway.core.permissions import _memberships, roles_over, team_filter_for
from peerway.core.roles import Role

from .models import (
    AgeBand,
    AttributeKind,
    ExperienceDomain,
    Gender,
    SupervisionSession,
    SupervisorProfile,
    Visibility,
    WellbeingCheckIn,
    WorkerProfile,
    YesNo,
)

# Roles that count as "my team" for attributes a worker shares with their team. Admins
# and evaluators are not part of a team's practice and never see them.
TEAM_ROLES = frozenset({Role.MANAGER, Role.SUPERVISOR, Role.PEER_WORKER, Role.CLINICIAN})


@dataclass
class Worker:
    """A peer worker in one organization: the object permissions are checked against."""

    user: User
    organization: Organization
    teams: list[Team] = field(default_factory=list)
    profile: WorkerProfile | None = None

    @property
    def pk(self) -> int:
        return self.user.pk

    @property
    def assigned_supervisor_ids(self) -> set[int]:
        if self.profile is None or self.profile.pk is None:
            return set()
        return set(self.profile.supervisors.values_list("pk", flat=True))

    def __str__(self) -> str:
        return str(self.user)


def peer_memberships(organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(
        organization=organization, role=Role.PEER_WORKER, user__is_active=True
    )


def placements(user: User, organization: Organization) -> list[Team]:
    """Teams where the user works as a peer worker (team, site or organization scope)."""
    q = Q(pk__in=[])
    for m in peer_memberships(organization).filter(user=user):
        if m.team_id:
            q |= Q(pk=m.team_id)
        elif m.site_id:
            q |= Q(site_id=m.site_id)
        else:
            q |= Q(site__organization=organization)
    return list(Team.objects.filter(q).select_related("site__organization").order_by("name"))


def load_worker(user: User, organization: Organization) -> Worker:
    profile = WorkerProfile.objects.filter(organization=organization, user=user).first()
    return Worker(user, organization, placements(user, organization), profile)


def _finds(viewer: User, worker: Worker) -> bool:
    if viewer.pk == worker.user.pk:
        return True
    if any(roles_over(viewer, t) for t in worker.teams):
        return True
    return viewer.pk in worker.assigned_supervisor_ids


def get_worker(viewer: User, organization: Organization, pk: int) -> Worker:
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not peer_memberships(organization).filter(user=user).exists():
        raise Http404
    worker = load_worker(user, organization)
    if not _finds(viewer, worker):
        raise Http404
    return worker


def own_worker(viewer: User, organization: Organization) -> Worker:
    if not peer_memberships(organization).filter(user=viewer).exists():
        raise Http404
    return load_worker(viewer, organization)


def worker_supervisor_ids(worker: Worker) -> set[int]:
    """The worker's supervisors: those assigned on the profile, else every peer
    supervisor over one of the worker's teams."""
    assigned = worker.assigned_supervisor_ids
    if assigned:
        return assigned
    ids: set[int] = set()
    for m in Membership.objects.filter(
        organization=worker.organization, role=Role.SUPERVISOR, user__is_active=True
    ).select_related("team__site"):
        if any(m.covers_team(t) for t in worker.teams):
            ids.add(m.user_id)
    return ids


# --- Lived-experience attributes ---------------------------------------------------------

_CHOICE_LABELS = {
    AttributeKind.GENDER: dict(Gender.choices),
    AttributeKind.AGE_BAND: dict(AgeBand.choices),
    AttributeKind.LGBTQ: dict(YesNo.choices),
}


def display_value(kind: str, value: str) -> str:
    if kind == AttributeKind.EXPERIENCE:
        labels = dict(ExperienceDomain.choices)
        return ", ".join(str(labels.get(c, c)) for c in value.split(",") if c)
    labels = _CHOICE_LABELS.get(kind)
    if labels:
        return str(labels.get(value, value))
    return value


def is_on_workers_team(viewer: User, worker: Worker) -> bool:
    if viewer.pk in worker.assigned_supervisor_ids:
        return True
    return any(roles_over(viewer, t) & TEAM_ROLES for t in worker.teams)


def visible_attributes(viewer: User, worker: Worker) -> list[dict]:
    """The attributes this viewer may see, in a fixed order, ready to display.

    The worker sees everything they entered (with its visibility). Anyone else sees only
    attributes shared with the team, and only when they work with one of the worker's
    teams. Matching-only and private attributes are never returned to anyone else.
    """
    if worker.profile is None or worker.profile.pk is None:
        return []
    rows = {a.kind: a for a in worker.profile.attributes.all()}
    is_self = viewer.pk == worker.user.pk
    if not is_self and not is_on_workers_team(viewer, worker):
        return []
    result = []
    for kind, label in AttributeKind.choices:
        attribute = rows.get(kind)
        if attribute is None or not attribute.value:
            continue
        if not is_self and attribute.visibility != Visibility.TEAM:
            continue
        result.append(
            {
                "kind": kind,
                "label": label,
                "value": display_value(kind, attribute.value),
                "visibility": attribute.visibility,
                "visibility_label": attribute.get_visibility_display(),
            }
        )
    return result


def attributes_for_matching(worker: Worker) -> dict[str, str | list[str]]:
    """Attributes the matching engine may use: matching-only and shared ones, as codes.

    For the engine alone (``peerway/support/matching``): never render this.
    Lived experience comes back as a list of domain codes.
    """
    if worker.profile is None or worker.profile.pk is None:
        return {}
    result: dict[str, str | list[str]] = {}
    for attribute in worker.profile.attributes.all():
        if attribute.visibility == Visibility.PRIVATE or not attribute.value:
            continue
        if attribute.kind == AttributeKind.EXPERIENCE:
            result[attribute.kind] = [c for c in attribute.value.split(",") if c]
        else:
            result[attribute.kind] = attribute.value
    return result


def own_attributes(worker: Worker) -> dict[str, tuple[str, str]]:
    """The worker's own entries (kind -> (value, visibility)), for their edit form."""
    if worker.profile is None or worker.profile.pk is None:
        return {}
    return {a.kind: (a.value, a.visibility) for a in worker.profile.attributes.all()}


# --- Lists -------------------------------------------------------------------------------


def workforce_teams(viewer: User, organization: Organization) -> QuerySet[Team]:
    """Teams whose workforce the viewer oversees (manager or supervisor over them)."""
    return (
        Team.objects.filter(
            team_filter_for(viewer, {Role.MANAGER, Role.SUPERVISOR}),
            site__organization=organization,
        )
        .select_related("site")
        .distinct()
        .order_by("site__name", "name")
    )


def team_peer_ids(team: Team) -> set[int]:
    org = team.site.organization
    ids = set()
    for m in peer_memberships(org).select_related("team__site"):
        if m.covers_team(team):
            ids.add(m.user_id)
    return ids


@dataclass
class TeamWorkforce:
    team: Team
    workers: list[Worker]

    @property
    def lone_peer(self) -> bool:
        return len(self.workers) == 1

    @property
    def total_fte(self):
        return sum((w.profile.fte for w in self.workers if w.profile), start=0)


def workforce_overview(viewer: User, organization: Organization) -> list[TeamWorkforce]:
    rows = []
    cache: dict[int, Worker] = {}
    for team in workforce_teams(viewer, organization):
        workers = []
        for user in User.objects.filter(pk__in=team_peer_ids(team)).order_by("display_name"):
            if user.pk not in cache:
                cache[user.pk] = load_worker(user, organization)
            workers.append(cache[user.pk])
        rows.append(TeamWorkforce(team, workers))
    return rows


def lone_peer_worker_ids(organization: Organization) -> set[int]:
    """Workers with no peer colleague on any of their teams."""
    teams = Team.objects.filter(site__organization=organization).select_related("site")
    by_worker: dict[int, list[int]] = {}
    for team in teams:
        ids = team_peer_ids(team)
        for pk in ids:
            by_worker.setdefault(pk, []).append(len(ids))
    return {pk for pk, sizes in by_worker.items() if max(sizes) == 1}


# --- Supervision -------------------------------------------------------------------------


def cadence_days(worker: Worker) -> int:
    if worker.profile and worker.profile.supervision_every_days:
        return worker.profile.supervision_every_days
    return settings.PEERWAY_SUPERVISION_EVERY_DAYS


def sessions_of(worker: Worker) -> QuerySet[SupervisionSession]:
    return SupervisionSession.objects.filter(
        organization=worker.organization, worker=worker.user
    ).select_related("supervisor")


@dataclass
class SupervisionStatus:
    worker: Worker
    last: date | None
    due: date
    every_days: int

    @property
    def overdue(self) -> bool:
        return self.due < timezone.localdate()


def supervision_status(worker: Worker) -> SupervisionStatus:
    every = cadence_days(worker)
    last = sessions_of(worker).values_list("date", flat=True).first()
    if last is not None:
        due = last + timedelta(days=every)
    else:
        started = (worker.profile.start_date if worker.profile else None) or (
            peer_memberships(worker.organization)
            .filter(user=worker.user)
            .order_by("granted_at")
            .values_list("granted_at", flat=True)
            .first()
        )
        if hasattr(started, "date"):
            started = timezone.localtime(started).date()
        due = (started or timezone.localdate()) + timedelta(days=every)
    return SupervisionStatus(worker, last, due, every)


def supervisees(viewer: User, organization: Organization) -> list[Worker]:
    """Workers the viewer supervises or manages (overview of supervision)."""
    seen: dict[int, Worker] = {}
    for row in workforce_overview(viewer, organization):
        for w in row.workers:
            seen.setdefault(w.user.pk, w)
    for profile in WorkerProfile.objects.filter(organization=organization, supervisors=viewer):
        if profile.user_id not in seen and profile.user.is_active:
            seen[profile.user_id] = load_worker(profile.user, organization)
    return sorted(seen.values(), key=lambda w: w.user.display_name)


def peer_experienced_supervisor_ids(organization: Organization) -> set[int]:
    return set(
        SupervisorProfile.objects.filter(
            organization=organization, has_peer_experience=True
        ).values_list("user_id", flat=True)
    )


def peer_experienced_share(workers: list[Worker], *, days: int = 365) -> dict:
    """Share of supervision minutes (last ``days``) given by peer-experienced supervisors."""
    since = timezone.localdate() - timedelta(days=days)
    sessions = SupervisionSession.objects.filter(
        worker__in=[w.user for w in workers], date__gte=since
    )
    total = sum(s.duration_minutes for s in sessions)
    peer = sum(s.duration_minutes for s in sessions if s.by_peer_experienced)
    return {
        "total_minutes": total,
        "peer_minutes": peer,
        "percent": round(100 * peer / total) if total else None,
        "days": days,
    }


def get_session(viewer: User, organization: Organization, pk: int) -> SupervisionSession:
    """A session, found by its supervisor, its worker, or whoever may see the worker's
    supervision list (they are then refused the notes by permission)."""
    session = (
        SupervisionSession.objects.filter(organization=organization, pk=pk)
        .select_related("worker", "supervisor")
        .first()
    )
    if session is None:
        raise Http404
    if viewer.pk in (session.worker_id, session.supervisor_id):
        return session
    worker = load_worker(session.worker, organization)
    if not _finds(viewer, worker):
        raise Http404
    return session


# --- Wellbeing ---------------------------------------------------------------------------


def checkins_of(worker: Worker) -> QuerySet[WellbeingCheckIn]:
    return WellbeingCheckIn.objects.filter(organization=worker.organization, worker=worker.user)


def checkin_due(worker: Worker) -> date:
    last = checkins_of(worker).values_list("completed_on", flat=True).first()
    if last is None:
        return timezone.localdate()
    return last + timedelta(days=settings.PEERWAY_WELLBEING_CHECKIN_DAYS)


def memberships_of(viewer) -> list[Membership]:
    return _memberships(viewer)

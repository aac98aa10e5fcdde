"""Reads of the peer workforce, scoped by the reader's roles and places.

A worker is found (``get_worker``) only by the worker themself, by someone holding any
role over one of the worker's placement teams, or by an assigned supervisor; anyone else
gets 404. What the finder may then see is decided by ``permissions``.

Lived-experience attributes are read only through ``visible_attributes`` (pages) and
``attributes_for_matching`` (the matching engine), never from the model directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Max, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from peerway.core.models import Membership, Organization, Team, User, memberships_covering
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
    # The organization's supervisor memberships, when loaded with other workers
    # (``load_workers``): read once for all of them instead of once per worker.
    supervisor_memberships: list[Membership] | None = field(default=None, repr=False)

    @property
    def pk(self) -> int:
        return self.user.pk

    @property
    def assigned_supervisor_ids(self) -> set[int]:
        if self.profile is None or self.profile.pk is None:
            return set()
        # all(): uses the prefetched supervisors when ``load_workers`` loaded them.
        return {user.pk for user in self.profile.supervisors.all()}

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


def organization_teams(organization: Organization) -> list[Team]:
    return list(
        Team.objects.filter(site__organization=organization)
        .select_related("site__organization")
        .order_by("name")
    )


def load_workers(users: Iterable[User], organization: Organization) -> dict[int, Worker]:
    """``load_worker`` for many users at once, in a fixed number of queries: {user pk:
    Worker}."""
    users = list(users)
    ids = [u.pk for u in users]
    if not ids:
        return {}
    profiles = {
        p.user_id: p
        for p in WorkerProfile.objects.filter(
            organization=organization, user_id__in=ids
        ).prefetch_related("supervisors")
    }
    by_user: dict[int, list[Membership]] = {}
    for m in peer_memberships(organization).filter(user_id__in=ids):
        by_user.setdefault(m.user_id, []).append(m)
    teams = organization_teams(organization)
    covering = memberships_covering([m for ms in by_user.values() for m in ms], teams)
    placed_by_user: dict[int, list[Team]] = {}
    for team in teams:  # in name order, as each worker's teams are listed
        for pk in {m.user_id for m in covering[team.pk]}:
            placed_by_user.setdefault(pk, []).append(team)
    supervisors = list(
        Membership.objects.filter(
            organization=organization, role=Role.SUPERVISOR, user__is_active=True
        )
    )
    workers = {}
    for user in users:
        placed = placed_by_user.get(user.pk, [])
        profile = profiles.get(user.pk)
        if profile is not None:
            profile.user = user  # the user in hand, not one more query per profile
        workers[user.pk] = Worker(user, organization, placed, profile, supervisors)
    return workers


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
    memberships = worker.supervisor_memberships
    if memberships is None:
        memberships = Membership.objects.filter(
            organization=worker.organization, role=Role.SUPERVISOR, user__is_active=True
        )
    for m in memberships:
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
    """Teams whose workforce the viewer oversees (manager, supervisor or HR over them)."""
    return (
        Team.objects.filter(
            team_filter_for(viewer, {Role.MANAGER, Role.SUPERVISOR, Role.HR}),
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


def workforce_overview(
    viewer: User, organization: Organization, *, teams=None
) -> list[TeamWorkforce]:
    """The viewer's teams with their peer workers, in a fixed number of queries whatever
    the number of teams and workers."""
    if teams is None:
        teams = workforce_teams(viewer, organization)
    teams = list(
        teams.select_related("site__organization").distinct().order_by("site__name", "name")
    )
    covering = memberships_covering(peer_memberships(organization), teams)
    team_ids = {team.pk: {m.user_id for m in covering[team.pk]} for team in teams}
    everyone = set().union(*team_ids.values()) if team_ids else set()
    users = list(User.objects.filter(pk__in=everyone).order_by("display_name"))
    workers = load_workers(users, organization)
    return [
        TeamWorkforce(team, [workers[u.pk] for u in users if u.pk in team_ids[team.pk]])
        for team in teams
    ]


def lone_peer_worker_ids(organization: Organization) -> set[int]:
    """Workers with no peer colleague on any of their teams."""
    teams = list(Team.objects.filter(site__organization=organization).select_related("site"))
    covering = memberships_covering(peer_memberships(organization), teams)
    by_worker: dict[int, list[int]] = {}
    for team in teams:
        ids = {m.user_id for m in covering[team.pk]}
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
    return supervision_statuses([worker])[0]


def supervision_statuses(workers: list[Worker]) -> list[SupervisionStatus]:
    """``supervision_status`` of each worker, in two queries whatever their number."""
    if not workers:
        return []
    organization = workers[0].organization
    ids = [w.user.pk for w in workers]
    last_by_worker = dict(
        SupervisionSession.objects.filter(organization=organization, worker_id__in=ids)
        .values_list("worker_id")
        .annotate(last=Max("date"))
        .values_list("worker_id", "last")
        .order_by()
    )
    unstarted = [
        w.user.pk
        for w in workers
        if w.user.pk not in last_by_worker and not (w.profile and w.profile.start_date)
    ]
    granted = (
        dict(
            peer_memberships(organization)
            .filter(user_id__in=unstarted)
            .values_list("user_id")
            .annotate(first=Min("granted_at"))
            .values_list("user_id", "first")
            .order_by()
        )
        if unstarted
        else {}
    )
    return [_supervision_status(w, last_by_worker.get(w.user.pk), granted) for w in workers]


def _supervision_status(worker: Worker, last, granted: dict) -> SupervisionStatus:
    every = cadence_days(worker)
    if last is not None:
        due = last + timedelta(days=every)
    else:
        started = (worker.profile.start_date if worker.profile else None) or granted.get(
            worker.user.pk
        )
        if hasattr(started, "date"):
            started = timezone.localtime(started).date()
        due = (started or timezone.localdate()) + timedelta(days=every)
    return SupervisionStatus(worker, last, due, every)


def supervisees(viewer: User, organization: Organization) -> list[Worker]:
    """Workers the viewer supervises or manages (overview of supervision)."""
    seen: dict[int, Worker] = {}
    teams = Team.objects.filter(
        team_filter_for(viewer, {Role.MANAGER, Role.SUPERVISOR}), site__organization=organization
    )
    for row in workforce_overview(viewer, organization, teams=teams):
        for w in row.workers:
            seen.setdefault(w.user.pk, w)
    assigned = [
        profile.user
        for profile in WorkerProfile.objects.filter(
            organization=organization, supervisors=viewer
        ).select_related("user")
        if profile.user_id not in seen and profile.user.is_active
    ]
    seen.update(load_workers(assigned, organization))
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


# --- Staff, training and compliance ------------------------------------------------------


@dataclass
class StaffMember:
    """Anyone holding a role in the organization, with the places of their roles."""

    user: User
    organization: Organization
    places: list = field(default_factory=list)
    roles: set[str] = field(default_factory=set)

    @property
    def pk(self) -> int:
        return self.user.pk

    def __str__(self) -> str:
        return str(self.user)


def load_staff(user: User, organization: Organization) -> StaffMember:
    member = StaffMember(user, organization)
    for m in Membership.objects.filter(organization=organization, user=user).select_related(
        "team__site", "site"
    ):
        member.places.append(m.team or m.site or organization)
        member.roles.add(m.role)
    return member


def get_staff(viewer: User, organization: Organization, pk: int) -> StaffMember:
    """A member of staff, found by themself or by anyone holding a role over one of their
    places; 404 otherwise."""
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise Http404
    member = load_staff(user, organization)
    if not member.places:
        raise Http404
    if viewer.pk != user.pk and not any(roles_over(viewer, p) for p in member.places):
        raise Http404
    return member


def training_of(user: User, organization: Organization):
    from .models import TrainingRecord

    return TrainingRecord.objects.filter(organization=organization, user=user)


def expiry_warning_days() -> int:
    return settings.PEERWAY_TRAINING_WARNING_DAYS


@dataclass
class TrainingStatus:
    """Where one person stands: certifications in force, what expires soon or has lapsed."""

    user: User
    roles: set[str]
    current_certifications: list
    expiring: list
    expired: list
    peer_role_trained: bool
    hours: float

    @property
    def needs_peer_certification(self) -> bool:
        return Role.PEER_WORKER in self.roles

    @property
    def needs_peer_role_training(self) -> bool:
        return bool(self.roles & {Role.SUPERVISOR, Role.CLINICIAN, Role.MANAGER})

    @property
    def compliant(self) -> bool:
        if self.expired:
            return False
        if self.needs_peer_certification and not self.current_certifications:
            return False
        return not (self.needs_peer_role_training and not self.peer_role_trained)


def _latest_by_title(records) -> list:
    """Only the latest record of each title counts (a renewal replaces the lapsed one)."""
    latest: dict[str, object] = {}
    for r in sorted(records, key=lambda r: (r.completed_on, r.pk)):
        latest[r.title.casefold().strip()] = r
    return list(latest.values())


def training_records(users: Iterable[User], organization: Organization) -> dict[int, list]:
    """Training records of many users in one query: {user pk: records}."""
    from .models import TrainingRecord

    by_user: dict[int, list] = {u.pk: [] for u in users}
    for record in TrainingRecord.objects.filter(organization=organization, user_id__in=by_user):
        by_user[record.user_id].append(record)
    return by_user


def training_status(
    user: User, organization: Organization, roles: set[str], *, records: list | None = None
) -> TrainingStatus:
    """Where the user stands; ``records`` (from ``training_records``) saves the query."""
    from .models import CompetencyArea, RecordKind

    today = timezone.localdate()
    soon = today + timedelta(days=expiry_warning_days())
    if records is None:
        records = list(training_of(user, organization))
    latest = _latest_by_title(records)
    expired = [r for r in latest if r.expires_on and r.expires_on < today]
    expiring = [r for r in latest if r.expires_on and today <= r.expires_on <= soon]
    current_certs = [
        r
        for r in latest
        if r.kind == RecordKind.CERTIFICATION and not (r.expires_on and r.expires_on < today)
    ]
    return TrainingStatus(
        user=user,
        roles=roles,
        current_certifications=current_certs,
        expiring=sorted(expiring, key=lambda r: r.expires_on),
        expired=expired,
        peer_role_trained=any(CompetencyArea.PEER_ROLE in r.competency_areas for r in records),
        hours=float(sum((r.hours or 0) for r in records)),
    )


def team_staff(team: Team) -> list[tuple[User, set[str]]]:
    """People working with a team: team memberships, and supervisors over it (site or
    organization). Organization-wide managers and other staff are not counted per team."""
    return teams_staff([team])[team.pk]


def teams_staff(teams: list[Team]) -> dict[int, list[tuple[User, set[str]]]]:
    """``team_staff`` of several teams of one organization, in one query."""
    if not teams:
        return {}
    memberships = list(
        Membership.objects.filter(
            organization_id=teams[0].site.organization_id, user__is_active=True
        ).select_related("user")
    )
    covering = memberships_covering(memberships, teams)
    result = {}
    for team in teams:
        by_user: dict[int, tuple[User, set[str]]] = {}
        for m in covering[team.pk]:
            if m.team_id == team.pk or m.role == Role.SUPERVISOR:
                by_user.setdefault(m.user_id, (m.user, set()))[1].add(m.role)
        result[team.pk] = sorted(by_user.values(), key=lambda row: row[0].display_name)
    return result


@dataclass
class TeamCompliance:
    team: Team
    rows: list[TrainingStatus]

    @property
    def peers(self) -> list[TrainingStatus]:
        return [r for r in self.rows if r.needs_peer_certification]

    @property
    def others(self) -> list[TrainingStatus]:
        return [r for r in self.rows if r.needs_peer_role_training]

    @property
    def peers_certified(self) -> int:
        return sum(1 for r in self.peers if r.current_certifications)

    @property
    def others_trained(self) -> int:
        return sum(1 for r in self.others if r.peer_role_trained)

    @property
    def expiring(self) -> int:
        return sum(len(r.expiring) for r in self.rows)

    @property
    def expired(self) -> int:
        return sum(len(r.expired) for r in self.rows)


def team_compliance(team: Team) -> TeamCompliance:
    return teams_compliance([team])[team.pk]


def teams_compliance(teams: list[Team]) -> dict[int, TeamCompliance]:
    """``team_compliance`` of several teams of one organization, in two queries."""
    if not teams:
        return {}
    org = teams[0].site.organization
    staff = teams_staff(teams)
    records = training_records({u for rows in staff.values() for u, _r in rows}, org)
    return {
        team.pk: TeamCompliance(
            team,
            [
                training_status(user, org, roles, records=records[user.pk])
                for user, roles in staff[team.pk]
            ],
        )
        for team in teams
    }


def notifications_for(user: User, organization: Organization):
    from .models import Notification

    return Notification.objects.filter(organization=organization, user=user)


# --- Peer network ------------------------------------------------------------------------


def network_events(organization: Organization):
    from .models import NetworkEvent

    return NetworkEvent.objects.filter(organization=organization).prefetch_related("attendees")


def get_network_event(organization: Organization, pk: int):
    event = network_events(organization).filter(pk=pk).first()
    if event is None:
        raise Http404
    return event


def peer_workers_of(organization: Organization) -> list[User]:
    ids = peer_memberships(organization).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("display_name"))


@dataclass
class NetworkReach:
    user: User
    lone_peer: bool
    attended: int


def network_reach(organization: Organization, *, days: int = 365) -> list[NetworkReach]:
    """Each peer worker: alone on their teams or not, and events attended in ``days``."""
    since = timezone.localdate() - timedelta(days=days)
    lone = lone_peer_worker_ids(organization)
    counts: dict[int, int] = {}
    for event in network_events(organization).filter(date__gte=since):
        for user in event.attendees.all():
            counts[user.pk] = counts.get(user.pk, 0) + 1
    return [
        NetworkReach(u, u.pk in lone, counts.get(u.pk, 0)) for u in peer_workers_of(organization)
    ]


# --- Wellbeing support -------------------------------------------------------------------


def default_support_resources() -> str:
    from django.utils.translation import gettext as _

    return _(
        "Employee assistance programme: free and confidential counselling for you and your "
        "family; ask human resources or your manager for the number.\n"
        "Peer network: the peer support workers' network meets regularly; your peer network "
        "contact can listen and share what helped them.\n"
        "If you are in crisis or thinking about suicide, call or text 9-8-8 at any time; in an "
        "emergency, call 9-1-1."
    )


def support_resources(organization: Organization) -> str:
    """The organization's support resources, or the default wording when none is set."""
    from .models import WellbeingSettings

    row = WellbeingSettings.objects.filter(organization=organization).first()
    if row and row.support_resources.strip():
        return row.support_resources
    return default_support_resources()


def own_support_resources(organization: Organization) -> str:
    """The text the organization set (empty when it uses the default)."""
    from .models import WellbeingSettings

    row = WellbeingSettings.objects.filter(organization=organization).first()
    return row.support_resources if row else ""


def conversation_requested_for(checkin) -> bool:
    """True when the worker already asked for a conversation after this check-in."""
    from .models import Notification

    return Notification.objects.filter(
        key__startswith=f"wellbeing_conversation:{checkin.pk}:"
    ).exists()

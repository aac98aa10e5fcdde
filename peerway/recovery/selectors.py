"""Reads of recovery plans and boundary and risk events, scoped to what each user may see.

Anything outside the user's places is a 404; a record the user can find but may not open
is refused by the rules in ``permissions`` (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from peerway.core.models import Membership, Organization, Team, User
from peerway.core.permissions import roles_over, team_filter_for
from peerway.core.roles import Role
from peerway.support.models import ConsentPurpose, PeerRelationship, Person
from peerway.support.selectors import consenting_people_q, get_person, people_for

from .models import EventKind, GoalStatus, RecoveryPlan, ResponsePath, SafetyEvent

# --- Recovery plans ------------------------------------------------------------------------


def plan_people_q(user) -> Q:
    """People whose plan the user may open (same rule as ``recovery.view_plan``)."""
    leads = Team.objects.filter(team_filter_for(user, {Role.MANAGER, Role.SUPERVISOR}))
    peers = Team.objects.filter(team_filter_for(user, {Role.PEER_WORKER}))
    clinicians = Team.objects.filter(team_filter_for(user, {Role.CLINICIAN}))
    caseload = Q(relationships__worker=user, relationships__ended_on__isnull=True)
    return (
        Q(team__in=leads.values("pk"))
        | (Q(team__in=peers.values("pk")) & caseload)
        | (Q(team__in=clinicians.values("pk")) & consenting_people_q(ConsentPurpose.SHARE_NOTES))
    )


def plan_list(user, organization: Organization) -> QuerySet[Person]:
    """People with a plan the user may open, and the user's own caseload (to start one)."""
    caseload = Q(relationships__worker=user, relationships__ended_on__isnull=True)
    return (
        Person.objects.filter(plan_people_q(user), organization=organization)
        .filter(Q(recovery_plan__isnull=False) | caseload)
        .select_related("team__site", "recovery_plan")
        .annotate(
            active_goals=Count(
                "recovery_plan__goals",
                filter=Q(recovery_plan__goals__status=GoalStatus.ACTIVE),
                distinct=True,
            )
        )
        .distinct()
        .order_by("code")
    )


def person_for_plan(user, organization: Organization, pk: int) -> Person:
    """The person, found as for their record (404 outside the user's places)."""
    return get_person(user, organization, pk)


def plan_of(person: Person) -> RecoveryPlan | None:
    return RecoveryPlan.objects.filter(person=person).first()


def plan_contents(plan: RecoveryPlan) -> list:
    return list(plan.goals.prefetch_related("steps", "updates"))


# --- Boundary and risk events ------------------------------------------------------------


def supervisor_ids_of(worker: User, organization: Organization) -> set[int]:
    """The worker's supervisors, as the workforce defines them."""
    from peerway.workforce.selectors import load_worker, worker_supervisor_ids

    return worker_supervisor_ids(load_worker(worker, organization))


def supervised_worker_ids(user, organization: Organization) -> set[int]:
    """Workers of whom the user is one of the supervisors."""
    from peerway.workforce.models import WorkerProfile
    from peerway.workforce.selectors import supervisees, worker_supervisor_ids

    # A worker's supervisors are those assigned on their profile, else the active peer
    # supervisors over their teams (``worker_supervisor_ids``): someone who is neither
    # (a manager, an evaluator) supervises nobody, and is answered without reading the
    # workforce (a region's manager would otherwise load every worker).
    if not (
        Membership.objects.filter(
            organization=organization, role=Role.SUPERVISOR, user=user, user__is_active=True
        ).exists()
        or WorkerProfile.objects.filter(organization=organization, supervisors=user).exists()
    ):
        return set()
    return {
        w.user.pk
        for w in supervisees(user, organization)
        if w.user.pk != user.pk and user.pk in worker_supervisor_ids(w)
    }


def _events(organization: Organization) -> QuerySet[SafetyEvent]:
    return SafetyEvent.objects.filter(organization=organization).select_related(
        "person", "worker", "team__site", "reviewed_by", "supervision_session"
    )


def own_events(user, organization: Organization) -> QuerySet[SafetyEvent]:
    return _events(organization).filter(worker=user)


def review_queue(user, organization: Organization, *, ids=None) -> QuerySet[SafetyEvent]:
    """Events to review in supervision: not yet reviewed, of workers the user supervises
    (``ids``: ``supervised_worker_ids``, when the caller has it already)."""
    if ids is None:
        ids = supervised_worker_ids(user, organization)
    return (
        _events(organization)
        .filter(worker_id__in=ids, reviewed_at__isnull=True)
        .order_by("worker__display_name", "occurred_on", "pk")
    )


def reviewed_recently(user, organization: Organization, limit: int = 20, *, ids=None):
    if ids is None:
        ids = supervised_worker_ids(user, organization)
    return (
        _events(organization)
        .filter(worker_id__in=ids, reviewed_at__isnull=False)
        .order_by("-reviewed_at")[:limit]
    )


def team_events(user, organization: Organization) -> QuerySet[SafetyEvent]:
    """Events on teams the user manages."""
    teams = Team.objects.filter(team_filter_for(user, {Role.MANAGER}))
    return _events(organization).filter(team__in=teams.values("pk"))


def get_event(user, organization: Organization, pk: int) -> SafetyEvent:
    """An event, found by its worker, the worker's supervisors, or anyone with a role over
    its team (who may then be refused by the rules)."""
    event = _events(organization).filter(pk=pk).first()
    if event is None:
        raise Http404
    if event.worker_id == user.pk or roles_over(user, event.team):
        return event
    if user.pk in supervisor_ids_of(event.worker, organization):
        return event
    raise Http404


def worker_sessions_since(organization: Organization, worker: User, since: date):
    """The worker's supervision sessions on or after a date, newest first (no notes)."""
    from peerway.workforce.models import SupervisionSession

    return SupervisionSession.objects.filter(
        organization=organization, worker=worker, date__gte=since
    ).select_related("supervisor")[:12]


def sessions_for_review(event: SafetyEvent):
    return worker_sessions_since(event.organization, event.worker, event.occurred_on)


@dataclass
class QueueGroup:
    worker: User
    events: list[SafetyEvent]
    sessions: list
    form: object = None


def review_queue_by_worker(user, organization: Organization, *, ids=None) -> list[QueueGroup]:
    """The review queue, one group per worker, with the worker's sessions since the
    earliest queued event (to say in which session the events were reviewed)."""
    groups: dict[int, QueueGroup] = {}
    for event in review_queue(user, organization, ids=ids):
        group = groups.setdefault(event.worker_id, QueueGroup(event.worker, [], []))
        group.events.append(event)
    if not groups:
        return []
    from peerway.workforce.models import SupervisionSession

    since = {pk: min(e.occurred_on for e in g.events) for pk, g in groups.items()}
    # Every worker's sessions in one query, then each worker's own since their earliest
    # queued event, newest first, as ``worker_sessions_since`` gives them.
    for session in SupervisionSession.objects.filter(
        organization=organization, worker_id__in=groups, date__gte=min(since.values())
    ).select_related("supervisor"):
        group = groups[session.worker_id]
        if session.date >= since[session.worker_id] and len(group.sessions) < 12:
            group.sessions.append(session)
    return list(groups.values())


# --- Safety indicators -------------------------------------------------------------------


@dataclass(frozen=True)
class BoundaryRate:
    events: int
    relationships: int

    @property
    def per_100(self) -> float | None:
        if not self.relationships:
            return None
        return round(100 * self.events / self.relationships, 1)


def _person_filter(evaluation_consent_only: bool) -> Q:
    if not evaluation_consent_only:
        return Q()
    return Q(person__in=Person.objects.filter(consenting_people_q(ConsentPurpose.EVALUATION)))


def active_relationships(team: Team, start: date, end: date, *, evaluation_consent_only=False):
    """Peer relationships of the team's people open at any time in [start, end]."""
    return PeerRelationship.objects.filter(
        _person_filter(evaluation_consent_only),
        person__team=team,
        started_on__lte=end,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))


def boundary_events_per_100(
    team: Team, start: date, end: date, *, evaluation_consent_only: bool = False
) -> BoundaryRate:
    """Boundary events recorded on the team in [start, end] per 100 peer relationships
    active in that period."""
    events = SafetyEvent.objects.filter(
        _person_filter(evaluation_consent_only),
        team=team,
        kind=EventKind.BOUNDARY,
        occurred_on__gte=start,
        occurred_on__lte=end,
    ).count()
    relationships = active_relationships(
        team, start, end, evaluation_consent_only=evaluation_consent_only
    ).count()
    return BoundaryRate(events, relationships)


def risk_concerns_by_path(
    team: Team, start: date, end: date, *, evaluation_consent_only: bool = False
) -> dict[str, int]:
    """Risk concerns on the team in [start, end] by response path (every path listed)."""
    counts = dict.fromkeys(ResponsePath.values, 0)
    rows = (
        SafetyEvent.objects.filter(
            _person_filter(evaluation_consent_only),
            team=team,
            kind=EventKind.RISK,
            occurred_on__gte=start,
            occurred_on__lte=end,
        )
        .values("response_path")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["response_path"]] = row["n"]
    return counts


def people_for_events(user, organization: Organization) -> QuerySet[Person]:
    """People in the user's caseload (events are recorded from there)."""
    return people_for(user, organization).filter(
        relationships__worker=user, relationships__ended_on__isnull=True
    )

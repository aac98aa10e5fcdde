"""Reads of outcome measures and safety tasks, scoped to what each user may see."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from peerway.core.models import Organization, Team, User
from peerway.core.permissions import team_filter_for
from peerway.core.roles import Role
from peerway.instruments.engine.model import Instrument
from peerway.instruments.library import current_library
from peerway.recovery.models import RiskType
from peerway.support.models import PeerRelationship, Person, PersonStatus, Referral
from peerway.support.selectors import people_for

from .models import (
    INTAKE_DUE_DAYS,
    Administration,
    OutcomeSchedule,
    OutcomeSettings,
    SafetyStatus,
    SafetyTask,
)
from .schedule import Window, window_for

# Instruments meant for people supported (not staff or organizational surveys). Those whose
# licence ships no item text become available once the organization loads its items.
OUTCOME_INSTRUMENTS = (
    "qpr15",
    "phq9",
    "gad7",
    "k10",
    "barc10",
    "herth_hope_index",
    "ras24",
    "wemwbs",
    "swemwbs",
)


def default_protocol(risk_type: str | None = None) -> str:
    """Peerway's text when the organization wrote none: for self-harm (and questionnaire
    triggers) the suicide-safety steps; for the other types, steps that fit them."""
    if risk_type == RiskType.MEDICAL_EMERGENCY:
        return _(
            "If the person may be in danger now, call 911 (or your local emergency number) "
            "first and stay with them if it is safe. Follow your organization's local "
            "protocol, tell your supervisor as soon as you can, and record what was done when "
            "you close this task."
        )
    if risk_type == RiskType.ABUSE_NEGLECT:
        return _(
            "Follow your organization's local protocol for disclosures of abuse or neglect now. "
            "If anyone is in immediate danger, call 911. A child, or an adult who cannot "
            "protect themselves, may need a report to the protection services: your supervisor "
            "decides this with you today. Do not investigate yourself; write down what was "
            "said, in the person's words, and record what was done when you close this task."
        )
    if risk_type not in (None, RiskType.SELF_HARM):
        return _(
            "Follow your organization's local safety protocol now. If anyone is in immediate "
            "danger, call 911 or the local crisis line. Tell your supervisor, involve the "
            "clinical team as the protocol says, and record what was done when you close this "
            "task."
        )
    return _(
        "Follow your organization's local safety protocol now. Contact the person as soon as "
        "possible and ask directly about their safety. If there is immediate danger, call 911 "
        "or the local crisis line, or go with the person to the nearest emergency department. "
        "The 9-8-8 Suicide Crisis Helpline (call or text 988) is open at any hour. Tell your "
        "supervisor, involve the clinical team as the protocol says, and record what was done "
        "when you close this task."
    )


def protocol_text(organization: Organization, risk_type: str | None = None) -> str:
    """The organization's protocol for this risk type, else its general protocol, else
    Peerway's default for the type."""
    settings = OutcomeSettings.objects.filter(organization=organization).first()
    if settings:
        own = (settings.risk_protocols or {}).get(risk_type or "", "")
        if own.strip():
            return own
        if settings.safety_protocol.strip():
            return settings.safety_protocol
    return default_protocol(risk_type)


def outcome_instruments() -> list[Instrument]:
    """Outcome instruments that can be given now (item text present, individual level)."""
    library = current_library()
    found = []
    for code in OUTCOME_INSTRUMENTS:
        if code in library:
            instrument = library[code]
            if instrument.has_item_text and not instrument.group_level:
                found.append(instrument)
    return found


def outcome_instrument(code: str) -> Instrument:
    for instrument in outcome_instruments():
        if instrument.code == code:
            return instrument
    raise Http404


def schedule_for(team: Team) -> OutcomeSchedule:
    return OutcomeSchedule.for_team(team)


def start_of_support(person: Person) -> date:
    """The start of the person's current peer relationship (the earliest open one); before
    any relationship, the date of their latest referral; else the day they were recorded."""
    relationships = [r for r in person.relationships.all() if r.ended_on is None]
    if relationships:
        return min(r.started_on for r in relationships)
    referrals = list(person.referrals.all())
    if referrals:
        return max(r.created_at for r in referrals).date()
    return person.created_at.date()


@dataclass
class Due:
    person: Person
    window: Window
    status: str
    instruments: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


def _windows(person, start: date, given, today: date, schedule: OutcomeSchedule) -> list[Due]:
    rows = []
    for point in sorted(set(schedule.time_points)):
        window = window_for(
            start,
            point,
            before=schedule.window_before_days,
            after=schedule.window_after_days,
            intake_days=INTAKE_DUE_DAYS,
        )
        missing = [c for c in schedule.instruments if (c, point) not in given]
        done = [c for c in schedule.instruments if (c, point) in given]
        rows.append(Due(person, window, window.status(today, done=not missing), missing, done))
    return rows


def windows_of(person: Person, today: date, *, schedule: OutcomeSchedule | None = None):
    """Every time point of the person's schedule with its status and what is missing."""
    schedule = schedule or schedule_for(person.team)
    given = {(a.instrument, a.time_point) for a in person.outcomes.all()}
    return _windows(person, start_of_support(person), given, today, schedule)


def administer_q(user: User) -> Q:
    """People to whom the user gives outcome measures, as a filter: the same rule as the
    ``outcomes.administer`` permission (supervisors and managers over the person's team;
    a peer worker over the team for their open caseload). A test holds the two equal."""
    lead_teams = Team.objects.filter(team_filter_for(user, {Role.MANAGER, Role.SUPERVISOR}))
    peer_teams = Team.objects.filter(team_filter_for(user, {Role.PEER_WORKER}))
    caseload = PeerRelationship.objects.filter(
        person=OuterRef("pk"), worker=user, ended_on__isnull=True
    )
    return Q(team__in=lead_teams.values("pk")) | (
        Q(team__in=peer_teams.values("pk")) & Exists(caseload)
    )


# Person ids per query when reading people back by id (well under SQLite's variable limit).
_ID_CHUNK = 5000


@functools.lru_cache(maxsize=20_000)
def _window(start: date, point: int, before: int, after: int) -> Window:
    """``window_for``, remembered: thousands of people share a start date (pure arithmetic
    on immutable values)."""
    return window_for(start, point, before=before, after=after, intake_days=INTAKE_DUE_DAYS)


@dataclass
class _DueRow:
    """A due or overdue window of a person known by id; ``code`` orders the list."""

    person_id: int
    team_id: int
    code: str
    due: Due


def _due_rows(user: User, organization: Organization, today: date) -> list[_DueRow]:
    """The due or overdue windows of the people this user gives measures to, in list order,
    without the people's objects (see ``due_list``)."""
    if not user.is_active:
        return []
    people = (
        Person.objects.filter(organization=organization)
        .exclude(status=PersonStatus.CLOSED)
        .filter(administer_q(user))
        .filter(pk__in=people_for(user, organization).values("pk"))
    )
    basics = list(people.values_list("pk", "team_id", "created_at", "code"))
    if not basics:
        return []
    # The people's ids as read, not the people query again as a subquery of each query
    # below: PostgreSQL may run that nest of subqueries once per row it joins (1.2 s for
    # 140 people on tables without statistics). One query each per _ID_CHUNK people.
    wanted = sorted(pk for pk, _team, _created, _code in basics)
    open_start: dict[int, date] = {}
    referred: dict[int, datetime] = {}
    given: dict[int, set[tuple[str, int]]] = {}
    for i in range(0, len(wanted), _ID_CHUNK):
        ids = wanted[i : i + _ID_CHUNK]
        open_start.update(
            PeerRelationship.objects.filter(person_id__in=ids, ended_on__isnull=True)
            .values("person_id")
            .annotate(first=Min("started_on"))
            .values_list("person_id", "first")
        )
        referred.update(
            Referral.objects.filter(person_id__in=ids)
            .values("person_id")
            .annotate(last=Max("created_at"))
            .values_list("person_id", "last")
        )
        for person_id, instrument, point in Administration.objects.filter(
            person_id__in=ids
        ).values_list("person_id", "instrument", "time_point"):
            given.setdefault(person_id, set()).add((instrument, point))
    # Every team's schedule in one query; a team without one has the default.
    team_ids = {team_id for _pk, team_id, _created, _code in basics}
    schedules = {s.team_id: s for s in OutcomeSchedule.objects.filter(team_id__in=team_ids)}
    missing_teams = team_ids - schedules.keys()
    if missing_teams:
        for team in Team.objects.filter(pk__in=missing_teams):
            schedules[team.pk] = OutcomeSchedule.default_for(team)
    points = {pk: sorted(set(s.time_points)) for pk, s in schedules.items()}
    nothing: set[tuple[str, int]] = set()
    found: list[_DueRow] = []
    # ``_windows`` for each person, keeping only what is due or overdue: a window is open
    # (``opens_on <= today <= closes_on``) and something is still missing; the rest
    # (upcoming, missed, done) is never built.
    for pk, team_id, created_at, code in basics:
        if pk in open_start:
            start = open_start[pk]
        elif pk in referred:
            start = referred[pk].date()
        else:
            start = created_at.date()
        schedule = schedules[team_id]
        before, after = schedule.window_before_days, schedule.window_after_days
        done_here = given.get(pk, nothing)
        for point in points[team_id]:
            window = _window(start, point, before, after)
            if today < window.opens_on or today > window.closes_on:
                continue
            missing = [c for c in schedule.instruments if (c, point) not in done_here]
            if not missing:
                continue
            done = [c for c in schedule.instruments if (c, point) in done_here]
            status = window.status(today, done=False)
            found.append(_DueRow(pk, team_id, code, Due(None, window, status, missing, done)))
    found.sort(key=lambda r: (r.due.window.due_on, r.code))
    return found


def _attach_people(rows: list[_DueRow]) -> list[Due]:
    """The rows' ``Due`` with their people (and teams and sites) read in one query per
    ``_ID_CHUNK`` people."""
    wanted = sorted({r.person_id for r in rows})
    objects: dict[int, Person] = {}
    for i in range(0, len(wanted), _ID_CHUNK):
        objects.update(
            Person.objects.select_related("team__site").in_bulk(wanted[i : i + _ID_CHUNK])
        )
    for row in rows:
        row.due.person = objects[row.person_id]
    return [row.due for row in rows]


def due_list(user: User, organization: Organization, today: date) -> list[Due]:
    """Measures due or overdue for the people this user gives measures to.

    Reads plain values, not one object per person and relation: the people (ids, team,
    date recorded, code), the start of each one's open support and their latest referral
    (one grouped query each), the measures already given; then the people with something
    due, as objects, in one query; one query each per 5,000 people, not per person."""
    return _attach_people(_due_rows(user, organization, today))


@dataclass
class DueSummary:
    first: list[Due]
    count: int
    overdue_count: int


def due_summary(user: User, organization: Organization, today: date, limit: int) -> DueSummary:
    """What a home page shows of ``due_list``: its first ``limit`` rows (with their people,
    read for those rows only), how many rows and how many of them overdue."""
    rows = _due_rows(user, organization, today)
    return DueSummary(
        first=_attach_people(rows[:limit]),
        count=len(rows),
        overdue_count=sum(1 for r in rows if r.due.status == "overdue"),
    )


def get_person(user: User, organization: Organization, pk: int) -> Person:
    """A person the user may open at all (404 otherwise); rules then decide what is shown."""
    from peerway.support.selectors import get_person as support_get_person

    return support_get_person(user, organization, pk)


def administrations_of(person: Person) -> QuerySet[Administration]:
    return Administration.objects.filter(person=person).select_related("recorded_by")


def safety_tasks_for(user: User, organization: Organization) -> QuerySet[SafetyTask]:
    """Tasks assigned to the user, and tasks of teams they supervise or manage."""
    lead_teams = Team.objects.filter(team_filter_for(user, {Role.MANAGER, Role.SUPERVISOR}))
    q = Q(assignments__user=user) | Q(team__in=lead_teams.values("pk"))
    return (
        SafetyTask.objects.filter(q, organization=organization)
        .select_related("person", "team", "administration")
        .distinct()
    )


def open_safety_tasks_for(user: User, organization: Organization) -> QuerySet[SafetyTask]:
    """Tasks not closed yet, the most urgent first: unacknowledged before acknowledged,
    then by deadline."""
    return (
        safety_tasks_for(user, organization)
        .exclude(status=SafetyStatus.CLOSED)
        .order_by("-status", "due_at", "pk")
    )


QUEUE_STATUSES = ("active", "open", "acknowledged", "closed", "all")


def safety_queue(
    user: User,
    organization: Organization,
    *,
    status: str = "active",
    overdue: bool = False,
    risk_type: str = "",
    team_id: int | None = None,
    now=None,
) -> QuerySet[SafetyTask]:
    """The safety queue with its filters (status "active" means open or acknowledged;
    overdue means unacknowledged past the deadline), scoped as ``safety_tasks_for``."""
    from django.utils import timezone

    tasks = safety_tasks_for(user, organization)
    if status == "active":
        tasks = tasks.exclude(status=SafetyStatus.CLOSED)
    elif status in SafetyStatus.values:
        tasks = tasks.filter(status=status)
    if overdue:
        tasks = tasks.filter(status=SafetyStatus.OPEN, due_at__lte=now or timezone.now())
    if risk_type in RiskType.values:
        tasks = tasks.filter(risk_type=risk_type)
    if team_id is not None:
        tasks = tasks.filter(team_id=team_id)
    if status == "closed" or status == "all":
        return tasks.order_by("-created_at", "-pk")
    return tasks.order_by("-status", "due_at", "pk")


def queue_teams(user: User, organization: Organization) -> list[Team]:
    """Teams to filter the queue by: those of the tasks the user may see."""
    ids = safety_tasks_for(user, organization).values("team_id")
    return list(Team.objects.filter(pk__in=ids).select_related("site").order_by("name"))


def get_safety_task(user: User, organization: Organization, pk: int) -> SafetyTask:
    task = safety_tasks_for(user, organization).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def teams_for_schedules(user: User, organization: Organization) -> list[Team]:
    """Teams whose schedule the user may see: those where they give or oversee measures."""
    roles = {Role.MANAGER, Role.SUPERVISOR, Role.PEER_WORKER}
    return list(
        Team.objects.filter(team_filter_for(user, roles), site__organization=organization)
        .select_related("site")
        .order_by("site__name", "name")
    )

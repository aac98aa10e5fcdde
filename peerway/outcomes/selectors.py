"""Reads of outcome measures and safety tasks, scoped to what each user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from peerway.core.models import Organization, Team, User
from peerway.core.permissions import team_filter_for
from peerway.core.roles import Role
from peerway.instruments.engine.model import Instrument
from peerway.instruments.library import current_library
from peerway.support.models import PeerRelationship, Person, PersonStatus
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


def default_protocol() -> str:
    return _(
        "Follow your organization's local safety protocol now. Contact the person as soon as "
        "possible and ask directly about their safety. If there is immediate danger, call 911 "
        "or the local crisis line, or go with the person to the nearest emergency department. "
        "The 9-8-8 Suicide Crisis Helpline (call or text 988) is open at any hour. Tell your "
        "supervisor, involve the clinical team as the protocol says, and record what was done "
        "when you close this task."
    )


def protocol_text(organization: Organization) -> str:
    settings = OutcomeSettings.objects.filter(organization=organization).first()
    if settings and settings.safety_protocol.strip():
        return settings.safety_protocol
    return default_protocol()


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


def windows_of(person: Person, today: date, *, schedule: OutcomeSchedule | None = None):
    """Every time point of the person's schedule with its status and what is missing."""
    schedule = schedule or schedule_for(person.team)
    start = start_of_support(person)
    given = {(a.instrument, a.time_point) for a in person.outcomes.all()}
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


def due_list(user: User, organization: Organization, today: date) -> list[Due]:
    """Measures due or overdue for the people this user gives measures to."""
    people = (
        people_for(user, organization)
        .exclude(status=PersonStatus.CLOSED)
        .prefetch_related(
            Prefetch(
                "relationships",
                queryset=PeerRelationship.objects.filter(ended_on__isnull=True),
            ),
            "referrals",
            "outcomes",
        )
    )
    schedules: dict[int, OutcomeSchedule] = {}
    rows: list[Due] = []
    for person in people:
        if not user.has_perm("outcomes.administer", person):
            continue
        if person.team_id not in schedules:
            schedules[person.team_id] = schedule_for(person.team)
        for row in windows_of(person, today, schedule=schedules[person.team_id]):
            if row.status in ("due", "overdue"):
                rows.append(row)
    rows.sort(key=lambda r: (r.window.due_on, r.person.code))
    return rows


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
    return safety_tasks_for(user, organization).exclude(status=SafetyStatus.CLOSED)


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

"""Reads of hospital events: the trigger's suggestions (scoped to the teams a reader
leads) and, for the readmission statistics, each person's admissions and discharges in
date order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from peerway.core.models import Organization, Team
from peerway.core.permissions import team_filter_for
from peerway.core.roles import Role
from peerway.insights.stats.survival import Episode
from peerway.support.models import (
    ConsentPurpose,
    PeerRelationship,
    Person,
    Referral,
    ReferralState,
)
from peerway.support.selectors import consenting_people_q

from .models import EventKind, HospitalEvent, HospitalImport, ImportJob, JobStatus, TriggerRule

LEAD_ROLES = {Role.MANAGER, Role.SUPERVISOR}


def trigger_for(organization: Organization) -> TriggerRule:
    """The organization's rule, or the default (not saved) when none was set."""
    rule = TriggerRule.objects.filter(organization=organization).first()
    return rule or TriggerRule(organization=organization)


def window_start(today: date, months: int) -> date:
    """The first day counted: the same day ``months`` months earlier (clamped to the end
    of a shorter month). Events on that day count."""
    month_index = today.year * 12 + (today.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _open_referral_q() -> Q:
    """A referral still open: any state but closed (a declined offer may be triaged again)."""
    return Q(
        Exists(Referral.objects.filter(person=OuterRef("pk")).exclude(state=ReferralState.CLOSED))
    )


def _open_relationship_q() -> Q:
    return Q(Exists(PeerRelationship.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)))


def _with_counts(queryset: QuerySet[Person], rule: TriggerRule, today: date) -> QuerySet[Person]:
    start = window_start(today, rule.window_months)
    in_window = Q(hospital_events__date__gte=start, hospital_events__date__lte=today)
    return queryset.annotate(
        admissions=Count(
            "hospital_events", filter=in_window & Q(hospital_events__kind=EventKind.ADMISSION)
        ),
        emergency_visits=Count(
            "hospital_events",
            filter=in_window & Q(hospital_events__kind=EventKind.EMERGENCY_VISIT),
        ),
        last_event=Max("hospital_events__date", filter=in_window),
    ).filter(
        Q(admissions__gte=rule.min_admissions) | Q(emergency_visits__gte=rule.min_emergency_visits)
    )


def suggestions_for(user, organization: Organization, today: date | None = None):
    """People over whose team the user is manager or supervisor, who meet the trigger and
    have neither an open referral nor an open peer relationship."""
    rule = trigger_for(organization)
    if not rule.enabled:
        return Person.objects.none()
    today = today or timezone.localdate()
    teams = Team.objects.filter(team_filter_for(user, LEAD_ROLES)).values("pk")
    people = (
        Person.objects.filter(organization=organization, team__in=teams)
        .exclude(_open_referral_q())
        .exclude(_open_relationship_q())
        .select_related("team__site")
    )
    return _with_counts(people, rule, today).order_by("-admissions", "-emergency_visits", "code")


@dataclass(frozen=True)
class TriggerCounts:
    admissions: int
    emergency_visits: int


def suggestion_for(person: Person, today: date | None = None) -> TriggerCounts | None:
    """The counts if the person is (still) suggested, else None."""
    rule = trigger_for(person.organization)
    if not rule.enabled:
        return None
    today = today or timezone.localdate()
    people = (
        Person.objects.filter(pk=person.pk)
        .exclude(_open_referral_q())
        .exclude(_open_relationship_q())
    )
    found = _with_counts(people, rule, today).first()
    if found is None:
        return None
    return TriggerCounts(found.admissions, found.emergency_visits)


def running_jobs(organization: Organization) -> QuerySet[ImportJob]:
    """Files of the organization still being checked or saved."""
    return ImportJob.objects.filter(
        organization=organization,
        status__in=[JobStatus.QUEUED, JobStatus.CHECKING, JobStatus.APPLYING],
    ).select_related("requested_by")


def get_import_job(organization: Organization, pk: int) -> ImportJob:
    """One import of the organization (404 otherwise). Callers check the permission to
    import for the organization: jobs hold counts and row problems, never names."""
    return get_object_or_404(
        ImportJob.objects.select_related("requested_by"), organization=organization, pk=pk
    )


def recent_imports(organization: Organization, limit: int = 10) -> QuerySet[HospitalImport]:
    return HospitalImport.objects.filter(organization=organization).select_related("imported_by")[
        :limit
    ]


# --- for the readmission statistics (issue 7) ------------------------------------------


def _events(organization: Organization, evaluation_consent_only: bool):
    qs = HospitalEvent.objects.filter(
        organization=organization, kind__in=(EventKind.ADMISSION, EventKind.DISCHARGE)
    )
    if evaluation_consent_only:
        qs = qs.filter(
            person__in=Person.objects.filter(consenting_people_q(ConsentPurpose.EVALUATION))
        )
    # Same day: the admission first (a same-day stay is admitted, then discharged).
    return qs.order_by("person_id", "date", "kind", "pk").values_list(
        "person_id", "kind", "date", "admitted_on"
    )


def admissions_and_discharges(
    organization: Organization, *, evaluation_consent_only: bool = True
) -> dict[int, list[tuple[date, str]]]:
    """Per person id: ``(date, kind)`` of each admission and discharge, in date order.

    By default only people whose current consent allows evaluation use are included.
    """
    result: dict[int, list[tuple[date, str]]] = {}
    for person_id, kind, day, _admitted in _events(organization, evaluation_consent_only):
        result.setdefault(person_id, []).append((day, kind))
    return result


def hospital_stays(
    organization: Organization, *, evaluation_consent_only: bool = True
) -> list[Episode]:
    """Stays for ``peerway.insights.stats.survival``: each admission paired with the next
    discharge; a discharge with no admission before it uses its own admission date when
    the file gave one (otherwise it is left out); a stay not yet discharged ends None."""
    stays: list[Episode] = []
    current: int | None = None
    open_admission: date | None = None
    for person_id, kind, day, admitted_on in _events(organization, evaluation_consent_only):
        if person_id != current:
            if open_admission is not None:
                stays.append(Episode(str(current), open_admission, None))
            current, open_admission = person_id, None
        if kind == EventKind.ADMISSION:
            if open_admission is not None:  # the discharge before it is missing
                stays.append(Episode(str(person_id), open_admission, None))
            open_admission = day
        elif open_admission is not None:
            stays.append(Episode(str(person_id), open_admission, day))
            open_admission = None
        elif admitted_on is not None:
            stays.append(Episode(str(person_id), admitted_on, day))
    if open_admission is not None:
        stays.append(Episode(str(current), open_admission, None))
    return stays

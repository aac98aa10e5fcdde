"""Reads of hospital events: the trigger's suggestions (scoped to the teams a reader
leads) and, for the readmission statistics, each person's admissions and discharges in
date order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from peerway.core.models import Organization, Team
from peerway.core.permissions import team_filter_for
from peerway.core.roles import Role
from peerway.insights.stats.episodes import (
    HospitalRecord,
    episodes_admitted_between,
    hospital_episodes,
    stays_from_events,
)
from peerway.insights.stats.survival import Episode
from peerway.support.models import (
    ConsentPurpose,
    PeerRelationship,
    Person,
    Referral,
    ReferralState,
)
from peerway.support.selectors import consenting_people_q

from .models import (
    EventKind,
    HL7Message,
    HospitalEvent,
    HospitalImport,
    ImportJob,
    JobStatus,
    TriggerRule,
)

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
    counted = queryset.annotate(
        admission_rows=Count(
            "hospital_events", filter=in_window & Q(hospital_events__kind=EventKind.ADMISSION)
        ),
        emergency_visits=Count(
            "hospital_events",
            filter=in_window & Q(hospital_events__kind=EventKind.EMERGENCY_VISIT),
        ),
        last_event=Max("hospital_events__date", filter=in_window),
    )
    # Admission rows overcount hospitalizations: a transfer between facilities (or a next-day
    # admission) is one hospital episode (docs/hospital-events.md). Count episodes for the
    # few people with two or more rows.
    several = list(counted.filter(admission_rows__gte=2).values_list("pk", "admission_rows"))
    episodes = _episode_counts([pk for pk, _rows in several], start, today)
    whens = [
        When(pk=pk, then=Value(episodes[pk])) for pk, rows in several if episodes.get(pk) != rows
    ]
    admissions = (
        Case(*whens, default=F("admission_rows"), output_field=IntegerField())
        if whens
        else F("admission_rows")
    )
    return counted.annotate(admissions=admissions).filter(
        Q(admissions__gte=rule.min_admissions) | Q(emergency_visits__gte=rule.min_emergency_visits)
    )


def _episode_counts(person_ids: list[int], start: date, today: date) -> dict[int, int]:
    if not person_ids:
        return {}
    rows: dict[int, list[HospitalRecord]] = {}
    for person_id, kind, day, admitted_on, facility in (
        HospitalEvent.objects.filter(
            person_id__in=person_ids, kind__in=(EventKind.ADMISSION, EventKind.DISCHARGE)
        )
        .order_by("person_id", "date", "kind", "pk")
        .values_list("person_id", "kind", "date", "admitted_on", "facility")
    ):
        rows.setdefault(person_id, []).append(
            HospitalRecord(str(person_id), kind, day, facility, admitted_on)
        )
    return {
        person_id: episodes_admitted_between(records, start, today)
        for person_id, records in rows.items()
    }


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


def recent_hl7_messages(organization: Organization, limit: int = 10) -> QuerySet[HL7Message]:
    """The last messages the HL7 feed accepted (counts only, no person)."""
    return HL7Message.objects.filter(organization=organization).only(
        "received_at",
        "message_type",
        "sending_facility",
        "control_id",
        "created",
        "updated",
        "removed",
    )[:limit]


def hl7_refused_since(organization: Organization, since) -> int:
    """How many HL7 messages were refused (AE/AR) since ``since``: refused messages are
    not kept, only their audit events."""
    from peerway.core.models import AuditEvent

    return AuditEvent.objects.filter(
        organization_id=organization.pk,
        action="hospital.hl7_message_refused",
        created_at__gte=since,
    ).count()


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
        "person_id", "kind", "date", "admitted_on", "facility"
    )


def admissions_and_discharges(
    organization: Organization, *, evaluation_consent_only: bool = True
) -> dict[int, list[tuple[date, str]]]:
    """Per person id: ``(date, kind)`` of each admission and discharge, in date order.

    By default only people whose current consent allows evaluation use are included.
    """
    result: dict[int, list[tuple[date, str]]] = {}
    for person_id, kind, day, _admitted, _facility in _events(
        organization, evaluation_consent_only
    ):
        result.setdefault(person_id, []).append((day, kind))
    return result


def hospital_stays(
    organization: Organization, *, evaluation_consent_only: bool = True
) -> list[Episode]:
    """Stays for ``peerway.insights.stats.survival``, paired facility by facility by
    ``peerway.insights.stats.episodes.stays_from_events`` (emergency visits are never
    stays). The statistics merge stays that touch or overlap into hospital episodes."""
    return stays_from_events(
        HospitalRecord(str(person_id), kind, day, facility, admitted_on)
        for person_id, kind, day, admitted_on, facility in _events(
            organization, evaluation_consent_only
        )
    )


def hospital_episodes_of(
    organization: Organization, *, evaluation_consent_only: bool = True
) -> list[Episode]:
    """Hospital episodes: stays that touch or overlap (transfers) merged into one."""
    return hospital_episodes(
        hospital_stays(organization, evaluation_consent_only=evaluation_consent_only)
    )

"""Writes for the peer workforce.

Each service is keyword-only, takes the acting user, runs in one transaction and writes
its audit event in that transaction. Audit details never hold attribute values, scores,
notes or accommodation text: only what kind of change happened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.models import Membership, Organization, User
from peerway.core.roles import Role
from peerway.instruments.engine.scoring import score
from peerway.instruments.library import current_library

from .models import (
    Accommodation,
    AccommodationStatus,
    AgeBand,
    AttributeKind,
    ContractType,
    DisclosedAttribute,
    EmploymentStatus,
    ExperienceDomain,
    Gender,
    SessionType,
    SupervisionSession,
    SupervisionTopic,
    SupervisorProfile,
    Visibility,
    WellbeingCheckIn,
    WorkerProfile,
    YesNo,
)
from .selectors import Worker, peer_experienced_supervisor_ids

CHECKIN_INSTRUMENT = "cbi"
SATISFACTION_RANGE = (1, 5)


def _require(actor: User, perm: str, obj) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDenied


def _user_event(*, actor: User, action: str, worker: Worker, details: dict | None = None):
    return audit.record(
        actor=actor,
        action=action,
        object_type="core.user",
        object_id=worker.user.pk,
        organization_id=worker.organization.pk,
        details=details or {},
    )


def _profile_for(worker: Worker) -> WorkerProfile:
    if worker.profile is None or worker.profile.pk is None:
        worker.profile, _created = WorkerProfile.objects.get_or_create(
            organization=worker.organization, user=worker.user
        )
    return worker.profile


# --- Profile -----------------------------------------------------------------------------


def record_profile_view(*, actor: User, worker: Worker) -> None:
    """Every view of a worker's profile is an audit event (no attribute in the details)."""
    _user_event(actor=actor, action="workforce.profile_viewed", worker=worker)


@dataclass
class Employment:
    fte: Decimal
    contract_type: str
    pay_band: str = ""
    start_date: date | None = None
    end_date: date | None = None
    status: str = EmploymentStatus.ACTIVE
    languages: str = ""
    supervisors: tuple[User, ...] = ()
    supervision_every_days: int | None = None


def update_employment(*, actor: User, worker: Worker, employment: Employment) -> WorkerProfile:
    _require(actor, "workforce.manage_employment", worker)
    errors: dict[str, str] = {}
    e = employment
    if e.fte is None or not Decimal("0.05") <= Decimal(e.fte) <= Decimal("1"):
        errors["fte"] = _("FTE is a number between 0.05 and 1.00.")
    if e.contract_type not in ContractType.values:
        errors["contract_type"] = _("Choose a contract type from the list.")
    if e.status not in EmploymentStatus.values:
        errors["status"] = _("Choose a status from the list.")
    if e.start_date and e.end_date and e.end_date < e.start_date:
        errors["end_date"] = _("The end date cannot be before the start date.")
    if e.supervision_every_days is not None and not 7 <= e.supervision_every_days <= 180:
        errors["supervision_every_days"] = _(
            "Supervision cadence is a number of days between 7 and 180."
        )
    supervisor_ids = set(
        Membership.objects.filter(
            organization=worker.organization, role=Role.SUPERVISOR, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    strangers = [u for u in e.supervisors if u.pk not in supervisor_ids]
    if strangers:
        errors["supervisors"] = _("%(name)s is not a peer supervisor in this organization.") % {
            "name": strangers[0]
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        profile = _profile_for(worker)
        profile.fte = Decimal(e.fte)
        profile.contract_type = e.contract_type
        profile.pay_band = (e.pay_band or "").strip()
        profile.start_date = e.start_date
        profile.end_date = e.end_date
        profile.status = e.status
        profile.languages = ", ".join(
            x.strip() for x in (e.languages or "").split(",") if x.strip()
        )
        profile.supervision_every_days = e.supervision_every_days
        profile.save()
        profile.supervisors.set(e.supervisors)
        _user_event(
            actor=actor,
            action="workforce.employment_updated",
            worker=worker,
            details={"supervisor_ids": sorted(u.pk for u in e.supervisors)},
        )
    return profile


ATTRIBUTE_CHOICES = {
    AttributeKind.GENDER: set(Gender.values),
    AttributeKind.AGE_BAND: set(AgeBand.values),
    AttributeKind.LGBTQ: set(YesNo.values),
}
FREE_TEXT_LIMIT = {AttributeKind.CULTURAL_COMMUNITY: 120, AttributeKind.SELF_DESCRIBED: 1000}


def set_disclosure(
    *, actor: User, worker: Worker, attributes: dict[str, tuple[str | list[str], str]]
) -> WorkerProfile:
    """Replace the worker's attributes. Only the worker may do this.

    ``attributes`` maps a kind to (value, visibility); an empty value removes the kind.
    Lived experience is a list of domain codes.
    """
    _require(actor, "workforce.edit_disclosure", worker)
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[str, str]] = {}
    for kind, (value, visibility) in attributes.items():
        if kind not in AttributeKind.values:
            errors["__all__"] = _("Unknown attribute.")
            continue
        if visibility not in Visibility.values:
            errors[f"{kind}_visibility"] = _("Choose who may see this from the list.")
            continue
        if kind == AttributeKind.EXPERIENCE:
            codes = list(dict.fromkeys(value or []))
            if set(codes) - set(ExperienceDomain.values):
                errors[kind] = _("Choose lived experience from the list.")
                continue
            text = ",".join(c for c in ExperienceDomain.values if c in codes)
        else:
            text = str(value or "").strip()
            if text and kind in ATTRIBUTE_CHOICES and text not in ATTRIBUTE_CHOICES[kind]:
                errors[kind] = _("Choose an answer from the list.")
                continue
            limit = FREE_TEXT_LIMIT.get(kind)
            if limit and len(text) > limit:
                errors[kind] = _("Keep this under %(n)s characters.") % {"n": limit}
                continue
        cleaned[kind] = (text, visibility)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        profile = _profile_for(worker)
        existing = {a.kind: a for a in profile.attributes.all()}
        changed = 0
        now = timezone.now()
        for kind, (text, visibility) in cleaned.items():
            row = existing.get(kind)
            if not text:
                if row is not None:
                    row.delete()
                    changed += 1
                continue
            if row is None:
                DisclosedAttribute.objects.create(
                    profile=profile, kind=kind, value=text, visibility=visibility, updated_at=now
                )
                changed += 1
            elif row.value != text or row.visibility != visibility:
                row.value, row.visibility, row.updated_at = text, visibility, now
                row.save()
                changed += 1
        # Only a count: which attributes exist, their values and visibility stay private.
        _user_event(
            actor=actor,
            action="workforce.disclosure_updated",
            worker=worker,
            details={"changed": changed},
        )
    return profile


# --- Supervision -------------------------------------------------------------------------


@dataclass
class SessionInput:
    session_type: str
    date: date
    duration_minutes: int
    topics: list[str]
    notes: str = ""


def log_supervision(
    *, actor: User, workers: list[Worker], session: SessionInput
) -> list[SupervisionSession]:
    """One session row per worker (a group session has several)."""
    if not workers:
        raise ValidationError({"workers": _("Choose at least one supervisee.")})
    for worker in workers:
        _require(actor, "workforce.log_supervision", worker)
    errors: dict[str, str] = {}
    if session.session_type not in SessionType.values:
        errors["session_type"] = _("Choose a type of supervision from the list.")
    elif session.session_type != SessionType.GROUP and len(workers) > 1:
        errors["workers"] = _("Only a group session can have several supervisees.")
    if session.date is None:
        errors["date"] = _("Enter the date of the session.")
    elif session.date > timezone.localdate():
        errors["date"] = _("The session date cannot be in the future.")
    if not isinstance(session.duration_minutes, int) or not 5 <= session.duration_minutes <= 480:
        errors["duration_minutes"] = _("Duration is a number of minutes between 5 and 480.")
    unknown = set(session.topics) - set(SupervisionTopic.values)
    if unknown:
        errors["topics"] = _("Choose topics from the list.")
    if errors:
        raise ValidationError(errors)
    organization = workers[0].organization
    peer_experienced = actor.pk in peer_experienced_supervisor_ids(organization)
    created = []
    with transaction.atomic():
        for worker in workers:
            row = SupervisionSession.objects.create(
                organization=organization,
                worker=worker.user,
                supervisor=actor,
                session_type=session.session_type,
                date=session.date,
                duration_minutes=session.duration_minutes,
                topics=[t for t in SupervisionTopic.values if t in session.topics],
                notes=(session.notes or "").strip(),
                by_peer_experienced=peer_experienced,
            )
            audit.record(
                actor=actor,
                action="workforce.supervision_logged",
                obj=row,
                details={
                    "worker_id": worker.user.pk,
                    "type": row.session_type,
                    "minutes": row.duration_minutes,
                },
            )
            created.append(row)
    return created


def set_supervisor_experience(
    *, actor: User, organization: Organization, has_peer_experience: bool
) -> SupervisorProfile:
    _require(actor, "workforce.supervisor_settings", organization)
    with transaction.atomic():
        profile, _created = SupervisorProfile.objects.get_or_create(
            organization=organization, user=actor
        )
        profile.has_peer_experience = bool(has_peer_experience)
        profile.save()
        audit.record(actor=actor, action="workforce.supervisor_profile_updated", obj=profile)
    return profile


# --- Wellbeing ---------------------------------------------------------------------------


def alert_threshold() -> float:
    return float(settings.PEERWAY_WELLBEING_ALERT_THRESHOLD)


def crosses_threshold(results: dict) -> bool:
    limit = alert_threshold()
    return any(
        isinstance(results.get(s), int | float) and results[s] >= limit
        for s in ("personal", "work", "client")
    )


def record_checkin(
    *, actor: User, worker: Worker, answers: dict, satisfaction: int
) -> WellbeingCheckIn:
    """Score the Copenhagen Burnout Inventory and keep the result encrypted."""
    _require(actor, "workforce.check_in", worker)
    if not isinstance(satisfaction, int) or not (
        SATISFACTION_RANGE[0] <= satisfaction <= SATISFACTION_RANGE[1]
    ):
        raise ValidationError({"satisfaction": _("Choose how satisfied you are, from 1 to 5.")})
    instrument = current_library()[CHECKIN_INSTRUMENT]
    result = score(instrument, answers)
    if not result.valid:
        raise ValidationError(_("Answer at least three questions of each part."))
    results = {scale_id: s.score for scale_id, s in result.scales.items()}
    results["satisfaction"] = satisfaction
    with transaction.atomic():
        profile = _profile_for(worker)
        checkin = WellbeingCheckIn.objects.create(
            organization=worker.organization,
            worker=worker.user,
            instrument_version=instrument.version,
            results=json.dumps(results),
            alert_raised=profile.wellbeing_alert and crosses_threshold(results),
        )
        # Completion only: never the scores.
        audit.record(actor=actor, action="workforce.checkin_completed", obj=checkin)
    return checkin


def set_wellbeing_choices(*, actor: User, worker: Worker, share: bool, alert: bool):
    _require(actor, "workforce.check_in", worker)
    with transaction.atomic():
        profile = _profile_for(worker)
        profile.share_wellbeing = bool(share)
        profile.wellbeing_alert = bool(alert)
        profile.save(update_fields=["share_wellbeing", "wellbeing_alert"])
        _user_event(
            actor=actor,
            action="workforce.wellbeing_choices_updated",
            worker=worker,
            details={"share": profile.share_wellbeing, "alert": profile.wellbeing_alert},
        )
    return profile


# --- Accommodations ----------------------------------------------------------------------


def request_accommodation(*, actor: User, worker: Worker, request: str) -> Accommodation:
    _require(actor, "workforce.request_accommodation", worker)
    text = (request or "").strip()
    if not text:
        raise ValidationError({"request": _("Say what would help you at work.")})
    with transaction.atomic():
        row = Accommodation.objects.create(
            organization=worker.organization, worker=worker.user, request=text
        )
        audit.record(actor=actor, action="workforce.accommodation_requested", obj=row)
    return row


def agree_accommodation(
    *,
    actor: User,
    worker: Worker,
    accommodation: Accommodation,
    adjustments: str,
    review_date: date | None,
    status: str,
) -> Accommodation:
    _require(actor, "workforce.manage_accommodations", worker)
    if accommodation.worker_id != worker.user.pk:
        raise PermissionDenied
    errors = {}
    if status not in AccommodationStatus.values:
        errors["status"] = _("Choose a status from the list.")
    if status == AccommodationStatus.AGREED and not (adjustments or "").strip():
        errors["adjustments"] = _("Write down the adjustments you agreed.")
    if review_date and review_date < timezone.localdate() and status == "agreed":
        errors["review_date"] = _("The review date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        accommodation.adjustments = (adjustments or "").strip()
        accommodation.review_date = review_date
        accommodation.status = status
        accommodation.updated_at = timezone.now()
        accommodation.save()
        audit.record(
            actor=actor,
            action="workforce.accommodation_updated",
            obj=accommodation,
            details={"status": status},
        )
    return accommodation

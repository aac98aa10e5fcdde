"""Writes for the peer workforce.

Each service is keyword-only, takes the acting user, runs in one transaction and writes
its audit event in that transaction. Audit details never hold attribute values, scores,
notes or accommodation text: only what kind of change happened.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, timedelta
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
    CompetencyArea,
    ContractType,
    Credential,
    DisclosedAttribute,
    EmploymentStatus,
    ExperienceDomain,
    Gender,
    NetworkEvent,
    Notification,
    RecordKind,
    SessionType,
    SupervisionSession,
    SupervisionTopic,
    SupervisorProfile,
    TrainingRecord,
    Visibility,
    WellbeingCheckIn,
    WellbeingSettings,
    WorkerProfile,
    YesNo,
)
from .selectors import (
    StaffMember,
    Worker,
    peer_experienced_supervisor_ids,
    peer_workers_of,
    worker_supervisor_ids,
)

logger = logging.getLogger(__name__)

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


def record_team_view(*, actor: User, team, workers: list[Worker]) -> None:
    """A team's peer worker page shows what each worker shares: audited like a profile."""
    audit.record(
        actor=actor,
        action="workforce.team_profiles_viewed",
        obj=team,
        details={"worker_ids": sorted(w.user.pk for w in workers)},
    )


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
        )
    return profile


def update_support_resources(
    *, actor: User, organization: Organization, text: str
) -> WellbeingSettings:
    """The support resources shown to a worker whose check-in shows high burnout."""
    _require(actor, "workforce.manage_wellbeing_resources", organization)
    with transaction.atomic():
        row, _created = WellbeingSettings.objects.get_or_create(organization=organization)
        row.support_resources = (text or "").strip()
        row.updated_by = actor
        row.updated_at = timezone.now()
        row.save()
        audit.record(
            actor=actor,
            action="workforce.support_resources_updated",
            obj=organization,
            details={"uses_default": not row.support_resources},
        )
    return row


def request_supervisor_conversation(*, actor: User, worker: Worker) -> int:
    """The worker asks their supervisors for a conversation after a check-in.

    Only the worker can ask, and only for themselves. Each supervisor gets an in-app notice
    and an e-mail saying the worker asked for a conversation: never a score (a supervisor
    sees results only when the worker chose to share them). One request per check-in;
    asking again sends nothing new. Returns the number of supervisors told.
    """
    _require(actor, "workforce.check_in", worker)
    last = WellbeingCheckIn.objects.filter(
        organization=worker.organization, worker=worker.user
    ).first()
    if last is None:
        raise ValidationError(_("Complete a check-in first."))
    supervisors = list(
        User.objects.filter(pk__in=worker_supervisor_ids(worker), is_active=True).exclude(
            pk=worker.user.pk
        )
    )
    if not supervisors:
        raise ValidationError(
            _("No supervisor is assigned to you yet. Please ask your manager who supervises you.")
        )
    told: list[User] = []
    with transaction.atomic():
        for supervisor in supervisors:
            key = f"wellbeing_conversation:{last.pk}:{supervisor.pk}"
            if Notification.objects.filter(key=key).exists():
                continue
            Notification.objects.create(
                organization=worker.organization,
                user=supervisor,
                kind="wellbeing_conversation",
                params={"worker": worker.user.display_name, "worker_id": worker.user.pk},
                key=key,
            )
            told.append(supervisor)
        _user_event(
            actor=actor,
            action="workforce.conversation_requested",
            worker=worker,
            details={"supervisor_ids": sorted(s.pk for s in told), "checkin_id": last.pk},
        )
    if told:
        name = worker.user.display_name
        emails = [s.email for s in told if s.email]
        transaction.on_commit(lambda: _mail_conversation_request(name, emails), robust=True)
    return len(told)


def _mail_conversation_request(worker_name: str, emails: list[str]) -> None:
    from django.core.mail import send_mail
    from django.utils import translation

    parts = []
    for language in ("en", "fr-ca"):
        with translation.override(language):
            parts.append(
                _(
                    "%(worker)s asked you for a conversation about their wellbeing. Please get "
                    "in touch with them soon."
                )
                % {"worker": worker_name}
            )
    with translation.override("en"):
        subject = _("Peerway: a peer worker asked you for a conversation")
    for email in emails:
        try:
            send_mail(subject, "\n\n".join(parts), None, [email])
        except Exception:  # noqa: BLE001 - the in-app notice stands on its own
            logger.warning("Conversation request e-mail not sent")


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


# --- Training and reminders --------------------------------------------------------------


@dataclass
class TrainingInput:
    kind: str
    title: str
    completed_on: date
    expires_on: date | None = None
    credential: str = ""
    provider: str = ""
    competency_areas: tuple[str, ...] = ()
    hours: Decimal | None = None


def add_training(*, actor: User, member: StaffMember, record: TrainingInput) -> TrainingRecord:
    _require(actor, "workforce.manage_training", member)
    errors: dict[str, str] = {}
    title = (record.title or "").strip()
    if not title:
        errors["title"] = _("Give the course or certification a title.")
    if record.kind not in RecordKind.values:
        errors["kind"] = _("Choose a kind from the list.")
    if record.credential and record.credential not in Credential.values:
        errors["credential"] = _("Choose a certification from the list.")
    if record.credential and record.kind != RecordKind.CERTIFICATION:
        errors["credential"] = _("Only a certification names a certifying body.")
    if set(record.competency_areas) - set(CompetencyArea.values):
        errors["competency_areas"] = _("Choose competency areas from the list.")
    if record.completed_on is None:
        errors["completed_on"] = _("Enter the completion date.")
    elif record.completed_on > timezone.localdate():
        errors["completed_on"] = _("The completion date cannot be in the future.")
    elif record.expires_on and record.expires_on <= record.completed_on:
        errors["expires_on"] = _("The expiry date must come after the completion date.")
    if record.hours is not None and not Decimal("0") < Decimal(record.hours) <= Decimal("2000"):
        errors["hours"] = _("Hours are a number between 0.5 and 2000.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = TrainingRecord.objects.create(
            organization=member.organization,
            user=member.user,
            kind=record.kind,
            title=title,
            credential=record.credential,
            provider=(record.provider or "").strip(),
            competency_areas=[a for a in CompetencyArea.values if a in record.competency_areas],
            hours=record.hours,
            completed_on=record.completed_on,
            expires_on=record.expires_on,
        )
        audit.record(
            actor=actor,
            action="workforce.training_recorded",
            obj=row,
            details={"user_id": member.pk, "kind": row.kind},
        )
    return row


def delete_training(*, actor: User, member: StaffMember, record: TrainingRecord) -> None:
    _require(actor, "workforce.manage_training", member)
    if record.user_id != member.pk:
        raise PermissionDenied
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="workforce.training_deleted",
            obj=record,
            details={"user_id": member.pk},
        )
        record.delete()


# Reminder stages in days before expiry; 0 is "expired".
REMINDER_STAGES = (60, 30, 7, 0)


def _stage(days_left: int, warning_days: int) -> int | None:
    if days_left < 0:
        return 0
    stages = [s for s in REMINDER_STAGES if s and s <= warning_days] or [warning_days]
    fitting = [s for s in stages if days_left <= s]
    return min(fitting) if fitting else None


def send_training_reminders(*, today: date | None = None) -> int:
    """Notify each person of their own training that expires soon or has lapsed.

    Run by the ``send_training_reminders`` background task. One notification per record
    and stage (60, 30 and 7 days before, and once expired), so running it again the same
    day sends nothing new. An e-mail goes with each notification.
    """
    from django.core.mail import send_mail
    from django.utils import translation

    from .selectors import _latest_by_title

    today = today or timezone.localdate()
    warning = settings.PEERWAY_TRAINING_WARNING_DAYS
    horizon = today + timedelta(days=warning)
    candidates = TrainingRecord.objects.filter(
        expires_on__isnull=False, expires_on__lte=horizon, user__is_active=True
    ).select_related("user", "organization")
    by_person: dict[tuple[int, int], list[TrainingRecord]] = {}
    for r in TrainingRecord.objects.filter(user__in={c.user_id for c in candidates}).select_related(
        "user", "organization"
    ):
        by_person.setdefault((r.organization_id, r.user_id), []).append(r)
    sent = 0
    for records in by_person.values():
        for record in _latest_by_title(records):
            if record.expires_on is None or record.expires_on > horizon:
                continue
            days_left = (record.expires_on - today).days
            stage = _stage(days_left, warning)
            if stage is None:
                continue
            key = f"training:{record.pk}:{stage}"
            if Notification.objects.filter(key=key).exists():
                continue
            with transaction.atomic():
                Notification.objects.create(
                    organization=record.organization,
                    user=record.user,
                    kind="training_expired" if stage == 0 else "training_expiring",
                    params={
                        "title": record.title,
                        "date": record.expires_on.isoformat(),
                        "record_id": record.pk,
                    },
                    key=key,
                )
                audit.record(
                    actor=None,
                    action="workforce.training_reminder_sent",
                    obj=record,
                    details={"user_id": record.user_id, "stage": stage},
                )
            with translation.override(settings.LANGUAGE_CODE):
                subject = (
                    _("Your training “%(title)s” has expired")
                    if stage == 0
                    else _("Your training “%(title)s” expires on %(date)s")
                ) % {"title": record.title, "date": record.expires_on.isoformat()}
                body = subject + "\n\n" + _("Peerway lists it under Training on your profile.")
            try:
                send_mail(
                    subject,
                    body,
                    None,
                    [record.user.email],
                )
            except Exception:  # noqa: BLE001 - the in-app notification stands on its own
                logger.warning("Training reminder e-mail not sent (notification %s)", key)
            sent += 1
    return sent


def mark_notifications_read(*, actor: User, organization: Organization) -> int:
    with transaction.atomic():
        count = Notification.objects.filter(
            organization=organization, user=actor, read_at__isnull=True
        ).update(read_at=timezone.now())
        audit.record(
            actor=actor,
            action="workforce.notifications_read",
            obj=organization,
            details={"count": count},
        )
    return count


# --- Peer network ------------------------------------------------------------------------


def save_network_event(
    *,
    actor: User,
    organization: Organization,
    title: str,
    date: date,
    description: str = "",
    attendees: list[User] | None = None,
    event: NetworkEvent | None = None,
) -> NetworkEvent:
    """Create or update an event and its attendance (peer workers of the organization)."""
    _require(actor, "workforce.manage_network", organization)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the event a title.")
    if date is None:
        errors["date"] = _("Enter the date of the event.")
    peers = {u.pk for u in peer_workers_of(organization)}
    strangers = [u for u in (attendees or []) if u.pk not in peers]
    if strangers:
        errors["attendees"] = _("%(name)s is not a peer worker of this organization.") % {
            "name": strangers[0]
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = event is None
        if created:
            event = NetworkEvent(organization=organization, created_by=actor)
        event.title = title
        event.date = date
        event.description = (description or "").strip()
        event.save()
        event.attendees.set(attendees or [])
        audit.record(
            actor=actor,
            action="workforce.network_event_created"
            if created
            else "workforce.network_event_updated",
            obj=event,
            details={"attendees": len(attendees or [])},
        )
    return event

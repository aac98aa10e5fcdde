"""Hospital events from an HL7 v2 ADT feed (docs/hospital-events.md, "HL7 v2 feed").

``receive`` takes one message (bytes, without MLLP framing) and returns its ACK. It finds
the person the same way as the CSV import (Peerway code or keyed hash of the hospital
identifier, in one organization), stores events under the same natural key (so an event
already imported from a file is not stored twice), and keeps each accepted message's
control id (MSH-10, per sending facility) with its ACK: a message resent after a lost ACK
gets the same ACK and changes nothing. The eligibility trigger counts stored events
whatever their source (``selectors.suggestions_for``), so these count at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from peerway.core import audit
from peerway.core.crypto import blind_index
from peerway.core.models import Organization
from peerway.support.models import Person

from . import hl7_adt as adt
from .hl7_adt import AdtMessage, Header, Problem, Refused
from .models import EventKind, HL7Message, HospitalEvent

logger = logging.getLogger(__name__)

VISIT_INDEX_PURPOSE = "hl7-visit"


@dataclass
class Outcome:
    """What one message got: its ACK and, for logs, what it did."""

    ack: str
    code: str  # MSA-1: AA, AE or AR
    text: str  # MSA-3
    control_id: str
    message_type: str
    resent: bool = False
    created: int = 0
    already_present: int = 0
    updated: int = 0
    removed: int = 0

    def ack_bytes(self, charset: str = "") -> bytes:
        if charset.upper().startswith("8859"):
            return self.ack.encode("latin-1", errors="replace")
        return self.ack.encode("utf-8")


@dataclass
class _Changes:
    created: int = 0
    already_present: int = 0
    updated: int = 0
    removed: int = 0
    note: str = ""


def receive(
    raw: bytes,
    *,
    organization: Organization,
    accept_facilities: Iterable[str] = (),
    today: date | None = None,
) -> Outcome:
    """Check, apply and acknowledge one ADT message for ``organization``.

    Never raises for bad input: a refused message gets an AE or AR naming the field, and
    nothing of it is written but an audit event. ``accept_facilities``, when given, are the
    only sending facilities (MSH-4) taken.
    """
    today = today or timezone.localdate()
    header = adt.header_of(raw)
    try:
        message = adt.read(raw, today)
        header = message.header
        accepted = {f.strip().upper() for f in accept_facilities if f.strip()}
        if accepted and header.sending_facility.upper() not in accepted:
            raise Refused(
                Problem(
                    "AR",
                    "MSH-4",
                    adt.TABLE_VALUE_NOT_FOUND,
                    f"sending facility {header.sending_facility[:40]} is not accepted "
                    "by this listener",
                )
            )
    except Refused as refused:
        return _refuse(organization, header, refused.problem)
    for attempt in (1, 2):
        stored = _stored(organization, header)
        if stored is not None:
            return _replay(stored, header)
        try:
            with transaction.atomic():
                return _apply(organization, message)
        except Refused as refused:
            return _refuse(organization, header, refused.problem)
        except IntegrityError:
            # The same control id, or the same event, stored by another connection at the
            # same moment: answer as a resend, or run once more against what it stored.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def answer(
    raw: bytes,
    *,
    organization: Organization,
    accept_facilities: Iterable[str] = (),
    today: date | None = None,
) -> Outcome:
    """``receive``, and an AE rather than an exception if something unexpected fails
    (logged), so that a listener always answers and the sender keeps the message."""
    try:
        return receive(
            raw, organization=organization, accept_facilities=accept_facilities, today=today
        )
    except Exception:
        logger.exception("HL7 message could not be processed")
        header = adt.header_of(raw)
        problem = Problem(
            "AE",
            "",
            adt.APPLICATION_ERROR,
            "the message could not be processed and nothing was stored; send it again",
        )
        ack = adt.build_ack(
            header, "AE", problem.message, problem=problem, facility=organization.slug
        )
        return Outcome(ack, "AE", problem.message, header.control_id, _type_of(header))


def _type_of(header: Header) -> str:
    return f"ADT^{header.trigger}" if header.trigger in adt.SUPPORTED_EVENTS else ""


def _stored(organization: Organization, header: Header) -> HL7Message | None:
    return HL7Message.objects.filter(
        organization=organization,
        sending_facility=header.sending_facility,
        control_id=header.control_id,
    ).first()


def _replay(stored: HL7Message, header: Header) -> Outcome:
    code, _control, text = adt.ack_fields(stored.ack)
    return Outcome(
        stored.ack,
        code,
        text,
        stored.control_id,
        stored.message_type,
        resent=True,
        created=stored.created,
        updated=stored.updated,
        removed=stored.removed,
    )


def _refuse(organization: Organization, header: Header, problem: Problem) -> Outcome:
    ack = adt.build_ack(
        header, problem.code, problem.message, problem=problem, facility=organization.slug
    )
    audit.record(
        actor=None,
        action="hospital.hl7_message_refused",
        object_type="hospital.hl7message",
        organization_id=organization.pk,
        details={"type": _type_of(header), "ack": problem.code, "field": problem.location},
    )
    return Outcome(ack, problem.code, problem.message, header.control_id, _type_of(header))


def _apply(organization: Organization, message: AdtMessage) -> Outcome:
    header = message.header
    record = HL7Message.objects.create(
        organization=organization,
        sending_facility=header.sending_facility,
        control_id=header.control_id,
        message_type=message.message_type,
        ack="",
    )
    person_id = _person_id(organization, message)
    # One message at a time per person: updates and cancels read what earlier ones stored.
    person = Person.objects.select_for_update().get(pk=person_id)
    record.person = person
    if message.visit_number:
        record.visit_index = blind_index(
            f"{header.sending_facility}|{message.visit_number}", purpose=VISIT_INDEX_PURPOSE
        )
    changes = _HANDLERS[message.trigger](record, person, message)
    parts = [
        f"{changes.created} new",
        f"{changes.already_present} already stored",
        f"{changes.updated} updated",
        f"{changes.removed} removed",
    ]
    text = "Accepted: " + ", ".join(parts) + "."
    if changes.note:
        text += " " + changes.note
    record.ack = adt.build_ack(header, "AA", text, facility=organization.slug)
    record.created, record.updated, record.removed = (
        changes.created,
        changes.updated,
        changes.removed,
    )
    record.save()
    audit.record(
        actor=None,
        action="hospital.hl7_message_received",
        obj=record,
        organization_id=organization.pk,
        team_id=person.team_id,
        details={
            "type": message.message_type,
            "person_id": person.pk,
            "new": changes.created,
            "already_present": changes.already_present,
            "updated": changes.updated,
            "removed": changes.removed,
        },
    )
    return Outcome(
        record.ack,
        "AA",
        text,
        header.control_id,
        message.message_type,
        created=changes.created,
        already_present=changes.already_present,
        updated=changes.updated,
        removed=changes.removed,
    )


def _person_id(organization: Organization, message: AdtMessage) -> int:
    """The one person of the organization that PID-3 names: a Peerway code (assigning
    authority PEERWAY) or a hospital identifier recorded for them. Other identifiers
    (health card numbers, other hospitals' numbers) are ignored."""
    codes = {i.value.upper() for i in message.identifiers if i.is_person_code}
    hashes = {
        Person.hospital_id_lookup(i.value) for i in message.identifiers if not i.is_person_code
    }
    found = set(
        Person.objects.filter(organization=organization)
        .filter(Q(code__in=codes) | Q(hospital_id_index__in=hashes))
        .values_list("pk", flat=True)
    )
    if not found:
        raise Refused(
            Problem(
                "AE",
                "PID-3",
                adt.UNKNOWN_KEY_IDENTIFIER,
                "no identifier this organization maps (record the hospital identifier "
                "for the person first)",
            )
        )
    if len(found) > 1:
        raise Refused(
            Problem(
                "AE",
                "PID-3",
                adt.DUPLICATE_KEY_IDENTIFIER,
                "the identifiers name different people",
            )
        )
    return found.pop()


# --- what each trigger event does ------------------------------------------------------


def _add(
    record: HL7Message,
    person: Person,
    changes: _Changes,
    kind: str,
    day: date,
    facility: str,
    admitted_on: date | None = None,
) -> None:
    """Store one event unless the same (person, event, date, facility) is stored already,
    from any source."""
    exists = HospitalEvent.objects.filter(
        person=person, kind=kind, date=day, facility=facility
    ).exists()
    if exists:
        changes.already_present += 1
        return
    HospitalEvent.objects.create(
        organization=record.organization,
        person=person,
        kind=kind,
        date=day,
        admitted_on=admitted_on,
        facility=facility,
        source_message=record,
    )
    changes.created += 1


def _required(value: date | None, location: str, what: str) -> date:
    if value is None:
        raise Refused(
            Problem("AE", location, adt.REQUIRED_FIELD_MISSING, f"no {what} date or time")
        )
    return value


def _of_visit(record: HL7Message, person: Person, kind: str, *triggers: str):
    """Events this feed stored for the same visit (PV1-19) of the same person from
    messages of the given trigger events."""
    if not record.visit_index:
        return HospitalEvent.objects.none()
    return HospitalEvent.objects.filter(
        person=person,
        kind=kind,
        source_message__organization=record.organization,
        source_message__visit_index=record.visit_index,
        source_message__message_type__in=[f"ADT^{t}" for t in triggers],
    )


def _admit(record, person, message: AdtMessage) -> _Changes:
    """A01: an admission; with patient class E (PV1-2), an emergency visit."""
    changes = _Changes()
    day = _required(message.admitted or message.occurred, "PV1-44", "admission")
    kind = EventKind.EMERGENCY_VISIT if message.emergency else EventKind.ADMISSION
    _add(record, person, changes, kind, day, message.facility)
    return changes


def _register(record, person, message: AdtMessage) -> _Changes:
    """A04: an emergency visit when the patient class (PV1-2) is E; other outpatient
    registrations are not hospital events."""
    changes = _Changes()
    if not message.emergency:
        changes.note = (
            f"Patient class {message.patient_class[:5] or '(none)'} (PV1-2) is not an "
            "emergency registration: nothing stored."
        )
        return changes
    day = _required(message.admitted or message.occurred, "PV1-44", "registration")
    _add(record, person, changes, EventKind.EMERGENCY_VISIT, day, message.facility)
    return changes


def _discharge(record, person, message: AdtMessage) -> _Changes:
    """A03: a discharge, with the admission date (PV1-44) when given. The end of an
    emergency visit (patient class E) is not a discharge from hospital."""
    changes = _Changes()
    if message.emergency:
        changes.note = "The end of an emergency visit (PV1-2 = E): nothing stored."
        return changes
    day = _required(message.discharged or message.occurred, "PV1-45", "discharge")
    if message.admitted is not None and day < message.admitted:
        raise Refused(
            Problem(
                "AE",
                "PV1-45",
                adt.DATA_TYPE_ERROR,
                "the discharge date is before the admission date (PV1-44)",
            )
        )
    _add(record, person, changes, EventKind.DISCHARGE, day, message.facility, message.admitted)
    return changes


def _same_facility(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _transfer(record, person, message: AdtMessage) -> _Changes:
    """A02: a transfer to another facility is a discharge from the prior one (PV1-6.4)
    and an admission to the new one (PV1-3.4) on the same day, which the statistics merge
    into one hospital episode; a move within one facility changes nothing."""
    changes = _Changes()
    day = _required(message.occurred, "EVN-6", "transfer")
    if not message.prior_facility or _same_facility(message.prior_facility, message.facility):
        changes.note = "A move within one facility (PV1-6 to PV1-3): nothing stored."
        return changes
    admitted = message.admitted if message.admitted and message.admitted <= day else None
    _add(record, person, changes, EventKind.DISCHARGE, day, message.prior_facility, admitted)
    _add(record, person, changes, EventKind.ADMISSION, day, message.facility)
    return changes


def _update(record, person, message: AdtMessage) -> _Changes:
    """A08: new admission (PV1-44) or discharge (PV1-45) dates for the events this feed
    stored for the same visit (PV1-19). Events of transfers keep their dates."""
    changes = _Changes()
    if not record.visit_index:
        changes.note = "No visit number (PV1-19): nothing to update."
        return changes
    targets = [
        (_of_visit(record, person, EventKind.ADMISSION, "A01"), message.admitted, None),
        (
            _of_visit(record, person, EventKind.EMERGENCY_VISIT, "A01", "A04"),
            message.admitted,
            None,
        ),
        (
            _of_visit(record, person, EventKind.DISCHARGE, "A03"),
            message.discharged,
            message.admitted,
        ),
    ]
    found = False
    for events, new_date, admitted_on in targets:
        for event in events.select_for_update():
            found = True
            if new_date is None:
                continue
            if admitted_on is not None and new_date < admitted_on:
                raise Refused(
                    Problem(
                        "AE",
                        "PV1-45",
                        adt.DATA_TYPE_ERROR,
                        "the discharge date is before the admission date (PV1-44)",
                    )
                )
            new_admitted = admitted_on or event.admitted_on
            if event.date == new_date and event.admitted_on == new_admitted:
                continue
            clash = (
                HospitalEvent.objects.filter(
                    person=person, kind=event.kind, date=new_date, facility=event.facility
                )
                .exclude(pk=event.pk)
                .exists()
            )
            if clash:
                # The corrected event is stored already (from a file, say): keep that one.
                event.delete()
                changes.removed += 1
                continue
            event.date, event.admitted_on = new_date, new_admitted
            event.save(update_fields=["date", "admitted_on"])
            changes.updated += 1
    if not found:
        changes.note = "No event stored for this visit: nothing to update."
    return changes


def _cancel(record, person, message: AdtMessage, kind: str, trigger: str, day: date | None):
    changes = _Changes()
    events = list(_of_visit(record, person, kind, *trigger.split()))
    if not events and day is not None:
        # Not received through this feed (or no visit number): the event with the same
        # natural key, whatever its source.
        events = list(
            HospitalEvent.objects.filter(
                person=person, kind=kind, date=day, facility=message.facility
            )
        )
    for event in events:
        event.delete()
        changes.removed += 1
    if not events:
        changes.note = "Nothing stored to cancel."
    return changes


def _cancel_admit(record, person, message: AdtMessage) -> _Changes:
    """A11: removes the admission (or emergency visit) of the visit."""
    if message.emergency:
        return _cancel(
            record, person, message, EventKind.EMERGENCY_VISIT, "A01 A04", message.admitted
        )
    return _cancel(record, person, message, EventKind.ADMISSION, "A01", message.admitted)


def _cancel_discharge(record, person, message: AdtMessage) -> _Changes:
    """A13: removes the discharge of the visit."""
    if message.emergency:
        changes = _Changes()
        changes.note = "The end of an emergency visit (PV1-2 = E): nothing stored to cancel."
        return changes
    return _cancel(record, person, message, EventKind.DISCHARGE, "A03", message.discharged)


_HANDLERS = {
    "A01": _admit,
    "A02": _transfer,
    "A03": _discharge,
    "A04": _register,
    "A08": _update,
    "A11": _cancel_admit,
    "A13": _cancel_discharge,
}


def import_messages(
    data: bytes,
    *,
    organization: Organization,
    accept_facilities: Iterable[str] = (),
    today: date | None = None,
) -> list[Outcome]:
    """Each message of a file (segments separated by carriage returns or line ends,
    messages starting at MSH), in order, as if received one after the other."""
    return [
        answer(raw, organization=organization, accept_facilities=accept_facilities, today=today)
        for raw in adt.split_messages(data)
    ]

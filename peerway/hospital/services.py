"""Writes of the hospital app: importing events (all-or-nothing per file), the trigger
settings, referrals suggested by the trigger, and a person's hospital identifier.

Keyword-only, one transaction each, audited with counts and ids only: never a hospital
identifier, a name or a facility.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.models import Organization, User
from peerway.support.models import Person, Referral, ReferralSource, Urgency
from peerway.support.services import create_referral

from . import importer, selectors
from .importer import HOSPITAL_ID, PERSON_CODE, FileError, ImportReport, ParsedRow
from .models import HospitalEvent, HospitalImport, ImportSource, TriggerRule

BATCH_SIZE = 1000
# progress(rows read, bytes read)
Progress = Callable[[int, int], None]


class _Rejected(Exception):
    """Raised inside the import transaction so that nothing of a bad file is kept."""


def import_hospital_events(
    *,
    actor: User | None,
    organization: Organization,
    stream: Iterable[bytes],
    source: str = ImportSource.UPLOAD,
    progress: Progress | None = None,
    today: date | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import a CSV file of hospital events for one organization.

    ``stream`` yields the file's lines as bytes (an open binary file or an upload). Rows
    are read one at a time and written in batches inside one transaction; if any row is
    wrong, the transaction is rolled back and the report lists every problem. ``actor``
    is None only for the command line, which runs with the operator's server access.
    """
    if actor is not None and not actor.has_perm("hospital.import_events", organization):
        raise PermissionDenied
    if source not in ImportSource.values:
        raise ValueError(source)
    today = today or timezone.localdate()
    report = ImportReport()
    try:
        with transaction.atomic():
            run = HospitalImport.objects.create(
                organization=organization, source=source, imported_by=actor
            )
            _read_and_write(run, stream, report, today, progress, batch_size)
            if not report.ok:
                raise _Rejected
            run.rows, run.created = report.rows, report.created
            run.already_present = report.already_present
            run.save(update_fields=["rows", "created", "already_present"])
            audit.record(
                actor=actor,
                action="hospital.events_imported",
                obj=run,
                organization_id=organization.pk,
                details={
                    "source": source,
                    "rows": report.rows,
                    "new": report.created,
                    "already_present": report.already_present,
                },
            )
    except _Rejected:
        audit.record(
            actor=actor,
            action="hospital.import_rejected",
            object_type="hospital.hospitalimport",
            organization_id=organization.pk,
            details={"source": source, "rows": report.rows, "errors": report.error_count},
        )
    return report


def _read_and_write(run, stream, report, today, progress, batch_size) -> None:
    try:
        reader = csv.reader(importer.decoded_lines(stream, report), strict=True)
        header = importer.read_header(next(reader, None))
        batch: list[ParsedRow] = []
        for fields in reader:
            if not any(f.strip() for f in fields):
                continue  # blank lines are allowed (spreadsheets add them)
            report.rows += 1
            parsed = importer.parse_row(reader.line_num, fields, header, today, report)
            if parsed is not None:
                batch.append(parsed)
            if len(batch) >= batch_size:
                _write_batch(run, batch, report)
                batch = []
                if progress:
                    progress(report.rows, report.bytes_read)
        _write_batch(run, batch, report)
        if progress:
            progress(report.rows, report.bytes_read)
    except FileError as exc:
        report.add(0, "", str(exc))
    except csv.Error as exc:
        report.add(
            reader.line_num,
            "",
            _("The row cannot be read as CSV (%(problem)s).") % {"problem": exc},
        )


def _write_batch(run: HospitalImport, batch: list[ParsedRow], report: ImportReport) -> None:
    """Find the people, set aside rows already stored, and insert the rest.

    Rows are inserted even after an error elsewhere in the file, so that a duplicate in a
    later batch is still found; the whole transaction is rolled back in that case.
    """
    if not batch:
        return
    org = run.organization
    codes = {r.person_code for r in batch if r.person_code}
    by_code = dict(
        Person.objects.filter(organization=org, code__in=codes).values_list("code", "pk")
    )
    hashes = {
        r.hospital_id: Person.hospital_id_lookup(r.hospital_id) for r in batch if r.hospital_id
    }
    by_hash: dict[str, list[int]] = {}
    for index, pk in Person.objects.filter(
        organization=org, hospital_id_index__in=set(hashes.values())
    ).values_list("hospital_id_index", "pk"):
        by_hash.setdefault(index, []).append(pk)

    resolved: list[tuple[int, ParsedRow]] = []
    for r in batch:
        person_id = None
        if r.person_code:
            person_id = by_code.get(r.person_code)
            if person_id is None:
                report.add(r.row, PERSON_CODE, _("No person with this code in the organization."))
                continue
        if r.hospital_id:
            matches = by_hash.get(hashes[r.hospital_id], [])
            if not matches:
                if person_id is None:
                    report.add(
                        r.row,
                        HOSPITAL_ID,
                        _("No person has this hospital identifier in the organization."),
                    )
                    continue
                report.add(
                    r.row,
                    HOSPITAL_ID,
                    _("This hospital identifier is not recorded for the person with this code."),
                )
                continue
            if len(matches) > 1:
                report.add(
                    r.row, HOSPITAL_ID, _("This hospital identifier matches several people.")
                )
                continue
            if person_id is not None and matches[0] != person_id:
                report.add(
                    r.row,
                    HOSPITAL_ID,
                    _("The person code and the hospital identifier name different people."),
                )
                continue
            person_id = matches[0]
        resolved.append((person_id, r))

    existing = {
        (p, k, d, f): (imp, row)
        for p, k, d, f, imp, row in HospitalEvent.objects.filter(
            person_id__in={p for p, _r in resolved}, date__in={r.date for _p, r in resolved}
        ).values_list("person_id", "kind", "date", "facility", "source_import_id", "source_row")
    }
    new: list[HospitalEvent] = []
    for person_id, r in resolved:
        key = (person_id, r.kind, r.date, r.facility)
        if key in existing:
            import_id, first_row = existing[key]
            if import_id == run.pk:
                report.add(
                    r.row,
                    "",
                    _("Same person, event, date and facility as row %(row)d.") % {"row": first_row},
                )
            else:
                report.already_present += 1
            continue
        existing[key] = (run.pk, r.row)
        new.append(
            HospitalEvent(
                organization=org,
                person_id=person_id,
                kind=r.kind,
                date=r.date,
                admitted_on=r.admitted_on,
                facility=r.facility,
                source_import=run,
                source_row=r.row,
            )
        )
    HospitalEvent.objects.bulk_create(new, batch_size=500)
    report.created += len(new)


# --- eligibility trigger --------------------------------------------------------------


def update_trigger(
    *,
    actor: User,
    organization: Organization,
    enabled: bool,
    min_admissions: int,
    min_emergency_visits: int,
    window_months: int,
) -> TriggerRule:
    if not actor.has_perm("hospital.manage_trigger", organization):
        raise PermissionDenied
    errors = {}
    for name, value, high in (
        ("min_admissions", min_admissions, 50),
        ("min_emergency_visits", min_emergency_visits, 50),
        ("window_months", window_months, 60),
    ):
        if not 1 <= int(value) <= high:
            errors[name] = _("Enter a whole number from 1 to %(max)d.") % {"max": high}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rule, _created = TriggerRule.objects.select_for_update().get_or_create(
            organization=organization
        )
        rule.enabled = bool(enabled)
        rule.min_admissions = int(min_admissions)
        rule.min_emergency_visits = int(min_emergency_visits)
        rule.window_months = int(window_months)
        rule.updated_by = actor
        rule.updated_at = timezone.now()
        rule.save()
        audit.record(
            actor=actor,
            action="hospital.trigger_updated",
            obj=rule,
            organization_id=organization.pk,
            details={
                "enabled": rule.enabled,
                "min_admissions": rule.min_admissions,
                "min_emergency_visits": rule.min_emergency_visits,
                "window_months": rule.window_months,
            },
        )
    return rule


def refer_from_trigger(
    *,
    actor: User,
    person: Person,
    urgency: str = Urgency.ROUTINE,
    reason: str = "",
    consent_given: bool = False,
    consent_decided_on: date | None = None,
    today: date | None = None,
) -> Referral:
    """Act on a suggestion, once confirmed with an urgency, a reason and the consent
    question: refer the person to their team with source "trigger". Without the person's
    agreement the referral waits for consent (docs/service.md)."""
    if not actor.has_perm("hospital.refer_from_trigger", person):
        raise PermissionDenied
    with transaction.atomic():
        # Lock the person so a double click cannot refer twice.
        person = Person.objects.select_for_update().get(pk=person.pk)
        counts = selectors.suggestion_for(person, today=today)
        if counts is None:
            raise ValidationError(
                _(
                    "%(code)s no longer meets the trigger, or already has an open referral "
                    "or peer worker."
                )
                % {"code": person.code}
            )
        referral = create_referral(
            actor=actor,
            team=person.team,
            source=ReferralSource.TRIGGER,
            person=person,
            urgency=urgency,
            reason=reason,
            consent_given=consent_given,
            consent_decided_on=consent_decided_on,
        )
        audit.record(
            actor=actor,
            action="hospital.suggestion_referred",
            obj=person,
            details={
                "referral_id": referral.pk,
                "admissions": counts.admissions,
                "emergency_visits": counts.emergency_visits,
            },
        )
    return referral


# --- hospital identifier -----------------------------------------------------------------


def set_hospital_id(*, actor: User, person: Person, hospital_id: str) -> Person:
    """Record (or, with an empty value, remove) the person's hospital identifier.

    Only its keyed hash is stored; the same identifier cannot belong to two people of
    one organization.
    """
    if not actor.has_perm("hospital.set_hospital_id", person):
        raise PermissionDenied
    hospital_id = hospital_id.strip()
    if len(hospital_id) > 64:
        raise ValidationError({"hospital_id": _("At most 64 characters, please.")})
    index = Person.hospital_id_lookup(hospital_id) if hospital_id else ""
    with transaction.atomic():
        taken = Person.objects.filter(
            organization_id=person.organization_id, hospital_id_index=index
        ).exclude(pk=person.pk)
        if index and taken.exists():
            raise ValidationError(
                {"hospital_id": _("This hospital identifier is already recorded for someone else.")}
            )
        Person.objects.filter(pk=person.pk).update(hospital_id_index=index)
        person.hospital_id_index = index
        audit.record(
            actor=actor,
            action="hospital.hospital_id_set" if index else "hospital.hospital_id_removed",
            obj=person,
        )
    return person

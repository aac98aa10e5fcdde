"""Writes of the hospital app: importing events (all-or-nothing per file, checked and
staged outside the final transaction, in the background for uploads), the trigger
settings, referrals suggested by the trigger, and a person's hospital identifier.

Keyword-only, one transaction each, audited with counts and ids only: never a hospital
identifier, a name or a facility.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.crypto import fernet
from peerway.core.models import Organization, User
from peerway.support.models import Person, Referral, ReferralSource, Urgency
from peerway.support.services import create_referral

from . import importer, selectors
from .importer import HOSPITAL_ID, PERSON_CODE, FileError, ImportReport, ParsedRow, RowError
from .models import (
    HospitalEvent,
    HospitalImport,
    ImportChunk,
    ImportJob,
    ImportSource,
    JobStatus,
    StagedEvent,
    TriggerRule,
)

BATCH_SIZE = 1000
# Uploads are kept in pieces of about this size (whole lines, encrypted) until read.
CHUNK_BYTES = 1 << 20
# progress(rows read, bytes read)
Progress = Callable[[int, int], None]

logger = logging.getLogger(__name__)


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
    """Import a CSV file of hospital events for one organization, now, and report.

    The same steps as a background import (``queue_import`` then ``run_import``), reading
    ``stream`` (the file's lines as bytes) directly. ``actor`` is None only for the command
    line, which runs with the operator's server access.
    """
    job = create_job(actor=actor, organization=organization, source=source)
    return run_import(job.pk, stream=stream, progress=progress, today=today, batch_size=batch_size)


def create_job(*, actor: User | None, organization: Organization, source: str) -> ImportJob:
    if actor is not None and not actor.has_perm("hospital.import_events", organization):
        raise PermissionDenied
    if source not in ImportSource.values:
        raise ValueError(source)
    return ImportJob.objects.create(organization=organization, source=source, requested_by=actor)


def queue_import(
    *,
    actor: User,
    organization: Organization,
    upload: Iterable[bytes],
    source: str = ImportSource.UPLOAD,
) -> ImportJob:
    """Keep an uploaded file (encrypted, in pieces of whole lines) and start checking it in
    the background (``tasks.run_hospital_import``). Returns at once; the job shows progress.
    """
    from .tasks import run_hospital_import

    job = create_job(actor=actor, organization=organization, source=source)
    abandon_stale_jobs(organization=organization)
    total = 0
    with transaction.atomic():
        number, pending, size = 0, [], 0
        for line in upload:
            pending.append(line)
            size += len(line)
            if size >= CHUNK_BYTES:
                _store_chunk(job, number, b"".join(pending))
                number, pending, total, size = number + 1, [], total + size, 0
        if pending:
            _store_chunk(job, number, b"".join(pending))
            total += size
        ImportJob.objects.filter(pk=job.pk).update(total_bytes=total)
        audit.record(
            actor=actor,
            action="hospital.import_queued",
            obj=job,
            organization_id=organization.pk,
            details={"source": source, "bytes": total},
        )
    # After the commit, so that a worker always finds the stored file.
    run_hospital_import.enqueue(job.pk)
    job.refresh_from_db()
    return job


# A job still unfinished after this long lost its worker: its kept file is deleted.
STALE_AFTER = timedelta(days=1)


def abandon_stale_jobs(*, organization: Organization) -> int:
    """Mark jobs whose worker stopped (still waiting or running after ``STALE_AFTER``) as
    failed, deleting their kept file and staged rows. Returns how many."""
    stale = ImportJob.objects.filter(
        organization=organization,
        status__in=[JobStatus.QUEUED, JobStatus.CHECKING, JobStatus.APPLYING],
        created_at__lt=timezone.now() - STALE_AFTER,
    )
    count = 0
    for job in stale.select_related("organization", "requested_by"):
        report = report_of(job)
        report.add(
            0, "", _("The import did not finish. Nothing was imported: send the file again.")
        )
        _finish(job, report, JobStatus.FAILED)
        count += 1
    return count


def _store_chunk(job: ImportJob, number: int, data: bytes) -> None:
    ImportChunk.objects.create(job=job, number=number, data=fernet().encrypt(data))


def _stored_lines(job: ImportJob) -> Iterator[bytes]:
    for data in job.chunks.order_by("number").values_list("data", flat=True).iterator():
        yield from io.BytesIO(fernet().decrypt(bytes(data)))


class _ImportFailed(Exception):
    """The final step could not run; nothing was imported."""


def run_import(
    job_id: int,
    *,
    stream: Iterable[bytes] | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Check every row, stage the good ones, then copy them all in one short transaction.

    Reading, checking and staging run in small transactions, so other writers (contact
    logging on SQLite) are never locked out for long; only the final step, one
    INSERT … SELECT of the staged rows, holds the write lock. If any row is wrong, nothing
    is imported and the report lists every problem. A job runs once: running it again
    (a retried task) only returns its outcome.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.CHECKING
    )
    job = ImportJob.objects.select_related("organization", "requested_by").get(pk=job_id)
    if not claimed:
        return report_of(job)
    today = today or timezone.localdate()
    report = ImportReport()
    try:
        lines = stream if stream is not None else _stored_lines(job)
        _check_and_stage(job, lines, report, today, progress, batch_size)
        if report.ok:
            _apply(job, report)
    except _ImportFailed as exc:
        report.add(0, "", str(exc))
        _finish(job, report, JobStatus.FAILED)
        return report
    except Exception:
        logger.exception("Hospital import job %s stopped", job_id)
        report.add(0, "", _("The import stopped unexpectedly. Nothing was imported."))
        _finish(job, report, JobStatus.FAILED)
        raise
    if not report.ok:
        _finish(job, report, JobStatus.REJECTED)
    return report


def report_of(job: ImportJob) -> ImportReport:
    """The outcome of a job as the report the screens and the command show."""
    report = ImportReport(
        rows=job.rows,
        created=job.created,
        already_present=job.already_present,
        error_count=job.error_count,
        bytes_read=job.bytes_read,
    )
    report.errors = [RowError(*e) for e in job.errors]
    return report


def _finish(job: ImportJob, report: ImportReport, status: str) -> None:
    """Record a rejected or failed job, drop what it staged and the stored file."""
    job.status = status
    job.rows, job.bytes_read, job.error_count = report.rows, report.bytes_read, report.error_count
    # PostgreSQL cannot keep a NUL character in JSON: show it as a visible symbol instead.
    job.errors = [[e.row, e.column, e.message.replace("\x00", "\u2400")] for e in report.errors]
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save(
            update_fields=["status", "rows", "bytes_read", "error_count", "errors", "finished_at"]
        )
        audit.record(
            actor=job.requested_by,
            action="hospital.import_rejected",
            object_type="hospital.hospitalimport",
            organization_id=job.organization_id,
            details={"source": job.source, "rows": report.rows, "errors": report.error_count},
        )
    _clean_up(job)


def _clean_up(job: ImportJob) -> None:
    StagedEvent.objects.filter(job=job).delete()
    ImportChunk.objects.filter(job=job).delete()


def _check_and_stage(job, lines, report, today, progress, batch_size) -> None:
    try:
        reader = csv.reader(importer.decoded_lines(lines, report), strict=True)
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
                _stage_batch(job, batch, report)
                batch = []
                _progress(job, report, progress)
        _stage_batch(job, batch, report)
        _progress(job, report, progress)
    except FileError as exc:
        report.add(0, "", str(exc))
    except csv.Error as exc:
        report.add(
            reader.line_num,
            "",
            _("The row cannot be read as CSV (%(problem)s).") % {"problem": exc},
        )


def _progress(job: ImportJob, report: ImportReport, progress: Progress | None) -> None:
    ImportJob.objects.filter(pk=job.pk).update(rows=report.rows, bytes_read=report.bytes_read)
    if progress:
        progress(report.rows, report.bytes_read)


def _stage_batch(job: ImportJob, batch: list[ParsedRow], report: ImportReport) -> None:
    """Find the people and stage the rows (a short transaction of its own).

    Rows are staged even after an error elsewhere in the file, so that a duplicate in a
    later batch is still found; nothing staged is imported in that case.
    """
    if not batch:
        return
    resolved = _resolve_people(job.organization, batch, report)
    staged = {
        (p, k, d, f): row
        for p, k, d, f, row in StagedEvent.objects.filter(
            job=job,
            person_id__in={p for p, _r in resolved},
            date__in={r.date for _p, r in resolved},
        ).values_list("person_id", "kind", "date", "facility", "row")
    }
    new: list[StagedEvent] = []
    for person_id, r in resolved:
        key = (person_id, r.kind, r.date, r.facility)
        if key in staged:
            report.add(
                r.row,
                "",
                _("Same person, event, date and facility as row %(row)d.") % {"row": staged[key]},
            )
            continue
        staged[key] = r.row
        new.append(
            StagedEvent(
                job=job,
                row=r.row,
                person_id=person_id,
                kind=r.kind,
                date=r.date,
                admitted_on=r.admitted_on,
                facility=r.facility,
            )
        )
    with transaction.atomic():
        StagedEvent.objects.bulk_create(new, batch_size=500)


def _resolve_people(
    org: Organization, batch: list[ParsedRow], report: ImportReport
) -> list[tuple[int, ParsedRow]]:
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
    return resolved


def _apply(job: ImportJob, report: ImportReport) -> None:
    """Copy every staged row of the job that is not stored yet, in one short transaction."""
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.APPLYING)
    q = connection.ops.quote_name
    events, staged = q(HospitalEvent._meta.db_table), q(StagedEvent._meta.db_table)
    person, kind, day, facility = q("person_id"), q("kind"), q("date"), q("facility")
    # Table and column names come from the models, never from input.
    insert = (
        f"INSERT INTO {events} ({q('organization_id')}, {person}, {kind}, {day}, "  # noqa: S608
        f"{q('admitted_on')}, {facility}, {q('source_import_id')}, {q('source_row')}, "
        f"{q('created_at')}) "
        f"SELECT %s, s.{person}, s.{kind}, s.{day}, s.{q('admitted_on')}, s.{facility}, %s, "
        f"s.{q('row')}, %s FROM {staged} s WHERE s.{q('job_id')} = %s AND NOT EXISTS "
        f"(SELECT 1 FROM {events} e WHERE e.{person} = s.{person} AND e.{kind} = s.{kind} "
        f"AND e.{day} = s.{day} AND e.{facility} = s.{facility})"
    )
    try:
        with transaction.atomic():
            run = HospitalImport.objects.create(
                organization=job.organization, source=job.source, imported_by=job.requested_by
            )
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            with connection.cursor() as cursor:
                cursor.execute(insert, [job.organization_id, run.pk, now, job.pk])
                report.created = cursor.rowcount
            report.already_present = report.rows - report.created
            run.rows, run.created = report.rows, report.created
            run.already_present = report.already_present
            run.save(update_fields=["rows", "created", "already_present"])
            job.status, job.result = JobStatus.DONE, run
            job.rows, job.bytes_read = report.rows, report.bytes_read
            job.created, job.already_present = report.created, report.already_present
            job.finished_at = timezone.now()
            job.save()
            audit.record(
                actor=job.requested_by,
                action="hospital.events_imported",
                obj=run,
                organization_id=job.organization_id,
                details={
                    "source": job.source,
                    "rows": report.rows,
                    "new": report.created,
                    "already_present": report.already_present,
                },
            )
    except IntegrityError as exc:
        # Another import stored some of the same events at the same moment (PostgreSQL).
        raise _ImportFailed(
            _(
                "Another import saved some of the same events at the same time. Nothing was "
                "imported from this file: import it again."
            )
        ) from exc
    _clean_up(job)


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

"""Hospital events (admissions, discharges, emergency visits) imported from hospital
systems, and each organization's eligibility trigger (docs/hospital-events.md).

No raw hospital identifier is stored anywhere: rows name a person by their Peerway code
or by a hospital identifier that is matched through ``Person.hospital_id_index``.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.models import Organization, User
from peerway.support.models import Person


class EventKind(models.TextChoices):
    ADMISSION = "admission", _("Admission")
    DISCHARGE = "discharge", _("Discharge")
    EMERGENCY_VISIT = "emergency_visit", _("Emergency visit")


class ImportSource(models.TextChoices):
    UPLOAD = "upload", _("Upload screen")
    COMMAND = "command", _("Command line")
    API = "api", _("REST API")


class HospitalImport(models.Model):
    """One accepted file. Rejected files leave no row here (only an audit event)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="hospital_imports"
    )
    source = models.CharField(max_length=10, choices=ImportSource.choices)
    imported_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    already_present = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.rows} rows)"


class HospitalEvent(models.Model):
    """One admission, discharge or emergency visit of one person.

    The natural key (person, kind, date, facility) is unique, so importing the same rows
    again adds nothing.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="hospital_events"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="hospital_events")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    date = models.DateField(_("date"))
    # For a discharge: the date of the admission it ends, when the hospital sends it.
    admitted_on = models.DateField(_("admission date"), null=True, blank=True)
    facility = models.CharField(_("facility"), max_length=120)
    source_import = models.ForeignKey(
        HospitalImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    # Row of the source file (header = row 1), to name an earlier duplicate in the same file.
    source_row = models.PositiveIntegerField(null=True, blank=True)
    # The HL7 message that created the event, so that a cancel or an update of the same
    # visit finds it (docs/hospital-events.md, "HL7 v2 feed").
    source_message = models.ForeignKey(
        "HL7Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "date", "pk"]
        verbose_name = _("hospital event")
        verbose_name_plural = _("hospital events")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "date", "facility"], name="hospital_event_natural_key"
            )
        ]
        indexes = [models.Index(fields=["organization", "kind", "date"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.date}"

    @property
    def team(self):
        return self.person.team


class TriggerRule(models.Model):
    """When hospital use suggests a referral (default after O'Connell et al. 2018: two or
    more admissions, or more than three emergency visits, in 18 months)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="hospital_trigger"
    )
    enabled = models.BooleanField(_("suggest referrals from hospital events"), default=True)
    min_admissions = models.PositiveSmallIntegerField(
        _("admissions (at least)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    min_emergency_visits = models.PositiveSmallIntegerField(
        _("emergency visits (at least)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    window_months = models.PositiveSmallIntegerField(
        _("within the last (months)"),
        default=18,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return (
            f"≥{self.min_admissions} admissions or ≥{self.min_emergency_visits} "
            f"emergency visits in {self.window_months} months"
        )


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    CHECKING = "checking", _("Checking rows")
    APPLYING = "applying", _("Saving")
    DONE = "done", _("Imported")
    REJECTED = "rejected", _("Rejected: nothing was imported")
    FAILED = "failed", _("Failed: nothing was imported")


class ImportJob(models.Model):
    """One file being imported in the background: its progress and, at the end, its
    counts or its validation report. The file itself is held (encrypted) in
    ``ImportChunk`` rows only until it has been read."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="hospital_import_jobs"
    )
    source = models.CharField(max_length=10, choices=ImportSource.choices)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total_bytes = models.PositiveBigIntegerField(default=0)
    bytes_read = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    already_present = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [[row, column, message], ...]: at most MAX_REPORTED_ERRORS; no person data.
    errors = models.JSONField(default=list, blank=True)
    result = models.OneToOneField(
        HospitalImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="job"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"hospital import job {self.pk} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in {JobStatus.QUEUED, JobStatus.CHECKING, JobStatus.APPLYING}

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(100, int(100 * self.bytes_read / self.total_bytes)) if self.total_bytes else 0


class ImportChunk(models.Model):
    """A piece of an uploaded file (whole lines, Fernet-encrypted), kept until read."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="hospital_chunk_order")
        ]

    def __str__(self) -> str:
        return f"chunk {self.number} of job {self.job_id}"


class StagedEvent(models.Model):
    """A checked row waiting for the final, short transaction that copies every staged row
    of a job into ``HospitalEvent`` at once (or none, if any row was wrong)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="staged")
    row = models.PositiveIntegerField()
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    date = models.DateField()
    admitted_on = models.DateField(null=True, blank=True)
    facility = models.CharField(max_length=120)

    class Meta:
        constraints = [
            # The same event twice in one file is an error, found here across chunks.
            models.UniqueConstraint(
                fields=["job", "person", "kind", "date", "facility"],
                name="hospital_staged_natural_key",
            )
        ]

    def __str__(self) -> str:
        return f"job {self.job_id} row {self.row}"


class HL7Message(models.Model):
    """One accepted HL7 v2 ADT message (MSH-10 per sending facility) and the ACK it got.

    A message resent after a lost ACK is answered with the stored ACK and changes nothing.
    Refused messages (AE, AR) are not kept, so that once the problem is fixed (for
    instance the person's hospital identifier recorded) the hospital can send them again.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="hl7_messages"
    )
    sending_facility = models.CharField(_("sending facility"), max_length=180)
    control_id = models.CharField(_("message control id"), max_length=199)
    message_type = models.CharField(_("message type"), max_length=20)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Keyed hash of the visit number (PV1-19), never the number itself.
    visit_index = models.CharField(max_length=64, blank=True, db_index=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    created = models.PositiveSmallIntegerField(default=0)
    updated = models.PositiveSmallIntegerField(default=0)
    removed = models.PositiveSmallIntegerField(default=0)
    # The ACK as sent (HL7 text, segments separated by carriage returns).
    ack = models.TextField()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("HL7 message")
        verbose_name_plural = _("HL7 messages")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sending_facility", "control_id"],
                name="hl7_message_control_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_type} {self.control_id}"

"""Bulk Data exports ($export): one job per request, its NDJSON files stored encrypted until
they expire (docs/fhir.md)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone

from peerway.core.crypto import EncryptedTextField
from peerway.core.models import User

# How long finished files stay downloadable.
FILES_KEPT = timedelta(hours=24)


class ExportStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BulkExport(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default="queued")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"

    @property
    def expires_at(self):
        return (self.finished_at or self.requested_at) + FILES_KEPT

    @property
    def expired(self) -> bool:
        return timezone.now() >= self.expires_at


class BulkExportFile(models.Model):
    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)
    # One resource per line (NDJSON); encrypted at rest like other sensitive text.
    content = EncryptedTextField(blank=True)
    # The people the file is about (primary keys), for the download's audit event.
    people = models.JSONField(default=list)

    class Meta:
        ordering = ["resource_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["export", "resource_type"], name="fhir_one_file_per_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}.ndjson"


def purge_expired_exports(now=None) -> int:
    """Delete the files of every export past its 24 hours (the job row stays, so its
    status answers 410 Gone); a job row goes after 30 days. Run on every new export and
    every build, so no expired file outlives the next use of the interface."""
    now = now or timezone.now()
    expired = BulkExportFile.objects.filter(
        models.Q(export__finished_at__lt=now - FILES_KEPT)
        | models.Q(export__finished_at__isnull=True, export__requested_at__lt=now - FILES_KEPT)
    )
    deleted, _ = expired.delete()
    BulkExport.objects.filter(requested_at__lt=now - timedelta(days=30)).delete()
    return deleted

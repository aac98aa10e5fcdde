"""A log of de-identified exports: who asked, when, why (encrypted), what came out, and
for exports made on the screen the zip itself, encrypted, for a few days."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.crypto import EncryptedTextField
from peerway.core.models import Organization, User


class ExportSource(models.TextChoices):
    SCREEN = "screen", _("Screen")
    COMMAND = "command", _("Command line")
    API = "api", _("REST API")


class ExportStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")


class DeidentifiedExport(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="deidentified_exports"
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=10, choices=ExportSource.choices)
    # The stated purpose is free text: encrypted at rest, never in audit details.
    purpose = EncryptedTextField(_("purpose"))
    status = models.CharField(max_length=10, choices=ExportStatus.choices)
    refusal = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    people_considered = models.PositiveIntegerField(default=0)
    people_exported = models.PositiveIntegerField(default=0)
    people_suppressed = models.PositiveIntegerField(default=0)
    k = models.PositiveSmallIntegerField(default=5)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    row_counts = models.JSONField(default=dict, blank=True)
    # Fernet-encrypted zip of the files (screen exports only), kept until archive_expires_at.
    archive = models.BinaryField(default=b"", blank=True)
    archive_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("de-identified export")
        verbose_name_plural = _("de-identified exports")

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"

    def downloadable(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.archive and self.archive_expires_at and self.archive_expires_at > now)

"""What the indicators app stores: drift alerts; each organization's data version (what
cached dashboards are keyed by, decision 32); and each closed wave's readiness means.
Every other figure on a dashboard is computed from rollups and service records when asked,
then cached under the organization's data version (docs/indicators.md)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from peerway.core.models import Organization, Team, User


class DriftAlert(models.Model):
    """An in-app alert to one supervisor: a worker's share of minutes on out-of-scope tasks
    on a team in a month is above the role definition's threshold. ``tasks`` lists the
    out-of-scope task codes with their minutes, largest first (codes only, no free text)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="drift_alerts")
    worker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    minutes = models.PositiveIntegerField()
    out_of_scope_minutes = models.PositiveIntegerField()
    threshold_percent = models.PositiveSmallIntegerField()
    tasks = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "worker", "team", "month"], name="one_drift_alert_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"drift w{self.worker_id} t{self.team_id} {self.month:%Y-%m} → u{self.recipient_id}"

    @property
    def percent(self) -> float:
        return round(100 * self.out_of_scope_minutes / self.minutes, 1) if self.minutes else 0.0


class DataVersion(models.Model):
    """A counter per organization and kind of record (``peerway.indicators.versions.KINDS``:
    contacts, people and referrals, workforce, planning, safety, surveys, and the
    organization's own structure), raised in the same transaction as every write of a
    record of that kind (decision 32: Dashboards cached under a data version). Each cached
    part of a dashboard is keyed by the versions of the kinds it reads, so a committed write
    makes every earlier entry that read its kind unreachable. ``epoch`` is drawn at random
    when the row is made, so an organization that reuses a deleted one's id never meets its
    entries."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    epoch = models.UUIDField(default=uuid.uuid4, editable=False)
    number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind"], name="one_data_version_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} version {self.number} of {self.organization_id}"


class WaveTrend(models.Model):
    """A closed wave's organization-level means per scale of its first questionnaire, as
    the readiness trend shows them (only cells the wave's release shows), with the scale
    names in English and French. Stored when the wave's results are released, or by the
    first dashboard that needs them, so no later view recomputes the wave's results.
    ``stamp`` identifies the responses, settings, release decision and questionnaire
    library they were computed from; a stale row is computed again."""

    wave = models.OneToOneField(
        "assessments.Wave", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    stamp = models.CharField(max_length=300)
    points = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"readiness means of wave {self.wave_id}"

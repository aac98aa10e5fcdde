"""Drift alerts: the only thing the indicators app stores. Every figure on a dashboard is
computed from rollups and service records when asked (docs/indicators.md)."""

from __future__ import annotations

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

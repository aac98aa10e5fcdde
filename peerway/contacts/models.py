"""Daily contact rollups: what dashboards read instead of raw contacts.

The contacts themselves are ``peerway.support.models.Contact``. A rollup row holds, for one
day, team, worker and activity code, how many contacts touched the activity and how many
minutes are attributed to it (docs/contacts.md, "Rollups"). The row with activity
``ALL_ACTIVITIES`` holds the day's totals for the worker on the team: every contact once,
its whole duration, and its attendances (people present, summed over contacts).

``ContactMonthlyRollup`` holds the same sums per calendar month: at regional density a
year is read from about a tenth as many rows. Both are written in the same transaction as
the contact; dashboards read whole months from the monthly rows and only the partial months
at the edges of a period from the daily rows (``peerway.contacts.rollups.totals``).
"""

from __future__ import annotations

from django.db import models

from peerway.core.models import Organization, Team, User

# Activity code of the totals row (never a taxonomy code: those are snake_case words).
ALL_ACTIVITIES = "*"


class RollupSums(models.Model):
    """What both rollups hold for one key (the date field and the key are their own)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    worker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    activity = models.CharField(max_length=60)
    contacts = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)
    attendances = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class ContactRollup(RollupSums):
    day = models.DateField()

    class Meta:
        ordering = ["day", "team", "worker", "activity"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team", "worker", "activity"], name="one_rollup_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "day"]),
            models.Index(fields=["team", "day"]),
            models.Index(fields=["worker", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} t{self.team_id} w{self.worker_id} {self.activity}: {self.minutes} min"


class ContactMonthlyRollup(RollupSums):
    """The daily rollup summed over a calendar month (``month`` is its first day)."""

    month = models.DateField()

    class Meta:
        ordering = ["month", "team", "worker", "activity"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team", "worker", "activity"], name="one_monthly_rollup_per_key"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "month"]),
            models.Index(fields=["team", "month"]),
            models.Index(fields=["worker", "month"]),
        ]

    def __str__(self) -> str:
        return (
            f"{self.month:%Y-%m} t{self.team_id} w{self.worker_id} {self.activity}: "
            f"{self.minutes} min"
        )

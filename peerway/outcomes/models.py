"""Outcome measures given to people supported, and the safety workflow they can start.

- A schedule per team (program) says which questionnaires are given at which time points
  (months from the start of support; 0 is intake). Teams without one use the default.
- An administration holds one completed questionnaire: the answers and the full scoring
  result are encrypted at rest; only the total, its band and whether a safety trigger fired
  are kept in clear, for due lists and aggregate indicators.
- A one-time link lets the person answer on their own device: only a SHA-256 fingerprint of
  its token is stored; it works once and expires.
- A safety task is created in the same transaction as any administration whose answers
  fire a safety trigger, assigned to the person's peer worker(s) and their supervisors.

See docs/outcomes.md.
"""

from __future__ import annotations

import hashlib
import json

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.crypto import EncryptedTextField
from peerway.core.models import Organization, Team, User
from peerway.support.models import Person

# Months from the start of support; 0 is intake.
DEFAULT_TIME_POINTS = [0, 3, 6, 12]
# QPR-15: recovery, open licence, developed with people who use services. PHQ-9: distress
# screen whose item 9 starts the safety workflow. Structure-only instruments (Herth Hope
# Index, RAS-24, WEMWBS) can be added once the organization loads its licensed items.
DEFAULT_INSTRUMENTS = ["qpr15", "phq9"]
DEFAULT_WINDOW_BEFORE_DAYS = 14
DEFAULT_WINDOW_AFTER_DAYS = 30
# Intake is due within this many days of the start of support.
INTAKE_DUE_DAYS = 14
LINK_VALID_DAYS = 7


def token_fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class OutcomeSettings(models.Model):
    """Per-organization settings: the safety protocol shown on every safety task."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="outcome_settings"
    )
    safety_protocol = models.TextField(_("safety protocol"), blank=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"outcome settings of {self.organization_id}"


class OutcomeSchedule(models.Model):
    """Which questionnaires a team gives, and when."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="outcome_schedule")
    instruments = models.JSONField(_("questionnaires"), default=list)
    time_points = models.JSONField(_("time points (months)"), default=list)
    window_before_days = models.PositiveSmallIntegerField(
        _("window opens (days before)"), default=DEFAULT_WINDOW_BEFORE_DAYS
    )
    window_after_days = models.PositiveSmallIntegerField(
        _("window closes (days after)"), default=DEFAULT_WINDOW_AFTER_DAYS
    )
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"schedule of team {self.team_id}"

    @classmethod
    def for_team(cls, team: Team) -> OutcomeSchedule:
        """The team's schedule, or the default one (unsaved)."""
        found = cls.objects.filter(team=team).first()
        if found is not None:
            return found
        return cls(
            team=team,
            instruments=list(DEFAULT_INSTRUMENTS),
            time_points=list(DEFAULT_TIME_POINTS),
        )

    @property
    def is_default(self) -> bool:
        return self.pk is None


class Mode(models.TextChoices):
    WITH_WORKER = "with_worker", _("With the peer worker")
    SELF_LINK = "self_link", _("On their own device (one-time link)")


class Administration(models.Model):
    """One completed questionnaire for one person at one time point."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="outcomes")
    instrument = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    time_point = models.PositiveSmallIntegerField()
    administered_on = models.DateField(_("date given"))
    mode = models.CharField(max_length=12, choices=Mode.choices)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # JSON of item id -> value, and the engine's full result; encrypted at rest.
    answers_data = EncryptedTextField()
    result_data = EncryptedTextField()
    total_score = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=40, blank=True)
    valid = models.BooleanField(default=True)
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["-administered_on", "-pk"]
        indexes = [models.Index(fields=["person", "instrument", "time_point"])]

    def __str__(self) -> str:
        return f"{self.instrument} {self.time_point}m {self.administered_on}"

    @property
    def answers(self) -> dict:
        return json.loads(self.answers_data or "{}")

    @property
    def result(self) -> dict:
        return json.loads(self.result_data or "{}")


class OutcomeLink(models.Model):
    """A one-time link for the person to answer one questionnaire on their own device."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="outcome_links")
    instrument = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    time_point = models.PositiveSmallIntegerField()
    token_hash = models.CharField(max_length=64, unique=True)
    # The page opens in the person's language (they can still switch).
    language = models.CharField(max_length=10, default="en")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    administration = models.OneToOneField(
        Administration, on_delete=models.SET_NULL, null=True, blank=True, related_name="link"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"link {self.pk} {self.instrument}"

    def status(self, now=None) -> str:
        now = now or timezone.now()
        if self.used_at:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return "open"


class SafetyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")


class SafetyOutcome(models.TextChoices):
    PROTOCOL_FOLLOWED = "protocol_followed", _("Protocol followed; the person is safe for now")
    CLINICIAN_INVOLVED = "clinician_involved", _("Clinical team involved")
    CRISIS_SERVICE = "crisis_service", _("Crisis service or emergency services contacted")
    NOT_REACHED = "not_reached", _("Could not reach the person; escalated per protocol")
    NO_RISK = "no_risk", _("Talked with the person; no current risk")


class SafetyTask(models.Model):
    """Follow-up of a safety trigger. Never deleted; closed with an outcome."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="safety_tasks")
    administration = models.OneToOneField(
        Administration, on_delete=models.PROTECT, related_name="safety_task"
    )
    # Trigger codes (e.g. "phq9_item9") and item ids; never answers.
    triggers = models.JSONField(default=list)
    assignees = models.ManyToManyField(
        User, through="SafetyAssignment", related_name="outcome_safety_tasks"
    )
    status = models.CharField(
        max_length=14, choices=SafetyStatus.choices, default=SafetyStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=SafetyOutcome.choices, blank=True
    )
    outcome_note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"safety task {self.pk} ({self.status})"


class AssignmentReason(models.TextChoices):
    WORKER = "worker", _("Peer worker")
    SUPERVISOR = "supervisor", _("Supervisor")


class SafetyAssignment(models.Model):
    task = models.ForeignKey(SafetyTask, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=12, choices=AssignmentReason.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "user"], name="one_assignment_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.user_id} ({self.reason})"

"""Outcome measures given to people supported, and the safety workflow they can start.

- A schedule per team (program) says which questionnaires are given at which time points
  (months from the start of support; 0 is intake). Teams without one use the default.
- An administration holds one completed questionnaire: the answers and the full scoring
  result are encrypted at rest; only the total, its band and whether a safety trigger fired
  are kept in clear, for due lists and aggregate indicators.
- A one-time link lets the person answer on their own device: only a SHA-256 fingerprint of
  its token is stored; it works once and expires.
- A safety task is created in the same transaction as any administration whose answers
  fire a safety trigger, and as any risk concern a peer worker records
  (``peerway.recovery``), assigned to the worker(s) and their supervisors, with a deadline
  to acknowledge it set per risk type; past the deadline it escalates.

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
from peerway.recovery.models import SERIOUS_RISK_TYPES, RiskType
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


# Minutes a safety task may wait before someone acknowledges it, by risk type, unless the
# organization sets its own (docs/recovery-and-safety-events.md). A PHQ-9 item 9 answer is
# a self-harm signal.
DEFAULT_ACK_MINUTES = {
    RiskType.SELF_HARM: 60,
    RiskType.HARM_TO_OTHERS: 60,
    RiskType.MEDICAL_EMERGENCY: 60,
    RiskType.ABUSE_NEGLECT: 240,
    RiskType.SAFETY_AT_HOME: 1440,
    RiskType.SUBSTANCE_USE: 1440,
    RiskType.OTHER: 1440,
}
MAX_ACK_MINUTES = 7 * 24 * 60


class OnCallRole(models.TextChoices):
    """Who, besides the site's managers, an unacknowledged safety task escalates to."""

    ORG_MANAGERS = "org_managers", _("Organization-wide managers")
    ORG_SUPERVISORS = "org_supervisors", _("Organization-wide supervisors")
    NONE = "none", _("Nobody else (the site's managers only)")


def token_fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class OutcomeSettings(models.Model):
    """Per-organization settings: the safety protocol shown on every safety task (one
    general text, and optionally one per risk type), the deadlines to acknowledge a task by
    risk type, and the on-call role that unacknowledged tasks escalate to."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="outcome_settings"
    )
    safety_protocol = models.TextField(_("safety protocol"), blank=True)
    # risk type -> protocol text; a missing or empty entry falls back to the general text.
    risk_protocols = models.JSONField(default=dict, blank=True)
    # risk type -> minutes; a missing entry uses DEFAULT_ACK_MINUTES.
    ack_minutes = models.JSONField(default=dict, blank=True)
    on_call_role = models.CharField(
        _("on-call role"),
        max_length=20,
        choices=OnCallRole.choices,
        default=OnCallRole.ORG_MANAGERS,
    )
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
        return cls.default_for(team)

    @classmethod
    def default_for(cls, team: Team) -> OutcomeSchedule:
        """The default schedule of a team that has none of its own (unsaved)."""
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


class SafetySource(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", _("Questionnaire answer")
    RISK_CONCERN = "risk_concern", _("Risk concern recorded by a peer worker")


class SafetyTask(models.Model):
    """Follow-up of a risk signal: a questionnaire's safety trigger or a risk concern.
    Never deleted; acknowledged before its deadline (else escalated), closed with an
    outcome and, for serious types, a debrief."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="safety_tasks")
    source = models.CharField(
        max_length=14, choices=SafetySource.choices, default=SafetySource.QUESTIONNAIRE
    )
    risk_type = models.CharField(
        _("type of risk"), max_length=20, choices=RiskType.choices, default=RiskType.SELF_HARM
    )
    # Exactly one of these two says where the task came from.
    administration = models.OneToOneField(
        Administration,
        on_delete=models.PROTECT,
        related_name="safety_task",
        null=True,
        blank=True,
    )
    safety_event = models.OneToOneField(
        "recovery.SafetyEvent",
        on_delete=models.PROTECT,
        related_name="safety_task",
        null=True,
        blank=True,
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
    # Acknowledge by then, or the task escalates (set from the organization's settings).
    due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True, db_index=True)
    # No supervisor was found for the worker: the site's managers were assigned instead.
    no_supervisor = models.BooleanField(default=False)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
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
    # Debrief after a serious risk (required to close one): when, who took part, notes.
    debrief_on = models.DateField(_("debrief date"), null=True, blank=True)
    debrief_with = EncryptedTextField(_("who took part in the debrief"), blank=True)
    debrief_notes = EncryptedTextField(_("debrief notes"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(administration__isnull=True)
                | models.Q(safety_event__isnull=True),
                name="safety_task_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"safety task {self.pk} ({self.status})"

    @property
    def needs_debrief(self) -> bool:
        return self.risk_type in SERIOUS_RISK_TYPES

    def is_overdue(self, now=None) -> bool:
        """Not acknowledged and past its deadline."""
        now = now or timezone.now()
        return self.status == SafetyStatus.OPEN and self.due_at is not None and self.due_at <= now

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def escalated(self) -> bool:
        return self.escalated_at is not None


class AssignmentReason(models.TextChoices):
    WORKER = "worker", _("Peer worker")
    SUPERVISOR = "supervisor", _("Supervisor")
    SITE_MANAGER = "site_manager", _("Site manager (no supervisor found)")
    ESCALATION = "escalation", _("Escalation: site manager")
    ON_CALL = "on_call", _("Escalation: on call")


class SafetyAssignment(models.Model):
    task = models.ForeignKey(SafetyTask, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=12, choices=AssignmentReason.choices)
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "user"], name="one_assignment_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.user_id} ({self.reason})"

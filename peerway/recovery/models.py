"""Recovery plans and boundary and risk events (docs/recovery-and-safety-events.md).

A recovery plan belongs to the person: goals in their own words, each tagged with a
CHIME domain, with steps and dated progress updates. Boundary and risk events are about
a peer worker's practice with one person; each waits in the worker's supervision queue
until a supervisor marks it reviewed. Free text about the person is encrypted at rest.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.crypto import EncryptedTextField
from peerway.core.models import Organization, Team
from peerway.support.models import ChimeDomain, Person


class RecoveryPlan(models.Model):
    """One plan per person; its place (for permissions) is the person's team."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="recovery_plan")
    co_produced = models.BooleanField(_("co-produced with the person"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("recovery plan")
        verbose_name_plural = _("recovery plans")

    def __str__(self) -> str:
        return f"plan {self.person.code}"

    @property
    def team(self) -> Team:
        return self.person.team

    @property
    def organization_id(self) -> int:
        return self.person.organization_id


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    SET_ASIDE = "set_aside", _("Set aside")


class Goal(models.Model):
    plan = models.ForeignKey(RecoveryPlan, on_delete=models.CASCADE, related_name="goals")
    # In the person's own words.
    text = EncryptedTextField(_("goal, in the person's words"))
    domain = models.CharField(_("CHIME domain"), max_length=20, choices=ChimeDomain.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    status_changed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "created_at", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return f"goal {self.pk} ({self.domain})"


class GoalStep(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="steps")
    text = EncryptedTextField(_("step"))
    done = models.BooleanField(_("done"), default=False)
    done_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["goal", "created_at", "pk"]

    def __str__(self) -> str:
        return f"step {self.pk}"


class ProgressRating(models.IntegerChoices):
    NOT_STARTED = 1, _("1 · Not started yet")
    STARTING = 2, _("2 · Getting started")
    SOME = 3, _("3 · Some progress")
    GOOD = 4, _("4 · Good progress")
    THERE = 5, _("5 · Reached, or nearly")


class ProgressUpdate(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("date"))
    rating = models.PositiveSmallIntegerField(
        _("progress"),
        choices=ProgressRating.choices,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["goal", "-date", "-pk"]

    def __str__(self) -> str:
        return f"update {self.pk} {self.date}"


class EventKind(models.TextChoices):
    BOUNDARY = "boundary", _("Boundary event")
    RISK = "risk", _("Risk concern")


class BoundaryType(models.TextChoices):
    CROSSING = "crossing", _("Boundary crossing")
    VIOLATION = "violation", _("Boundary violation")


class RiskType(models.TextChoices):
    SELF_HARM = "self_harm", _("Self-harm or suicide")
    HARM_TO_OTHERS = "harm_to_others", _("Harm to others")
    ABUSE_NEGLECT = "abuse_neglect", _("Abuse or neglect disclosed")
    MEDICAL_EMERGENCY = "medical_emergency", _("Medical emergency")
    SAFETY_AT_HOME = "safety_at_home", _("Safety at home")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    OTHER = "other", _("Other")


# Types whose safety task cannot be closed without a debrief (docs/recovery-and-safety-events.md).
SERIOUS_RISK_TYPES = frozenset(
    {
        RiskType.SELF_HARM,
        RiskType.HARM_TO_OTHERS,
        RiskType.ABUSE_NEGLECT,
        RiskType.MEDICAL_EMERGENCY,
    }
)


class ResponsePath(models.TextChoices):
    RELATIONAL = "relational", _("Relational (within the peer relationship)")
    JOINT = "joint", _("Joint with a clinician")
    ESCALATION = "escalation", _("Formal escalation")


class SafetyEvent(models.Model):
    """A boundary event or a risk concern in one peer relationship, queued for the worker's
    next supervision until a supervisor marks it reviewed. A risk concern also raises a
    safety task at once (``peerway.outcomes``), with a deadline to acknowledge it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="safety_events"
    )
    # The person's team when the event was recorded (indicators count by it).
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="safety_events")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="safety_events")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="safety_events"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    occurred_on = models.DateField(_("date"), db_index=True)
    description = EncryptedTextField(_("what happened"))
    boundary_type = models.CharField(
        _("crossing or violation"), max_length=10, choices=BoundaryType.choices, blank=True
    )
    resolution = EncryptedTextField(_("resolution"), blank=True)
    risk_type = models.CharField(
        _("type of concern"), max_length=20, choices=RiskType.choices, blank=True
    )
    response_path = models.CharField(
        _("response path"), max_length=12, choices=ResponsePath.choices, blank=True
    )
    outcome = EncryptedTextField(_("outcome"), blank=True)
    debrief_done = models.BooleanField(_("debrief done"), default=False)
    debrief_notes = EncryptedTextField(_("debrief notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Supervision review.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    supervision_session = models.ForeignKey(
        "workforce.SupervisionSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_safety_events",
    )

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("boundary or risk event")
        verbose_name_plural = _("boundary and risk events")
        indexes = [
            models.Index(fields=["team", "occurred_on"]),
            models.Index(fields=["worker", "reviewed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} {self.occurred_on}"

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None

    @property
    def type_label(self) -> str:
        if self.kind == EventKind.BOUNDARY:
            return str(self.get_boundary_type_display())
        return str(self.get_risk_type_display())

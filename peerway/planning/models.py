"""Planning records: versioned peer role definitions and capacity scenarios.

(The factor → strategy knowledge base is data in ``knowledge/``, not models.)
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.models import Organization, Team, User
from peerway.core.roles import TeamType

from .capacity import DEFAULT_DIRECT_HOURS_PER_FTE_MONTH

# Share of logged peer minutes in out-of-scope categories above which a worker, team or
# month is flagged for review. Why 20: see docs/role-definition.md.
DEFAULT_DRIFT_THRESHOLD_PERCENT = 20


class ImmutableVersionError(Exception):
    """An approved or superseded role definition version cannot be changed."""


class RoleDefinition(models.Model):
    """The peer role of an organization, or of one type of team in it.

    The content lives in numbered versions; at most one is approved (in force) at a time.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="role_definitions"
    )
    # Blank: the definition for every team type without one of its own.
    team_type = models.CharField(
        _("team type"), max_length=30, choices=TeamType.choices, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "team_type", "title"]
        verbose_name = _("peer role definition")
        verbose_name_plural = _("peer role definitions")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "team_type"], name="one_role_definition_per_team_type"
            )
        ]

    def __str__(self) -> str:
        return self.title


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class RoleDefinitionVersion(models.Model):
    definition = models.ForeignKey(
        RoleDefinition, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    purpose = models.TextField(_("purpose"))
    # Codes from peerway.planning.taxonomy; the two lists never overlap.
    in_scope = models.JSONField(_("in-scope activities"), default=list, blank=True)
    out_of_scope = models.JSONField(_("out-of-scope tasks"), default=list, blank=True)
    drift_threshold_percent = models.PositiveSmallIntegerField(
        _("drift threshold (%)"),
        default=DEFAULT_DRIFT_THRESHOLD_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    information_sharing = models.TextField(_("information-sharing rules"), blank=True)
    documentation = models.TextField(_("documentation rules"), blank=True)
    co_producers = models.ManyToManyField(
        User, related_name="co_produced_role_versions", blank=True, verbose_name=_("co-producers")
    )
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    # Fields frozen once a version is approved.
    CONTENT_FIELDS = (
        "number",
        "purpose",
        "in_scope",
        "out_of_scope",
        "drift_threshold_percent",
        "information_sharing",
        "documentation",
        "approved_by_id",
        "approved_at",
    )

    class Meta:
        ordering = ["definition", "-number"]
        verbose_name = _("peer role definition version")
        verbose_name_plural = _("peer role definition versions")
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="role_version_number"),
            models.UniqueConstraint(
                fields=["definition"],
                condition=models.Q(status="approved"),
                name="one_approved_role_version",
            ),
            models.UniqueConstraint(
                fields=["definition"],
                condition=models.Q(status="draft"),
                name="one_draft_role_version",
            ),
            models.CheckConstraint(
                condition=models.Q(drift_threshold_percent__gte=1)
                & models.Q(drift_threshold_percent__lte=100),
                name="role_drift_threshold_1_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition} v{self.number}"

    def save(self, *args, **kwargs):
        # Defence in depth: services refuse to edit an approved version, and so does the model.
        if self.pk is not None:
            stored = (
                type(self).objects.filter(pk=self.pk).values("status", *self.CONTENT_FIELDS).first()
            )
            if stored and stored["status"] != VersionStatus.DRAFT:
                changed = [f for f in self.CONTENT_FIELDS if stored[f] != getattr(self, f)]
                back_to_draft = self.status == VersionStatus.DRAFT
                if changed or back_to_draft:
                    raise ImmutableVersionError(f"{self} is {stored['status']} and cannot change")
        super().save(*args, **kwargs)

    @property
    def organization(self) -> Organization:
        return self.definition.organization

    @property
    def organization_id(self) -> int:
        return self.definition.organization_id

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def was_approved(self) -> bool:
        return self.status in (VersionStatus.APPROVED, VersionStatus.SUPERSEDED)


class CapacityScenario(models.Model):
    """A named set of staffing assumptions for some or all teams of an organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="capacity_scenarios"
    )
    name = models.CharField(_("name"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    direct_hours_per_fte_month = models.DecimalField(
        _("direct-contact hours per full-time worker per month"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(DEFAULT_DIRECT_HOURS_PER_FTE_MONTH),
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "name"]
        verbose_name = _("capacity scenario")
        verbose_name_plural = _("capacity scenarios")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="capacity_scenario_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CapacityTeamInput(models.Model):
    scenario = models.ForeignKey(
        CapacityScenario, on_delete=models.CASCADE, related_name="team_inputs"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    people_per_month = models.DecimalField(
        _("people starting per month"), max_digits=8, decimal_places=2
    )
    engagement_months = models.DecimalField(
        _("months of engagement"), max_digits=5, decimal_places=2
    )
    contacts_per_month = models.DecimalField(
        _("contacts per person per month"), max_digits=5, decimal_places=2
    )
    contact_minutes = models.PositiveSmallIntegerField(_("minutes per contact"))
    caseload_per_fte = models.DecimalField(
        _("caseload per full-time worker"), max_digits=6, decimal_places=1
    )
    fte_per_worker = models.DecimalField(_("FTE per worker"), max_digits=3, decimal_places=2)
    planned_headcount = models.PositiveSmallIntegerField(
        _("planned peer workers"), null=True, blank=True
    )

    class Meta:
        ordering = ["scenario", "team__site__name", "team__name"]
        verbose_name = _("team capacity input")
        verbose_name_plural = _("team capacity inputs")
        constraints = [
            models.UniqueConstraint(fields=["scenario", "team"], name="one_input_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.scenario} · {self.team}"


# --- Implementation plan ---------------------------------------------------------------
# Defaults of the readiness gate; why these values: docs/implementation-plan.md.
DEFAULT_GATE_MIN_COMMITMENT = Decimal("3.5")
DEFAULT_GATE_MIN_EFFICACY = Decimal("3.5")
DEFAULT_GATE_MIN_PEERS = 2
# An open action due within this many days and not started yet is "at risk".
AT_RISK_DAYS = 14


class ImplementationPlan(models.Model):
    """The one implementation plan of an organization, with its readiness gate settings."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="implementation_plan"
    )
    title = models.CharField(_("title"), max_length=200)
    # Readiness gate criteria. A blank score threshold or 0 peers switches the criterion off.
    gate_min_commitment = models.DecimalField(
        _("minimum change commitment (ORIC, 1 to 5)"),
        max_digits=2,
        decimal_places=1,
        null=True,
        blank=True,
        default=DEFAULT_GATE_MIN_COMMITMENT,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    gate_min_efficacy = models.DecimalField(
        _("minimum change efficacy (ORIC, 1 to 5)"),
        max_digits=2,
        decimal_places=1,
        null=True,
        blank=True,
        default=DEFAULT_GATE_MIN_EFFICACY,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    gate_require_leadership = models.BooleanField(
        _("leadership commitment must be recorded"), default=True
    )
    gate_require_role_definition = models.BooleanField(
        _("an approved peer role definition must cover the team"), default=True
    )
    gate_require_supervision = models.BooleanField(
        _("a peer supervisor must be assigned to the team"), default=True
    )
    gate_min_peers = models.PositiveSmallIntegerField(
        _("minimum peer workers planned per team"),
        default=DEFAULT_GATE_MIN_PEERS,
        validators=[MaxValueValidator(20)],
    )
    # The capacity scenario whose planned head counts the gate reads.
    capacity_scenario = models.ForeignKey(
        CapacityScenario,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("adopted capacity scenario"),
    )
    leadership_commitment_on = models.DateField(
        _("leadership commitment recorded on"), null=True, blank=True
    )
    leadership_commitment_note = models.TextField(
        _("how leadership committed (e.g. board resolution, signed charter)"), blank=True
    )
    leadership_commitment_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("implementation plan")
        verbose_name_plural = _("implementation plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gate_min_commitment__isnull=True)
                | (models.Q(gate_min_commitment__gte=1) & models.Q(gate_min_commitment__lte=5)),
                name="plan_gate_commitment_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(gate_min_efficacy__isnull=True)
                | (models.Q(gate_min_efficacy__gte=1) & models.Q(gate_min_efficacy__lte=5)),
                name="plan_gate_efficacy_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DefaultPhase(models.TextChoices):
    PREPARE = "prepare", _("Prepare")
    RECRUIT_TRAIN = "recruit_train", _("Recruit and train")
    LAUNCH = "launch", _("Launch")
    SUSTAIN = "sustain", _("Sustain")


class PlanPhase(models.Model):
    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="phases")
    # A default phase has its code (its name follows the reader's language); a phase a
    # manager adds has a name and no code.
    code = models.CharField(max_length=20, choices=DefaultPhase.choices, blank=True)
    custom_name = models.CharField(_("name"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("plan phase")
        verbose_name_plural = _("plan phases")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"], condition=~models.Q(code=""), name="one_phase_per_code"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return str(DefaultPhase(self.code).label) if self.code else self.custom_name


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.CANCELLED)


class PlanAction(models.Model):
    """One action of the plan. Actions are never deleted: cancel one to drop it."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.PROTECT, related_name="actions")
    phase = models.ForeignKey(
        PlanPhase, on_delete=models.PROTECT, related_name="actions", verbose_name=_("phase")
    )
    title = models.CharField(_("action"), max_length=200)
    # Knowledge-base strategy code; blank for an action written by hand.
    strategy = models.CharField(_("strategy"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Knowledge-base factor codes the action targets.
    factors = models.JSONField(_("factors targeted"), default=list, blank=True)
    owner = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_actions",
        verbose_name=_("owner"),
    )
    # Scope: the whole organization (both blank), one site, or one team.
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    notes = models.TextField(_("notes"), blank=True)
    completion_evidence = models.TextField(_("evidence of completion"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    source_wave = models.ForeignKey(
        "assessments.Wave",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recommended from wave"),
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "phase__order", "due_on", "pk"]
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="done", completed_on__isnull=False)
                | ~models.Q(status="done"),
                name="done_action_has_completion_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def organization(self) -> Organization:
        return self.plan.organization

    @property
    def organization_id(self) -> int:
        return self.plan.organization_id

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    def is_overdue(self, today) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < today

    def is_at_risk(self, today) -> bool:
        """Open and blocked, or not started with the due date within AT_RISK_DAYS."""
        if not self.is_open or self.is_overdue(today):
            return False
        if self.status == ActionStatus.BLOCKED:
            return True
        return (
            self.status == ActionStatus.NOT_STARTED
            and self.due_on is not None
            and (self.due_on - today).days <= AT_RISK_DAYS
        )


class Milestone(models.Model):
    plan = models.ForeignKey(
        ImplementationPlan, on_delete=models.PROTECT, related_name="milestones"
    )
    phase = models.ForeignKey(
        PlanPhase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="milestones",
        verbose_name=_("phase"),
    )
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("target date"))
    achieved_on = models.DateField(_("achieved on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "due_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title

    @property
    def organization(self) -> Organization:
        return self.plan.organization

    def is_overdue(self, today) -> bool:
        return self.achieved_on is None and self.due_on < today


class PlanChange(models.Model):
    """Change history of a plan: one row per save, with each changed field's old and new
    value. Append-only, like the audit trail it mirrors (which keeps field names only)."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.PROTECT, related_name="changes")
    action = models.ForeignKey(
        PlanAction, on_delete=models.PROTECT, null=True, blank=True, related_name="changes"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="changes"
    )
    kind = models.CharField(max_length=20)  # created | updated
    changes = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"

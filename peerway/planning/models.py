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

"""Leadership and funder reports: a request for a period and a scope, generated in the
background, stored with its PDF until someone downloads it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.models import Organization, Site, Team, User


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Report(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.CharField(_("period"), max_length=10)
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The PDF itself (aggregates only, a few hundred kilobytes): kept in the database so that
    # every application server can serve it.
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"report {self.pk} {self.period}"

    @property
    def scope_place(self):
        """The place whose readers may see it (the permission object)."""
        return self.team or self.site or self.organization

    @property
    def level(self) -> str:
        return "team" if self.team_id else "site" if self.site_id else "organization"


class InstrumentReliability(models.Model):
    """A test–retest reliability an organization supplies for one questionnaire, with its
    source. The reliable change index uses it instead of the published internal consistency
    (docs/evaluation-and-reports.md)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="instrument_reliabilities"
    )
    instrument = models.CharField(_("questionnaire"), max_length=40)
    test_retest = models.DecimalField(_("test–retest reliability"), max_digits=4, decimal_places=3)
    source = models.CharField(_("source"), max_length=400)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "instrument"], name="one_reliability_per_instrument"
            ),
            models.CheckConstraint(
                condition=models.Q(test_retest__gt=0) & models.Q(test_retest__lt=1),
                name="reliability_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument}: {self.test_retest}"

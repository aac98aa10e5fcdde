"""Readiness survey waves and their anonymous responses.

A response holds only its wave, team, audience, the day it was submitted and the
answers: never a user, an address, a browser or a time finer than the day.
"""

from __future__ import annotations

import secrets
import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.models import Organization, Team, User


class Audience(models.TextChoices):
    STAFF = "staff", _("All staff")
    LEADERS = "leaders", _("Leaders")
    PEER_WORKERS = "peer_workers", _("Peer support workers")


MIN_K = 3
DEFAULT_K = 5
# Short codes avoid letters and digits that are easy to confuse (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_short_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def new_link_token() -> str:
    return secrets.token_urlsafe(24)


class Wave(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="waves")
    name = models.CharField(_("name"), max_length=200)
    # [{"code": "oric", "version": "1"}, ...]: answers are scored by the version asked.
    instruments = models.JSONField(_("questionnaires"), default=list)
    audiences = models.JSONField(_("audiences"), default=list)
    teams = models.ManyToManyField(Team, related_name="waves", verbose_name=_("teams"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    k = models.PositiveSmallIntegerField(
        _("anonymity threshold"),
        default=DEFAULT_K,
        validators=[MinValueValidator(MIN_K)],
        help_text=_("Results of a group are shown only with at least this many responses."),
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_on", "-pk"]
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")
        constraints = [
            models.CheckConstraint(condition=models.Q(k__gte=MIN_K), name="wave_k_at_least_3"),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="wave_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def status(self, today=None) -> str:
        today = today or timezone.localdate()
        if today < self.opens_on:
            return "scheduled"
        if today > self.closes_on:
            return "closed"
        return "open"

    def is_open(self, today=None) -> bool:
        return self.status(today) == "open"

    @property
    def instrument_codes(self) -> list[str]:
        return [entry["code"] for entry in self.instruments]


class SurveyLink(models.Model):
    """The anonymous link of one team and audience in a wave."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="links")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    token = models.CharField(max_length=64, unique=True, default=new_link_token)
    short_code = models.CharField(max_length=12, unique=True, default=new_short_code)

    class Meta:
        ordering = ["team__site__name", "team__name", "audience"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "team", "audience"], name="one_link_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.wave} · {self.team} · {self.get_audience_display()}"


class Response(models.Model):
    """One anonymous, complete response. Deliberately no user, address, language or time of
    day; a random id, so that not even the order of submission can be read from it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    submitted_on = models.DateField()
    # {"oric": {"oric_1": 4, ...}, ...} and {"oric": "1", ...}
    answers = models.JSONField(default=dict)
    versions = models.JSONField(default=dict)

    class Meta:
        # Ordered by team, not by id, so no listing reveals the order of submission.
        ordering = ["team_id", "audience"]
        indexes = [models.Index(fields=["wave", "team", "audience"])]

    def __str__(self) -> str:
        return f"response to {self.wave_id}"


class WaveRelease(models.Model):
    """Which results of a closed wave are published: the suppression rules and the integer
    attacker's decision (docs/survey-results.md, "Disclosure audit"), made once and stored so
    every screen, the CSV, the barrier profile and the report show the same cells.

    ``stamp`` identifies the responses and settings the decision was made on; a wave whose
    stamp no longer matches (reopened, threshold changed) is decided again. ``decision``
    holds only which groups are hidden and why, never a figure."""

    wave = models.OneToOneField(Wave, on_delete=models.CASCADE, related_name="release")
    stamp = models.CharField(max_length=200)
    decision = models.JSONField(default=dict)
    passed = models.BooleanField(default=True)
    added = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("results release")
        verbose_name_plural = _("results releases")

    def __str__(self) -> str:
        return f"release of {self.wave_id}"

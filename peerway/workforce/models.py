"""The peer workforce: profiles with worker-controlled disclosure, supervision, wellbeing.

A peer worker is a user holding the peer support worker role on one or more teams; those
memberships are the worker's placements (``selectors.placements``). Employment details
live on ``WorkerProfile``; lived-experience and identity attributes live in
``DisclosedAttribute`` rows, each with a visibility only the worker sets. Values are
stored encrypted: the database never holds them in clear.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.crypto import EncryptedTextField
from peerway.core.models import Organization


class ContractType(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    TERM = "term", _("Term")
    CASUAL = "casual", _("Casual")


class EmploymentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEAVE = "leave", _("On leave")
    ENDED = "ended", _("Ended")


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private: only me")
    MATCHING = "matching", _("Matching only: used to suggest matches, never shown")
    TEAM = "team", _("Shared with my team")


class AttributeKind(models.TextChoices):
    EXPERIENCE = "experience", _("Lived experience")
    GENDER = "gender", _("Gender")
    CULTURAL_COMMUNITY = "cultural_community", _("Cultural community")
    AGE_BAND = "age_band", _("Age group")
    LGBTQ = "lgbtq", _("2SLGBTQ+")
    SELF_DESCRIBED = "self_described", _("In my own words")


class ExperienceDomain(models.TextChoices):
    MENTAL_HEALTH = "mental_health", _("Mental health")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    FAMILY = "family", _("Family member or caregiver")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")
    TWO_SPIRIT = "two_spirit", _("Two-Spirit")
    ANOTHER = "another", _("Another gender")


class AgeBand(models.TextChoices):
    UNDER_25 = "18-24", _("18 to 24")
    AGE_25 = "25-34", _("25 to 34")
    AGE_35 = "35-44", _("35 to 44")
    AGE_45 = "45-54", _("45 to 54")
    AGE_55 = "55-64", _("55 to 64")
    AGE_65 = "65+", _("65 or over")


class YesNo(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")


class WorkerProfile(models.Model):
    """Employment of one peer worker in one organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="worker_profiles"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worker_profiles"
    )
    fte = models.DecimalField(
        _("FTE"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("1.00"))],
    )
    contract_type = models.CharField(
        _("contract type"),
        max_length=20,
        choices=ContractType.choices,
        default=ContractType.PERMANENT,
    )
    pay_band = models.CharField(_("pay band"), max_length=40, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EmploymentStatus.choices,
        default=EmploymentStatus.ACTIVE,
    )
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="supervised_profiles"
    )
    supervision_every_days = models.PositiveSmallIntegerField(
        _("supervision every (days)"), null=True, blank=True
    )
    # Wellbeing choices belong to the worker alone.
    share_wellbeing = models.BooleanField(_("share my check-in results"), default=False)
    wellbeing_alert = models.BooleanField(_("alert my supervisor"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="worker_profile_unique")
        ]
        verbose_name = _("peer worker profile")
        verbose_name_plural = _("peer worker profiles")

    def __str__(self) -> str:
        return str(self.user)

    def language_list(self) -> list[str]:
        return [x.strip() for x in self.languages.split(",") if x.strip()]


class DisclosedAttribute(models.Model):
    """One lived-experience or identity attribute, at the visibility the worker chose."""

    profile = models.ForeignKey(WorkerProfile, on_delete=models.CASCADE, related_name="attributes")
    kind = models.CharField(max_length=30, choices=AttributeKind.choices)
    # Codes (comma-separated for lived experience) or the worker's own words: encrypted.
    value = EncryptedTextField()
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "kind"], name="disclosed_attribute_unique")
        ]

    def __str__(self) -> str:
        return f"{self.profile_id}:{self.kind}"


class SupervisorProfile(models.Model):
    """What a supervisor says about themselves; used only in aggregate shares."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="supervisor_profiles"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisor_profiles"
    )
    has_peer_experience = models.BooleanField(_("I have worked as a peer worker"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="supervisor_profile_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class SessionType(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("Administrative")
    PEER_PRACTICE = "peer_practice", _("Peer practice")
    GROUP = "group", _("Group")


class SupervisionTopic(models.TextChoices):
    BOUNDARIES = "boundaries", _("Boundaries")
    DRIFT = "drift", _("Role drift")
    WELLBEING = "wellbeing", _("Wellbeing")
    RISK = "risk", _("Risk")
    DEVELOPMENT = "development", _("Development")


class SupervisionSession(models.Model):
    """One supervision session of one worker (a group session gives one row per worker)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="supervision_sessions"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_received"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_given"
    )
    session_type = models.CharField(_("type"), max_length=20, choices=SessionType.choices)
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    topics = models.JSONField(_("topics"), default=list, blank=True)
    # Readable only by this supervisor and this worker.
    notes = EncryptedTextField(_("notes"), blank=True)
    by_peer_experienced = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.session_type}"

    def topic_labels(self) -> list[str]:
        labels = dict(SupervisionTopic.choices)
        return [str(labels.get(t, t)) for t in self.topics]


class WellbeingCheckIn(models.Model):
    """A completed check-in. Scores are encrypted; only completion and whether an alert the
    worker opted into was raised are stored in clear."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="wellbeing_checkins"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wellbeing_checkins"
    )
    completed_on = models.DateField(default=timezone.localdate)
    instrument_version = models.CharField(max_length=20)
    # JSON: {"personal": 41.7, "work": 50.0, "client": 25.0, "satisfaction": 4}
    results = EncryptedTextField()
    alert_raised = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on", "-pk"]

    def __str__(self) -> str:
        return f"check-in {self.completed_on}"


class WellbeingSettings(models.Model):
    """What a peer worker is offered when a check-in shows high burnout: the organization's
    support resources (employee assistance programme, peer network contact), set by a
    manager or administrator. Empty text: Peerway's default wording is shown."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="wellbeing_settings"
    )
    support_resources = models.TextField(_("support resources"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("wellbeing settings")
        verbose_name_plural = _("wellbeing settings")

    def __str__(self) -> str:
        return f"wellbeing settings {self.organization_id}"


class AccommodationStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    AGREED = "agreed", _("Agreed")
    ENDED = "ended", _("Ended")


class Accommodation(models.Model):
    """A workplace accommodation: seen by the worker, their supervisor and HR only."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="accommodations"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="accommodations"
    )
    request = EncryptedTextField(_("what is needed"))
    adjustments = EncryptedTextField(_("agreed adjustments"), blank=True)
    review_date = models.DateField(_("review date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AccommodationStatus.choices,
        default=AccommodationStatus.REQUESTED,
    )
    requested_on = models.DateField(default=timezone.localdate)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_on", "-pk"]

    def __str__(self) -> str:
        return f"accommodation {self.pk}"


class RecordKind(models.TextChoices):
    COURSE = "course", _("Course")
    CERTIFICATION = "certification", _("Certification")


class Credential(models.TextChoices):
    """Peer Support Canada certifications; "other" for any other certificate."""

    PSC_PEER = "psc_peer", _("Peer Support Canada: Certified Peer Supporter")
    PSC_FAMILY = "psc_family", _("Peer Support Canada: Certified Family Peer Supporter")
    PSC_MENTOR = "psc_mentor", _("Peer Support Canada: Certified Peer Support Mentor")
    OTHER = "other", _("Other certificate")


class CompetencyArea(models.TextChoices):
    """Training areas of the MHCC Guidelines for the Practice and Training of Peer Support
    (Sunderland & Mishkin 2013), plus training on the peer role for other staff."""

    RECOVERY = "recovery", _("Recovery concepts")
    LIVED_EXPERIENCE = "lived_experience", _("Purposeful use of lived experience")
    COMMUNICATION = "communication", _("Communication")
    BOUNDARIES = "boundaries", _("Relationships and boundaries")
    SELF_CARE = "self_care", _("Self-care")
    DIVERSITY = "diversity", _("Diversity and cultural safety")
    TRAUMA = "trauma", _("Trauma-informed practice")
    CRISIS = "crisis", _("Crisis and suicide response")
    ETHICS = "ethics", _("Ethics, confidentiality and documentation")
    ADVOCACY = "advocacy", _("Advocacy and navigation")
    TEAMWORK = "teamwork", _("Working in a team")
    PEER_ROLE = "peer_role", _("The peer role (for other staff and supervisors)")


class TrainingRecord(models.Model):
    """A course or certification completed by a member of staff."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="training_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_records"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    title = models.CharField(_("title"), max_length=200)
    credential = models.CharField(
        _("certification"), max_length=20, choices=Credential.choices, blank=True
    )
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    competency_areas = models.JSONField(_("competency areas"), default=list, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    def area_labels(self) -> list[str]:
        labels = dict(CompetencyArea.choices)
        return [str(labels.get(a, a)) for a in self.competency_areas]


class Notification(models.Model):
    """An in-app message to one person. The text is rendered from ``kind`` and ``params``
    in the reader's language; ``key`` makes each reminder unique."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.key


class NetworkEvent(models.Model):
    """A peer network (community of practice) gathering, with who attended."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="network_events"
    )
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    description = models.TextField(_("description"), blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="network_events"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return self.title

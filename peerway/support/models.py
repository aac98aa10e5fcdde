"""The peer support service: people supported, consent, referrals, matches, peer
relationships and contacts.

Privacy by construction:
- a person is known by a random pseudonymous code; a name is optional, stored encrypted,
  and found only through a keyed blind index;
- free text about a person (referral reason, contact notes) is encrypted at rest;
- consent is an append-only record per purpose; the current state is the latest record.
"""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.crypto import EncryptedTextField, blind_index
from peerway.core.models import Organization, Team, User

# Unambiguous characters for person codes (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 7
NAME_INDEX_PURPOSE = "person-name"


def new_person_code() -> str:
    return "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    SPANISH = "es", _("Spanish")
    ARABIC = "ar", _("Arabic")
    CHINESE = "zh", _("Chinese")
    PUNJABI = "pa", _("Punjabi")
    CREE = "cr", _("Cree")
    OTHER = "other", _("Another language")


class PersonStatus(models.TextChoices):
    REFERRED = "referred", _("Referred")
    ACTIVE = "active", _("Receiving peer support")
    CLOSED = "closed", _("Closed")


class Person(models.Model):
    """Someone the peer service supports (or has been asked to)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="people")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="people", verbose_name=_("team")
    )
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_person_code)
    name = EncryptedTextField(_("name (optional)"), blank=True)
    name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    year_of_birth = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.ENGLISH
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PersonStatus.choices, default=PersonStatus.REFERRED
    )
    # Hospital identifier (e.g. a medical record number) for matching imported hospital
    # events; stored only as a keyed hash.
    hospital_id_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("person supported")
        verbose_name_plural = _("people supported")

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.name_index = blind_index(self.name, purpose=NAME_INDEX_PURPOSE) if self.name else ""
        super().save(*args, **kwargs)

    @property
    def site(self):
        return self.team.site

    @property
    def site_id(self) -> int:
        return self.team.site_id

    @staticmethod
    def name_lookup(text: str) -> str:
        return blind_index(text, purpose=NAME_INDEX_PURPOSE)

    @staticmethod
    def hospital_id_lookup(text: str) -> str:
        return blind_index(text.strip(), purpose="hospital-id")


class PreferenceAttribute(models.TextChoices):
    GENDER = "gender", _("Gender of the peer worker")
    LIVED_EXPERIENCE = "lived_experience", _("Shared lived experience")
    CULTURAL_COMMUNITY = "cultural_community", _("Cultural community")
    AGE_BAND = "age_band", _("Age group of the peer worker")
    LANGUAGE = "language", _("Language")


class PreferenceStrength(models.TextChoices):
    REQUIRED = "required", _("Required")
    PREFERRED = "preferred", _("Preferred")


class PersonPreference(models.Model):
    """A wish about the peer worker, required (a hard constraint) or preferred."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="preferences")
    attribute = models.CharField(max_length=30, choices=PreferenceAttribute.choices)
    value = models.CharField(max_length=100)
    strength = models.CharField(
        max_length=10, choices=PreferenceStrength.choices, default=PreferenceStrength.PREFERRED
    )

    class Meta:
        ordering = ["person", "attribute"]
        constraints = [
            models.UniqueConstraint(fields=["person", "attribute"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.attribute}={self.value} ({self.strength})"


class ConsentPurpose(models.TextChoices):
    PEER_SUPPORT = "peer_support", _("Receive peer support")
    SHARE_NOTES = "share_notes", _("Share notes with the clinical team")
    EVALUATION = "evaluation", _("Use of de-identified data for evaluation")
    CONTACT = "contact", _("Contact by phone or text")


class ConsentRecord(models.Model):
    """One decision about one purpose. Append-only: the latest record per purpose holds."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    given = models.BooleanField(_("given"))
    decided_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "purpose", "-decided_on", "-recorded_at", "-pk"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self) -> str:
        return f"{self.purpose}: {'given' if self.given else 'withdrawn'} {self.decided_on}"


class ReferralSource(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    SELF = "self", _("Self-referral")
    FAMILY = "family", _("Family or friend")
    TRIGGER = "trigger", _("Eligibility trigger (hospital use)")


class Urgency(models.TextChoices):
    # The response target of each level is set per organization (ReferralSettings), so the
    # labels carry no number of hours or days.
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Soon")
    URGENT = "urgent", _("Urgent")


# Most urgent first: the order of the matching queue and the referral lists.
URGENCY_RANK = {Urgency.URGENT: 0, Urgency.SOON: 1, Urgency.ROUTINE: 2}


class ReferralState(models.TextChoices):
    AWAITING_CONSENT = "consent_pending", _("Waiting for consent")
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    FIRST_CONTACT = "first_contact", _("First contact made")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


# The moves a person may make by hand (docs/service.md). Recording consent to receive
# peer support moves a referral waiting for consent to "new"; withdrawing it moves a new or
# triaged referral back to waiting (services.record_consent), never by hand.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReferralState.AWAITING_CONSENT: (ReferralState.CLOSED,),
    ReferralState.NEW: (ReferralState.TRIAGED, ReferralState.CLOSED),
    ReferralState.TRIAGED: (ReferralState.OFFERED, ReferralState.CLOSED),
    ReferralState.OFFERED: (ReferralState.ACCEPTED, ReferralState.DECLINED),
    ReferralState.ACCEPTED: (ReferralState.FIRST_CONTACT, ReferralState.CLOSED),
    ReferralState.DECLINED: (ReferralState.CLOSED, ReferralState.TRIAGED),
    ReferralState.FIRST_CONTACT: (ReferralState.ACTIVE, ReferralState.CLOSED),
    ReferralState.ACTIVE: (ReferralState.CLOSED,),
    ReferralState.CLOSED: (),
}
OPEN_STATES = (ReferralState.NEW, ReferralState.TRIAGED)
# Still waiting for a first contact: what the response target is about (a referral in one
# of these states after its due time is overdue).
WAITING_STATES = (
    ReferralState.AWAITING_CONSENT,
    ReferralState.NEW,
    ReferralState.TRIAGED,
    ReferralState.OFFERED,
    ReferralState.ACCEPTED,
    ReferralState.DECLINED,
)
# The states a referral reaches only with the person's consent to receive peer support.
CONSENTED_STATES = (
    ReferralState.TRIAGED,
    ReferralState.OFFERED,
    ReferralState.ACCEPTED,
    ReferralState.FIRST_CONTACT,
    ReferralState.ACTIVE,
)

# Default response targets in hours (docs/service.md): urgent within 48 hours, soon within
# a week, routine within two weeks.
DEFAULT_TARGET_HOURS = {Urgency.URGENT: 48, Urgency.SOON: 7 * 24, Urgency.ROUTINE: 14 * 24}
MAX_TARGET_HOURS = 90 * 24


class ReferralSettings(models.Model):
    """Per-organization response targets: how soon a referral of each urgency must reach a
    first contact. Without a row, the defaults apply."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="referral_settings"
    )
    urgent_hours = models.PositiveIntegerField(
        _("urgent: first contact within (hours)"),
        default=DEFAULT_TARGET_HOURS[Urgency.URGENT],
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_HOURS)],
    )
    soon_hours = models.PositiveIntegerField(
        _("soon: first contact within (hours)"),
        default=DEFAULT_TARGET_HOURS[Urgency.SOON],
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_HOURS)],
    )
    routine_hours = models.PositiveIntegerField(
        _("routine: first contact within (hours)"),
        default=DEFAULT_TARGET_HOURS[Urgency.ROUTINE],
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_HOURS)],
    )
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("referral response targets")
        verbose_name_plural = _("referral response targets")

    def __str__(self) -> str:
        return f"referral targets of {self.organization_id}"

    def hours(self) -> dict[str, int]:
        return {
            Urgency.URGENT: self.urgent_hours,
            Urgency.SOON: self.soon_hours,
            Urgency.ROUTINE: self.routine_hours,
        }


class Referral(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("team")
    )
    source = models.CharField(_("source"), max_length=12, choices=ReferralSource.choices)
    referred_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals_made",
        verbose_name=_("referring clinician"),
    )
    reason = EncryptedTextField(_("reason for referral"), blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    state = models.CharField(
        _("state"), max_length=15, choices=ReferralState.choices, default=ReferralState.NEW
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.person.code} · {self.created_at:%Y-%m-%d}"

    @property
    def organization_id(self) -> int:
        return self.person.organization_id

    @property
    def site_id(self) -> int:
        return self.team.site_id

    def can_move_to(self, state: str) -> bool:
        return state in TRANSITIONS.get(self.state, ())

    @property
    def awaiting_consent(self) -> bool:
        return self.state == ReferralState.AWAITING_CONSENT


class ReferralEvent(models.Model):
    """The time and reason of each state a referral passed through."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(max_length=15, choices=ReferralState.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = EncryptedTextField(_("reason"), blank=True)

    class Meta:
        ordering = ["referral", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.state} {self.at:%Y-%m-%d %H:%M}"


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Match(models.Model):
    """A proposed or decided pairing of a referral with a peer worker."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="matches")
    worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="matches")
    score = models.FloatField(null=True, blank=True)
    # Solver reasons (codes and values a reader may see; never a matching-only attribute).
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=MatchStatus.choices, default=MatchStatus.PROPOSED
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    edited = models.BooleanField(default=False)  # the supervisor chose another worker

    class Meta:
        ordering = ["-proposed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} → {self.worker_id} ({self.status})"

    @property
    def team(self):
        return self.referral.team


class PeerRelationship(models.Model):
    """A person and their peer worker, from acceptance to the end of support."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relationships")
    worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="peer_relationships")
    referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="relationship"
    )
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "worker"],
                condition=models.Q(ended_on__isnull=True),
                name="one_open_relationship_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.code} ↔ {self.worker_id}"

    @property
    def team(self):
        return self.person.team

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class Modality(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")
    TEXT = "text", _("Text message")


class Setting(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital ward")
    EMERGENCY = "emergency", _("Emergency department")
    CLINIC = "clinic", _("Clinic or office")
    HOME = "home", _("The person's home")
    COMMUNITY = "community", _("Community")
    REMOTE = "remote", _("Remote")


class ContactType(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one")
    GROUP = "group", _("Group")
    NAVIGATION = "navigation", _("Navigation or accompaniment")
    PHONE_FOLLOW_UP = "phone_follow_up", _("Telephone follow-up")
    POST_DISCHARGE = "post_discharge", _("Post-discharge")


class ChimeDomain(models.TextChoices):
    CONNECTEDNESS = "connectedness", _("Connectedness")
    HOPE = "hope", _("Hope and optimism")
    IDENTITY = "identity", _("Identity")
    MEANING = "meaning", _("Meaning in life")
    EMPOWERMENT = "empowerment", _("Empowerment")


class Contact(models.Model):
    """One encounter logged by a peer worker, with one person or a group."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="contacts")
    worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="contacts")
    people = models.ManyToManyField(Person, related_name="contacts")
    date = models.DateField(_("date"), db_index=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    modality = models.CharField(_("how"), max_length=12, choices=Modality.choices)
    setting = models.CharField(_("where"), max_length=12, choices=Setting.choices)
    contact_type = models.CharField(_("type"), max_length=20, choices=ContactType.choices)
    # Codes from the approved role definition's taxonomy (out-of-scope tasks included).
    activities = models.JSONField(_("activities"), default=list)
    chime = models.JSONField(_("CHIME domains"), default=list, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["worker", "date"]), models.Index(fields=["team", "date"])]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.date} {self.duration_minutes} min"


class DeclaredConflict(models.Model):
    """A peer worker who must never be matched with this person (a conflict of interest or
    a dual relationship, e.g. a relative, neighbour or former partner). A hard constraint
    for matching; the reason is stored encrypted."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="conflicts")
    worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "recorded_at"]
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [
            models.UniqueConstraint(fields=["person", "worker"], name="one_conflict_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.person.code} ✕ {self.worker_id}"

"""Writes of the peer support service. Keyword-only, one transaction each, audited (no
names, reasons or notes in audit details)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.models import Team, User

from .models import (
    ConsentPurpose,
    ConsentRecord,
    Person,
    PersonPreference,
    PreferenceAttribute,
    PreferenceStrength,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralState,
    Urgency,
)


def record_consent(
    *, actor: User, person: Person, purpose: str, given: bool, decided_on: dt.date | None = None
) -> ConsentRecord:
    """Record a decision; it takes effect at once (every check reads the latest record)."""
    if not actor.has_perm("support.change_person", person):
        raise PermissionDenied
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown consent purpose.")})
    decided_on = decided_on or timezone.localdate()
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The date cannot be in the future.")})
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            person=person, purpose=purpose, given=given, decided_on=decided_on, recorded_by=actor
        )
        audit.record(
            actor=actor,
            action="support.consent_given" if given else "support.consent_withdrawn",
            obj=person,
            details={"purpose": purpose},
        )
    return record


def set_preferences(*, actor: User, person: Person, preferences: dict[str, tuple[str, str]]):
    """Replace the person's preferences: {attribute: (value, strength)}."""
    if not actor.has_perm("support.change_person", person):
        raise PermissionDenied
    for attribute, (value, strength) in preferences.items():
        if attribute not in PreferenceAttribute.values:
            raise ValidationError({attribute: _("Unknown preference.")})
        if strength not in PreferenceStrength.values:
            raise ValidationError({attribute: _("Choose required or preferred.")})
        if not str(value).strip():
            raise ValidationError({attribute: _("Choose a value or remove the preference.")})
    with transaction.atomic():
        # The person's row is locked first: two replacements run one after the other (each
        # delete then sees the other's new rows), never leaving both sets or a clash.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        person.preferences.all().delete()
        PersonPreference.objects.bulk_create(
            PersonPreference(person=person, attribute=a, value=str(v).strip(), strength=s)
            for a, (v, s) in preferences.items()
        )
        audit.record(
            actor=actor,
            action="support.preferences_set",
            obj=person,
            details={"attributes": sorted(preferences)},
        )


def update_person(
    *,
    actor: User,
    person: Person,
    name: str,
    year_of_birth: int | None,
    language: str,
    preferences: dict[str, tuple[str, str]],
) -> Person:
    if not actor.has_perm("support.change_person", person):
        raise PermissionDenied
    if year_of_birth is not None and not (1900 <= year_of_birth <= timezone.localdate().year):
        raise ValidationError({"year_of_birth": _("Enter a year between 1900 and this year.")})
    with transaction.atomic():
        # Compared with the locked row, not with the page's copy (docs/decisions.md §18).
        person.refresh_from_db(from_queryset=Person.objects.select_for_update())
        changed = []
        for field, value in (
            ("name", name.strip()),
            ("year_of_birth", year_of_birth),
            ("language", language),
        ):
            if getattr(person, field) != value:
                setattr(person, field, value)
                changed.append(field)
        if changed:
            person.save()
            audit.record(
                actor=actor,
                action="support.person_updated",
                obj=person,
                details={"fields": changed},
            )
        current = {p.attribute: (p.value, p.strength) for p in person.preferences.all()}
        if current != preferences:
            set_preferences(actor=actor, person=person, preferences=preferences)
    return person


def create_referral(
    *,
    actor: User,
    team: Team,
    source: str,
    reason: str = "",
    urgency: str = Urgency.ROUTINE,
    person: Person | None = None,
    name: str = "",
    year_of_birth: int | None = None,
    language: str = "en",
    preferences: dict[str, tuple[str, str]] | None = None,
    consent_given: bool = False,
) -> Referral:
    """Refer a new or known person to a team. A new person gets a code; the name is
    optional. Recording consent to receive peer support is part of the referral."""
    if not actor.has_perm("support.refer", team):
        raise PermissionDenied
    if source not in ReferralSource.values:
        raise ValidationError({"source": _("Unknown referral source.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Unknown urgency.")})
    if year_of_birth is not None and not (1900 <= year_of_birth <= timezone.localdate().year):
        raise ValidationError({"year_of_birth": _("Enter a year between 1900 and this year.")})
    with transaction.atomic():
        if person is None:
            person = Person.objects.create(
                organization=team.site.organization,
                team=team,
                name=name.strip(),
                year_of_birth=year_of_birth,
                language=language,
                created_by=actor,
            )
            audit.record(actor=actor, action="support.person_created", obj=person)
        elif person.organization_id != team.site.organization_id:
            raise ValidationError({"team": _("Choose a team of the person's organization.")})
        referral = Referral.objects.create(
            person=person,
            team=team,
            source=source,
            referred_by=actor if source == ReferralSource.CLINICIAN else None,
            reason=reason.strip(),
            urgency=urgency,
        )
        ReferralEvent.objects.create(referral=referral, state=ReferralState.NEW, actor=actor)
        if preferences:
            set_preferences(actor=actor, person=person, preferences=preferences)
        if consent_given:
            record_consent(
                actor=actor, person=person, purpose=ConsentPurpose.PEER_SUPPORT, given=True
            )
        audit.record(
            actor=actor,
            action="support.referral_created",
            obj=referral,
            details={"source": source, "urgency": urgency},
        )
    return referral


def move_referral(*, actor: User, referral: Referral, state: str, reason: str = "") -> Referral:
    """Move a referral to its next state, keeping the time and the reason."""
    if not actor.has_perm("support.manage_referrals", referral):
        raise PermissionDenied
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.state == state:
            return referral  # a repeated request (double submit): already done, once
        if not referral.can_move_to(state):
            raise ValidationError(
                {
                    "state": _("A referral cannot go from “%(from)s” to “%(to)s”.")
                    % {"from": referral.get_state_display(), "to": ReferralState(state).label}
                }
            )
        if state in (ReferralState.DECLINED, ReferralState.CLOSED) and not reason.strip():
            raise ValidationError({"reason": _("Give the reason.")})
        referral.state = state
        referral.updated_at = timezone.now()
        referral.save(update_fields=["state", "updated_at"])
        ReferralEvent.objects.create(
            referral=referral, state=state, actor=actor, reason=reason.strip()
        )
        audit.record(
            actor=actor, action="support.referral_moved", obj=referral, details={"state": state}
        )
    return referral


def declare_conflict(*, actor: User, person: Person, worker: User, reason: str = ""):
    """Record that ``worker`` must never be matched with ``person``."""
    from .models import DeclaredConflict

    if not actor.has_perm("support.manage_conflicts", person):
        raise PermissionDenied
    if not worker.memberships.filter(organization=person.organization, role="peer_worker").exists():
        raise ValidationError({"worker": _("Choose a peer worker of this organization.")})
    with transaction.atomic():
        conflict, created = DeclaredConflict.objects.get_or_create(
            person=person,
            worker=worker,
            defaults={"reason": reason.strip(), "recorded_by": actor},
        )
        if created:
            audit.record(
                actor=actor,
                action="support.conflict_declared",
                obj=person,
                details={"worker": worker.pk},
            )
    return conflict

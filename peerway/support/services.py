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
    CONSENTED_STATES,
    MAX_TARGET_HOURS,
    OPEN_STATES,
    ConsentPurpose,
    ConsentRecord,
    Person,
    PersonPreference,
    PreferenceAttribute,
    PreferenceStrength,
    Referral,
    ReferralEvent,
    ReferralSettings,
    ReferralSource,
    ReferralState,
    Urgency,
)


def no_consent_error(referral: Referral, field: str = "referral") -> ValidationError:
    """The refusal every gated step gives for a referral without consent."""
    return ValidationError(
        {
            field: _(
                "%(code)s has not agreed to be contacted about peer support: record their "
                "consent on the referral first."
            )
            % {"code": referral.person.code}
        }
    )


def require_consent(referral: Referral, field: str = "referral") -> None:
    """Refuse a step that needs the person's consent to receive peer support."""
    from .selectors import has_consent

    if referral.state == ReferralState.AWAITING_CONSENT or not has_consent(
        referral.person, ConsentPurpose.PEER_SUPPORT
    ):
        raise no_consent_error(referral, field)


def _step(referral: Referral, state: str, actor: User | None, reason: str = "") -> None:
    referral.state = state
    referral.updated_at = timezone.now()
    referral.save(update_fields=["state", "updated_at"])
    ReferralEvent.objects.create(referral=referral, state=state, actor=actor, reason=reason)
    audit.record(
        actor=actor,
        action="support.referral_moved",
        obj=referral,
        details={"state": state, "by": "consent"},
    )


def _follow_consent(*, actor: User, person: Person) -> None:
    """Move the person's referrals to match their current consent to receive peer support:
    waiting referrals enter the normal flow once it is given; new and triaged ones go back
    to waiting when it is withdrawn (their undecided proposals are dropped). Later states
    are left as they are, but every gated step checks the consent again."""
    from .models import Match, MatchStatus
    from .selectors import has_consent

    referrals = Referral.objects.select_for_update().filter(person=person)
    if has_consent(person, ConsentPurpose.PEER_SUPPORT):
        for referral in referrals.filter(state=ReferralState.AWAITING_CONSENT):
            _step(referral, ReferralState.NEW, actor)
    else:
        for referral in referrals.filter(state__in=OPEN_STATES):
            Match.objects.filter(referral=referral, status=MatchStatus.PROPOSED).delete()
            _step(referral, ReferralState.AWAITING_CONSENT, actor)


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
        if purpose == ConsentPurpose.PEER_SUPPORT:
            _follow_consent(actor=actor, person=person)
    return record


def record_referral_consent(
    *, actor: User, referral: Referral, decided_on: dt.date | None = None
) -> Referral:
    """The person agreed to be contacted about peer support: record it (dated, with who
    recorded it) and let a referral waiting for consent into the normal flow."""
    if not actor.has_perm("support.change_person", referral.person):
        raise PermissionDenied
    if referral.state != ReferralState.AWAITING_CONSENT:
        raise ValidationError({"referral": _("This referral is not waiting for consent.")})
    with transaction.atomic():
        record_consent(
            actor=actor,
            person=referral.person,
            purpose=ConsentPurpose.PEER_SUPPORT,
            given=True,
            decided_on=decided_on,
        )
        referral.refresh_from_db()
    return referral


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
    name: str | None,
    year_of_birth: int | None,
    language: str,
    preferences: dict[str, tuple[str, str]],
) -> Person:
    """``name=None`` keeps the name as it is (a role that does not see names)."""
    if not actor.has_perm("support.change_person", person):
        raise PermissionDenied
    if year_of_birth is not None and not (1900 <= year_of_birth <= timezone.localdate().year):
        raise ValidationError({"year_of_birth": _("Enter a year between 1900 and this year.")})
    with transaction.atomic():
        # Compared with the locked row, not with the page's copy (docs/decisions.md §20).
        person.refresh_from_db(from_queryset=Person.objects.select_for_update())
        changed = []
        for field, value in (
            ("name", person.name if name is None else name.strip()),
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
    consent_decided_on: dt.date | None = None,
) -> Referral:
    """Refer a new or known person to a team. A new person gets a code; the name is
    optional. The person's agreement to be contacted is recorded as consent to receive
    peer support; without it (now or from before), the referral waits for consent."""
    if not actor.has_perm("support.refer", team):
        raise PermissionDenied
    if source not in ReferralSource.values:
        raise ValidationError({"source": _("Unknown referral source.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Unknown urgency.")})
    if year_of_birth is not None and not (1900 <= year_of_birth <= timezone.localdate().year):
        raise ValidationError({"year_of_birth": _("Enter a year between 1900 and this year.")})
    if consent_decided_on is not None and consent_decided_on > timezone.localdate():
        raise ValidationError({"consent_decided_on": _("The date cannot be in the future.")})
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
        from .selectors import has_consent

        if consent_given:
            record_consent(
                actor=actor,
                person=person,
                purpose=ConsentPurpose.PEER_SUPPORT,
                given=True,
                decided_on=consent_decided_on,
            )
        consented = has_consent(person, ConsentPurpose.PEER_SUPPORT)
        state = ReferralState.NEW if consented else ReferralState.AWAITING_CONSENT
        referral = Referral.objects.create(
            person=person,
            team=team,
            source=source,
            referred_by=actor if source == ReferralSource.CLINICIAN else None,
            reason=reason.strip(),
            urgency=urgency,
            state=state,
        )
        ReferralEvent.objects.create(referral=referral, state=state, actor=actor)
        if preferences:
            set_preferences(actor=actor, person=person, preferences=preferences)
        audit.record(
            actor=actor,
            action="support.referral_created",
            obj=referral,
            details={"source": source, "urgency": urgency, "consent": consented},
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
        if state in CONSENTED_STATES:
            require_consent(referral, field="state")
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


def update_response_targets(
    *, actor: User, organization, urgent_hours: int, soon_hours: int, routine_hours: int
) -> ReferralSettings:
    """Set how soon a referral of each urgency must reach a first contact."""
    if not actor.has_perm("support.manage_settings", organization):
        raise PermissionDenied
    values = {
        "urgent_hours": urgent_hours,
        "soon_hours": soon_hours,
        "routine_hours": routine_hours,
    }
    errors = {}
    for name, value in values.items():
        if value is None or not 1 <= int(value) <= MAX_TARGET_HOURS:
            errors[name] = _("Enter a whole number of hours from 1 to %(max)d.") % {
                "max": MAX_TARGET_HOURS
            }
    if not errors and not urgent_hours <= soon_hours <= routine_hours:
        errors["soon_hours"] = _(
            "An urgent referral cannot wait longer than a soon one, nor a soon one longer "
            "than a routine one."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, _created = ReferralSettings.objects.select_for_update().get_or_create(
            organization=organization
        )
        for name, value in values.items():
            setattr(row, name, int(value))
        row.updated_by = actor
        row.updated_at = timezone.now()
        row.save()
        audit.record(
            actor=actor,
            action="support.response_targets_updated",
            obj=organization,
            details=values,
        )
    return row

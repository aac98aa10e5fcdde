"""Writes of contacts. Keyword-only, one transaction each, audited with field names and
codes only (never the note), and the rollups updated in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.locking import relock
from peerway.core.models import Team, User
from peerway.indicators import versions
from peerway.planning import taxonomy
from peerway.support.models import (
    ChimeDomain,
    Contact,
    ContactType,
    Modality,
    Person,
    Setting,
)

from . import rollups
from .selectors import caseload_people

MAX_MINUTES = 720
EDITABLE = (
    "date",
    "duration_minutes",
    "modality",
    "setting",
    "contact_type",
    "activities",
    "chime",
    "note",
)


def _validate(
    *, actor: User, team: Team, people: list[Person], values: dict, kept: frozenset = frozenset()
) -> None:
    """Name every bad field at once; raise before anything is written."""
    errors: dict[str, list[str]] = {}
    day = values.get("date")
    if not isinstance(day, dt.date):
        errors["date"] = [_("Enter a date.")]
    elif day > timezone.localdate():
        errors["date"] = [_("The date cannot be in the future.")]
    minutes = values.get("duration_minutes")
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        errors["duration_minutes"] = [
            _("Enter a duration from 1 to %(max)s minutes.") % {"max": MAX_MINUTES}
        ]
    for name, choices in (
        ("modality", Modality.values),
        ("setting", Setting.values),
        ("contact_type", ContactType.values),
    ):
        if values.get(name) not in choices:
            errors[name] = [_("Choose one of the options.")]
    activities = list(values.get("activities") or [])
    unknown = sorted(set(activities) - taxonomy.codes())
    if not activities:
        errors["activities"] = [_("Choose at least one activity.")]
    elif unknown:
        errors["activities"] = [_("Unknown activity: %(codes)s.") % {"codes": ", ".join(unknown)}]
    if set(values.get("chime") or []) - set(ChimeDomain.values):
        errors["chime"] = [_("Unknown CHIME domain.")]
    if not people:
        errors["people"] = [_("Choose at least one person.")]
    else:
        # ``kept``: people already on a contact being corrected stay allowed after they
        # leave the caseload.
        allowed = set(caseload_people(actor, team).values_list("pk", flat=True)) | kept
        if any(p.pk not in allowed for p in people):
            errors["people"] = [_("Only people in your caseload on this team can be chosen.")]
    if errors:
        raise ValidationError(errors)


def _clean_lists(values: dict) -> dict:
    values = dict(values)
    for name in ("activities", "chime"):
        if name in values:
            values[name] = sorted(set(values[name] or []))
    if "note" in values:
        values["note"] = (values["note"] or "").strip()
    return values


def log_contact(
    *,
    actor: User,
    team: Team,
    people: Iterable[Person],
    date: dt.date,
    duration_minutes: int,
    modality: str,
    setting: str,
    contact_type: str,
    activities: Iterable[str],
    chime: Iterable[str] = (),
    note: str = "",
) -> Contact:
    if not actor.has_perm("contacts.log_contact", team):
        raise PermissionDenied
    people = list(people)
    values = _clean_lists(
        {
            "date": date,
            "duration_minutes": duration_minutes,
            "modality": modality,
            "setting": setting,
            "contact_type": contact_type,
            "activities": list(activities),
            "chime": list(chime),
            "note": note,
        }
    )
    _validate(actor=actor, team=team, people=people, values=values)
    now = timezone.now()
    with transaction.atomic():
        # The dashboards' data versions (decision 32) raised once, after the rollups and
        # the referrals, so their rows are locked only for the end of the transaction.
        with versions.deferred():
            contact = Contact.objects.create(
                organization_id=team.site.organization_id,
                team=team,
                worker=actor,
                created_at=now,
                updated_at=now,
                **values,
            )
            # A new contact has no attendee yet: its rows are inserted without reading the
            # current ones. No m2m signal: the contact's own save has already raised the
            # contacts version of its organization in this transaction.
            through = Contact.people.through
            through.objects.bulk_create(
                [through(contact_id=contact.pk, person_id=pk) for pk in {p.pk: p for p in people}]
            )
            rollups.apply(rollups.Snapshot.of(contact, attendances=len(people)), +1)
            # A first contact moves the person's accepted referral on (docs/service.md).
            from peerway.support.matching_service import record_first_contacts

            record_first_contacts(actor=actor, people=people)
        audit.record(
            actor=actor,
            action="contacts.contact_logged",
            obj=contact,
            details={
                "people": len(people),
                "contact_type": contact.contact_type,
                "activities": contact.activities,
            },
        )
    return contact


def _gone() -> ValidationError:
    return ValidationError({"__all__": [_("This contact was deleted meanwhile.")]})


def update_contact(
    *, actor: User, contact: Contact, people: Iterable[Person] | None = None, **changes
) -> list[str]:
    """Correct a contact within the edit window. Returns the names of the fields changed."""
    if not actor.has_perm("contacts.change_contact", contact):
        raise PermissionDenied
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    with transaction.atomic():
        # The "before" state is the locked row's (docs/contacts.md, "Simultaneous changes").
        if not relock(contact):
            raise _gone()
        current_people = list(contact.people.all())
        new_people = current_people if people is None else list(people)
        values = {name: getattr(contact, name) for name in EDITABLE}
        values.update(_clean_lists(changes))
        _validate(
            actor=actor,
            team=contact.team,
            people=new_people,
            values=values,
            kept=frozenset(p.pk for p in current_people),
        )
        changed = [name for name in EDITABLE if values[name] != getattr(contact, name)]
        if {p.pk for p in new_people} != {p.pk for p in current_people}:
            changed.append("people")
        if not changed:
            return []
        before = rollups.Snapshot.of(contact, attendances=len(current_people))
        for name in EDITABLE:
            setattr(contact, name, values[name])
        contact.updated_at = timezone.now()
        contact.save()
        if "people" in changed:
            contact.people.set(new_people)
        rollups.change(before, rollups.Snapshot.of(contact, attendances=len(new_people)))
        audit.record(
            actor=actor,
            action="contacts.contact_edited",
            obj=contact,
            details={"fields": changed},
        )
    return changed


def delete_contact(*, actor: User, contact: Contact) -> bool:
    """Remove a contact logged by mistake (the author, within the edit window). Returns
    False, changing nothing, when the contact was already deleted (a second click, or
    another request that got there first)."""
    if not actor.has_perm("contacts.change_contact", contact):
        raise PermissionDenied
    with transaction.atomic():
        if not relock(contact):
            return False
        snapshot = rollups.Snapshot.of(contact)
        contact_id = contact.pk
        contact.people.clear()
        deleted, _counts = Contact.objects.filter(pk=contact_id).delete()
        if not deleted:
            return False
        rollups.apply(snapshot, -1)
        audit.record(
            actor=actor,
            action="contacts.contact_deleted",
            obj=contact,
            details={"contact": contact_id},
        )
    return True

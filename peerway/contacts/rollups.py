"""Keep ``ContactRollup`` rows in step with contacts, and rebuild them from scratch.

``apply`` is called by the contact services inside the transaction that writes the
contact, so a rollup never disagrees with committed contacts. ``rebuild`` recomputes
everything from raw contacts one day at a time (memory bounded by one day's rows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, F

from peerway.support.models import Contact

from .models import ALL_ACTIVITIES, ContactRollup
from .split import split_minutes


@dataclass(frozen=True)
class Snapshot:
    """What a contact contributes to the rollups (taken before and after a change)."""

    day: object
    organization_id: int
    team_id: int
    worker_id: int
    duration: int
    activities: tuple[str, ...]
    attendances: int

    @classmethod
    def of(cls, contact: Contact, attendances: int | None = None) -> Snapshot:
        if attendances is None:
            attendances = contact.people.count()
        return cls(
            day=contact.date,
            organization_id=contact.organization_id,
            team_id=contact.team_id,
            worker_id=contact.worker_id,
            duration=contact.duration_minutes,
            activities=tuple(contact.activities or ()),
            attendances=attendances,
        )

    def rows(self) -> Iterator[tuple[str, int, int, int]]:
        """(activity, contacts, minutes, attendances) this contact adds."""
        yield ALL_ACTIVITIES, 1, self.duration, self.attendances
        for code, minutes in split_minutes(self.duration, self.activities).items():
            yield code, 1, minutes, 0


def apply(snapshot: Snapshot, sign: int) -> None:
    """Add (sign=1) or remove (sign=-1) one contact's share. Call inside the write's
    transaction."""
    key = {
        "day": snapshot.day,
        "team_id": snapshot.team_id,
        "worker_id": snapshot.worker_id,
    }
    for activity, contacts, minutes, attendances in snapshot.rows():
        rows = ContactRollup.objects.filter(**key, activity=activity)
        updated = rows.update(
            contacts=F("contacts") + sign * contacts,
            minutes=F("minutes") + sign * minutes,
            attendances=F("attendances") + sign * attendances,
        )
        if updated:
            if sign < 0:
                rows.filter(contacts__lte=0).delete()
            continue
        if sign < 0:
            continue  # nothing to remove (rollups rebuilt meanwhile): stay consistent
        try:
            with transaction.atomic():
                ContactRollup.objects.create(
                    **key,
                    organization_id=snapshot.organization_id,
                    activity=activity,
                    contacts=contacts,
                    minutes=minutes,
                    attendances=attendances,
                )
        except IntegrityError:
            # Another transaction created the row first: add to it.
            rows.update(
                contacts=F("contacts") + contacts,
                minutes=F("minutes") + minutes,
                attendances=F("attendances") + attendances,
            )


def rows_for_contacts(snapshots) -> dict[tuple, list[int]]:
    """Aggregate snapshots into {(day, org, team, worker, activity): [contacts, minutes,
    attendances]} (used by the rebuild and by the demo's bulk load)."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in snapshots:
        for activity, contacts, minutes, attendances in s.rows():
            row = totals[(s.day, s.organization_id, s.team_id, s.worker_id, activity)]
            row[0] += contacts
            row[1] += minutes
            row[2] += attendances
    return totals


def _objects(totals: dict[tuple, list[int]]) -> list[ContactRollup]:
    return [
        ContactRollup(
            day=day,
            organization_id=org,
            team_id=team,
            worker_id=worker,
            activity=activity,
            contacts=c,
            minutes=m,
            attendances=a,
        )
        for (day, org, team, worker, activity), (c, m, a) in totals.items()
    ]


def bulk_insert(totals: dict[tuple, list[int]]) -> int:
    objects = _objects(totals)
    ContactRollup.objects.bulk_create(objects, batch_size=1000)
    return len(objects)


def _snapshots(contacts) -> Iterator[Snapshot]:
    for row in contacts.iterator(chunk_size=2000):
        yield Snapshot(
            day=row["date"],
            organization_id=row["organization_id"],
            team_id=row["team_id"],
            worker_id=row["worker_id"],
            duration=row["duration_minutes"],
            activities=tuple(row["activities"] or ()),
            attendances=row["attendances"],
        )


def rebuild(organization=None) -> dict[str, int]:
    """Recompute every rollup (of one organization, or all) from raw contacts, one day at
    a time, in one transaction (readers see the old rows until it commits)."""
    contacts = Contact.objects.all()
    rollups = ContactRollup.objects.all()
    if organization is not None:
        contacts = contacts.filter(organization=organization)
        rollups = rollups.filter(organization=organization)
    contacts = (
        contacts.annotate(attendances=Count("people"))
        .order_by("date", "pk")
        .values(
            "pk",
            "date",
            "organization_id",
            "team_id",
            "worker_id",
            "duration_minutes",
            "activities",
            "attendances",
        )
    )
    counted = written = 0
    with transaction.atomic():
        rollups.delete()
        day, batch = None, []
        for snapshot in _snapshots(contacts):
            counted += 1
            if snapshot.day != day and batch:
                written += bulk_insert(rows_for_contacts(batch))
                batch = []
            day = snapshot.day
            batch.append(snapshot)
        if batch:
            written += bulk_insert(rows_for_contacts(batch))
    return {"contacts": counted, "rows": written}

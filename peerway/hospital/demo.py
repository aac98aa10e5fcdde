"""Demo hospital events for the fictional region: stays with readmissions, frequent
emergency visits, people who meet the eligibility trigger and people who do not. Every
facility and identifier here is invented.

Runs after ``peerway.support.demo`` (app order). When the region has no people supported
yet it does nothing, and a later ``peerway seed-demo`` adds the events. Running it again
changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from peerway.support.models import Person

from .models import EventKind, HospitalEvent, HospitalImport, ImportSource

FACILITIES = ("Harbourview General Hospital", "Lakeshore Regional Health Centre")
# The first people (by creation order) get these fictional hospital identifiers, so that
# docs/samples/hospital-events.csv imports into the demo.
SAMPLE_HOSPITAL_IDS = ("LH-100001", "LH-100002", "LH-100003")
DEMO_PEOPLE = 40


def _pattern(i: int, today):
    """(kind, days ago, admitted days ago) for the i-th demo person; four patterns."""
    start = 60 + (i * 37) % 400
    a = EventKind.ADMISSION
    d = EventKind.DISCHARGE
    e = EventKind.EMERGENCY_VISIT
    match i % 4:
        case 0:  # readmitted within 30 days: meets the trigger (two admissions)
            return [
                (a, start, None),
                (d, start - 9, start),
                (a, start - 30, None),
                (d, start - 36, start - 30),
            ]
        case 1:  # one stay, then frequent emergency visits: meets it (four visits)
            return [(a, start, None), (d, start - 5, start)] + [
                (e, start - 20 - 25 * k, None) for k in range(4)
            ]
        case 2:  # one stay, one emergency visit: does not meet it
            return [(e, start + 10, None), (a, start, None), (d, start - 12, start)]
        case _:  # readmitted after four months
            return [
                (a, start + 150, None),
                (d, start + 140, start + 150),
                (a, start, None),
                (d, start - 8, start),
            ]


def seed(region) -> None:
    organization = region.organization
    if HospitalEvent.objects.filter(organization=organization).exists():
        return
    people = list(Person.objects.filter(organization=organization).order_by("created_at", "pk"))
    if not people:
        return  # no people supported in the demo yet: nothing to attach events to
    today = timezone.localdate()
    with transaction.atomic():
        for person, hospital_id in zip(people, SAMPLE_HOSPITAL_IDS, strict=False):
            if not person.hospital_id_index:
                index = Person.hospital_id_lookup(hospital_id)
                Person.objects.filter(pk=person.pk).update(hospital_id_index=index)
        run = HospitalImport.objects.create(organization=organization, source=ImportSource.COMMAND)
        events = []
        for i, person in enumerate(people[:DEMO_PEOPLE]):
            facility = FACILITIES[i % 2]
            for kind, ago, admitted_ago in _pattern(i, today):
                events.append(
                    HospitalEvent(
                        organization=organization,
                        person=person,
                        kind=kind,
                        date=today - timedelta(days=ago),
                        admitted_on=(
                            today - timedelta(days=admitted_ago) if admitted_ago else None
                        ),
                        facility=facility,
                        source_import=run,
                    )
                )
        HospitalEvent.objects.bulk_create(events, ignore_conflicts=True)
        run.rows = run.created = len(events)
        run.save(update_fields=["rows", "created"])

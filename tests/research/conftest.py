"""People supported for export tests: a crowd that is k-anonymous at team level, one
outlier, and one person ("tracer") whose dates can be followed through the files."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone, translation

from peerway.hospital.models import EventKind, HospitalEvent
from peerway.outcomes.models import Administration, Mode
from peerway.support.models import (
    ConsentPurpose,
    ConsentRecord,
    Contact,
    PeerRelationship,
    Person,
    Referral,
    ReferralEvent,
    ReferralState,
)

SECRETS = [
    "Zelda Quixotic",  # a name
    "SECRET-REASON-TEXT",
    "SECRET-EVENT-REASON",
    "SECRET-NOTE-TEXT",
    "SECRET-END-REASON",
    "Secret General Hospital",
]


@pytest.fixture(autouse=True)
def _english():
    # Messages are checked in English; never inherit a language another test left active.
    with translation.override("en"):
        yield


@dataclass
class Crowd:
    people: list[Person] = field(default_factory=list)
    tracer: Person | None = None
    outlier: Person | None = None
    cohort: list[Person] = field(default_factory=list)


def consent(person, given=True, on=date(2026, 1, 5), purpose=ConsentPurpose.EVALUATION):
    return ConsentRecord.objects.create(person=person, purpose=purpose, given=given, decided_on=on)


def make_person(world, team, yob, language="en", name="", evaluation=True):
    person = Person.objects.create(
        organization=world.org, team=team, year_of_birth=yob, language=language, name=name
    )
    if evaluation:
        consent(person)
    return person


@pytest.fixture
def crowd(world) -> Crowd:
    """12 people at team A born 1990 (en), 10 at team C born 1980 (fr), one outlier at team
    B born 1940 (cr), two people who never consented. The first five of team A (the
    cohort; the tracer is the first) were each referred, supported, seen twice, given a
    questionnaire twice and admitted to hospital once, a few days apart from each other:
    exact dates differ, the story told in bands is the same."""
    c = Crowd()
    c.people = [
        make_person(world, world.team_a, 1990, name="Zelda Quixotic" if i == 0 else "")
        for i in range(12)
    ]
    c.people += [make_person(world, world.team_c, 1980, "fr") for _ in range(10)]
    c.outlier = make_person(world, world.team_b, 1940, "cr")
    for _ in range(2):
        make_person(world, world.team_a, 1990, evaluation=False)
    c.tracer = c.people[0]
    c.cohort = c.people[:5]
    group = Contact.objects.create(
        organization=world.org,
        team=world.team_a,
        worker=world.peer_a,
        date=date(2026, 2, 15),
        duration_minutes=60,
        modality="in_person",
        setting="clinic",
        contact_type="group",
        activities=["group_facilitation"],
        note="SECRET-NOTE-TEXT",
    )
    group.people.add(*c.cohort, c.outlier)
    for i, t in enumerate(c.cohort):
        add_story(world, t, days_later=i, score=20.0 + i)
    return c


def add_story(world, t, *, days_later, score):
    def on(day):
        return day + timedelta(days=days_later)

    referral = Referral.objects.create(
        person=t,
        team=t.team,
        source="clinician",
        reason="SECRET-REASON-TEXT",
        created_at=timezone.make_aware(datetime.combine(on(date(2026, 2, 1)), time(10))),
    )
    for state, day in [(ReferralState.ACCEPTED, 3), (ReferralState.FIRST_CONTACT, 8)]:
        ReferralEvent.objects.create(
            referral=referral,
            state=state,
            at=timezone.make_aware(datetime.combine(on(date(2026, 2, day)), time(10))),
            reason="SECRET-EVENT-REASON",
        )
    PeerRelationship.objects.create(
        person=t,
        worker=world.peer_a,
        referral=referral,
        started_on=on(date(2026, 2, 3)),
        ended_on=on(date(2026, 5, 4)),
        end_reason="SECRET-END-REASON",
    )
    contact = Contact.objects.create(
        organization=world.org,
        team=t.team,
        worker=world.peer_a,
        date=on(date(2026, 2, 8)),
        duration_minutes=45,
        modality="in_person",
        setting="community",
        contact_type="one_to_one",
        activities=["emotional_support"],
        chime=["hope"],
        note="SECRET-NOTE-TEXT",
    )
    contact.people.add(t)
    for months, total in [(0, score), (3, score + 11)]:
        Administration.objects.create(
            organization=world.org,
            team=t.team,
            person=t,
            instrument="qpr15",
            version="1",
            time_point=months,
            administered_on=on(date(2026, 2, 10)) + timedelta(days=91 * months // 3),
            mode=Mode.WITH_WORKER,
            answers_data='{"q1": 3}',
            result_data="{}",
            total_score=total,
            band="",
        )
    for kind, day in [
        (EventKind.ADMISSION, date(2026, 3, 1)),
        (EventKind.DISCHARGE, date(2026, 3, 18)),
    ]:
        HospitalEvent.objects.create(
            organization=world.org,
            person=t,
            kind=kind,
            date=on(day),
            admitted_on=on(date(2026, 3, 1)) if kind == EventKind.DISCHARGE else None,
            facility="Secret General Hospital",
        )


def read_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}

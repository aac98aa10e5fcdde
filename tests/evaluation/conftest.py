"""A cohort for the evaluation tests: 30 people in team A with evaluation consent, PHQ-9
and QPR-15 at intake and 3 months, and hospital stays around a discharge in 2026Q3; half
started peer support before that discharge."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from peerway.hospital.models import EventKind, HospitalEvent
from peerway.outcomes.models import Administration, Mode
from peerway.support.models import ConsentPurpose, ConsentRecord, PeerRelationship, Person

TODAY = date(2026, 11, 1)
INDEX = date(2026, 7, 10)
ENROLMENT = date(2026, 6, 1)


@dataclass
class Cohort:
    people: list = field(default_factory=list)
    supported: list = field(default_factory=list)
    comparison: list = field(default_factory=list)
    # person -> (pre, post) per instrument
    scores: dict = field(default_factory=dict)


def give(person, code, time_point, day, score):
    return Administration.objects.create(
        organization=person.organization,
        team=person.team,
        person=person,
        instrument=code,
        version="1",
        time_point=time_point,
        administered_on=day,
        mode=Mode.WITH_WORKER,
        answers_data="{}",
        result_data="{}",
        total_score=score,
    )


def stay(person, admitted, discharged=None):
    HospitalEvent.objects.create(
        organization=person.organization,
        person=person,
        kind=EventKind.ADMISSION,
        date=admitted,
        facility="Harbourview General",
    )
    if discharged:
        HospitalEvent.objects.create(
            organization=person.organization,
            person=person,
            kind=EventKind.DISCHARGE,
            date=discharged,
            admitted_on=admitted,
            facility="Harbourview General",
        )


def consent(person, given=True, day=date(2026, 1, 5)):
    ConsentRecord.objects.create(
        person=person, purpose=ConsentPurpose.EVALUATION, given=given, decided_on=day
    )


def build(world, n=30, team=None, seed=7) -> Cohort:
    rng = random.Random(seed)
    cohort = Cohort()
    team = team or world.team_a
    for i in range(n):
        person = Person.objects.create(organization=world.org, team=team)
        consent(person)
        cohort.people.append(person)
        phq_pre, qpr_pre = rng.randint(8, 24), rng.randint(15, 40)
        phq_post = max(0, phq_pre - rng.randint(-4, 9))
        qpr_post = min(60, qpr_pre + rng.randint(-6, 14))
        give(person, "phq9", 0, date(2026, 4, 1), phq_pre)
        give(person, "qpr15", 0, date(2026, 4, 1), qpr_pre)
        # An earlier follow-up outside the period is ignored; the one in the period counts.
        give(person, "phq9", 3, date(2026, 7, 20), phq_post)
        give(person, "qpr15", 3, date(2026, 7, 20), qpr_post)
        cohort.scores[person.pk] = {"phq9": (phq_pre, phq_post), "qpr15": (qpr_pre, qpr_post)}
        stay(person, INDEX - timedelta(days=8), INDEX)
        if i % 2 == 0:
            PeerRelationship.objects.create(
                person=person, worker=world.peer_a, started_on=ENROLMENT
            )
            cohort.supported.append(person)
        else:
            cohort.comparison.append(person)
        gap = rng.choice([5, 12, 25, 40, 70, 95, None, None, None])
        if i % 2 == 1 and gap:
            gap = max(3, gap - 3)
        if gap:
            stay(person, INDEX + timedelta(days=gap), INDEX + timedelta(days=gap + 4))
    return cohort


@pytest.fixture
def cohort(world) -> Cohort:
    return build(world)

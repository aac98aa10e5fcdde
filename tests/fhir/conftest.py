"""FHIR fixtures on top of the shared world.

Team A: Pat (peer_a) supports Ana (named, shares notes with the clinical team) and Ben;
Quinn (peer_b, team B) supports Cy. Ana has a referral, a PHQ-9 and a GAD-7; Ana and Ben
met Pat together once; Cy met Quinn once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from peerway.contacts import services as contact_services
from peerway.outcomes import services as outcome_services
from peerway.outcomes.models import Administration
from peerway.support.models import (
    ConsentRecord,
    Contact,
    PeerRelationship,
    Person,
    Referral,
    ReferralSource,
)

PHQ9 = {f"phq9_{i}": 1 for i in range(1, 10)} | {"phq9_9": 0}
GAD7 = {f"gad7_{i}": 2 for i in range(1, 8)}


@dataclass
class Records:
    ana: Person
    ben: Person
    cy: Person
    referral: Referral
    group: Contact
    cy_contact: Contact
    phq9: Administration
    gad7: Administration


def _log(world, people, actor, team, days_ago):
    return contact_services.log_contact(
        actor=actor,
        team=team,
        people=people,
        date=timezone.localdate() - dt.timedelta(days=days_ago),
        duration_minutes=45,
        modality="in_person",
        setting="hospital",
        contact_type="group" if len(people) > 1 else "one_to_one",
        activities=["hope_role_modelling"],
        chime=["hope"],
        note="A private note that never leaves the record",
    )


@pytest.fixture
def records(world) -> Records:
    ana = Person.objects.create(
        organization=world.org, team=world.team_a, code="P-ANA2345", name="Ana Example"
    )
    ben = Person.objects.create(organization=world.org, team=world.team_a, code="P-BEN2345")
    cy = Person.objects.create(
        organization=world.org, team=world.team_b, code="P-CYY2345", name="Cy Example"
    )
    start = timezone.localdate() - dt.timedelta(days=60)
    for person, worker in ((ana, world.peer_a), (ben, world.peer_a), (cy, world.peer_b)):
        PeerRelationship.objects.create(person=person, worker=worker, started_on=start)
    ConsentRecord.objects.create(
        person=ana,
        purpose="share_notes",
        given=True,
        decided_on=timezone.localdate(),
        recorded_by=world.peer_a,
    )
    referral = Referral.objects.create(
        person=ana, team=world.team_a, source=ReferralSource.values[0], referred_by=world.manager
    )
    group = _log(world, [ana, ben], world.peer_a, world.team_a, 10)
    cy_contact = _log(world, [cy], world.peer_b, world.team_b, 3)
    phq9 = outcome_services.record_administration(
        actor=world.peer_a,
        person=ana,
        instrument_code="phq9",
        time_point=0,
        answers=PHQ9,
        administered_on=timezone.localdate() - dt.timedelta(days=20),
    )
    gad7 = outcome_services.record_administration(
        actor=world.peer_a,
        person=ana,
        instrument_code="gad7",
        time_point=0,
        answers=GAD7,
        administered_on=timezone.localdate() - dt.timedelta(days=5),
    )
    return Records(ana, ben, cy, referral, group, cy_contact, phq9, gad7)

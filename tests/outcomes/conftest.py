"""Outcome-measure fixtures on top of the shared world.

Robin (a fictional person, team A) is on Pat's caseload (peer_a) since 100 days ago; the
North supervisor oversees team A. Pat's profile names a second, assigned supervisor.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from peerway.core.roles import Role
from peerway.support.models import ConsentPurpose, ConsentRecord, PeerRelationship, Person
from peerway.workforce.models import WorkerProfile
from tests.conftest import grant, make_user

PHQ9_CALM = {f"phq9_{i}": 0 for i in range(1, 10)}
PHQ9_ITEM9 = {**PHQ9_CALM, "phq9_1": 2, "phq9_2": 1, "phq9_9": 1}


@pytest.fixture
def person(world):
    person = Person.objects.create(
        organization=world.org, team=world.team_a, name="Robin Example", created_by=world.clinician
    )
    PeerRelationship.objects.create(
        person=person,
        worker=world.peer_a,
        started_on=timezone.localdate() - timedelta(days=100),
    )
    return person


@pytest.fixture
def assigned_supervisor(world):
    user = make_user("assigned@northwind.test", "Ari Assigned")
    grant(user, Role.SUPERVISOR, world.org, team=world.team_a)
    profile = WorkerProfile.objects.create(organization=world.org, user=world.peer_a)
    profile.supervisors.add(user)
    return user


def share_with_clinicians(world, person, given=True):
    ConsentRecord.objects.create(
        person=person,
        purpose=ConsentPurpose.SHARE_NOTES,
        given=given,
        decided_on=timezone.localdate(),
        recorded_by=world.peer_a,
    )

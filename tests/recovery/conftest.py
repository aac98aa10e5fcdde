"""People supported for the recovery tests: Robin on team A in Pat's caseload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from peerway.support.models import PeerRelationship, Person


@dataclass
class Caseload:
    robin: Person  # team A, Pat's open relationship
    taylor: Person  # team A, Pat's relationship ended
    blake: Person  # team B, Quinn's caseload


@pytest.fixture
def caseload(world) -> Caseload:
    def person(team, **extra):
        return Person.objects.create(organization=world.org, team=team, **extra)

    robin = person(world.team_a, name="Robin Example", created_by=world.clinician)
    taylor = person(world.team_a, created_by=world.clinician)
    blake = person(world.team_b, created_by=world.clinician)
    PeerRelationship.objects.create(person=robin, worker=world.peer_a, started_on=date(2026, 1, 5))
    PeerRelationship.objects.create(
        person=taylor,
        worker=world.peer_a,
        started_on=date(2025, 6, 1),
        ended_on=date(2025, 12, 1),
        end_reason="goals met",
    )
    PeerRelationship.objects.create(person=blake, worker=world.peer_b, started_on=date(2026, 2, 1))
    return Caseload(robin, taylor, blake)

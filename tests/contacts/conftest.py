"""Contacts fixtures on top of the shared world.

Team A: Pat (peer_a) supports Ana and Ben; Quinn (peer_b, team B) supports Cy on team B.
Ana consents to note sharing with the clinical team; Ben has not decided.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from peerway.contacts import services
from peerway.planning import taxonomy
from peerway.planning.models import RoleDefinition, RoleDefinitionVersion, VersionStatus
from peerway.support.models import ConsentRecord, PeerRelationship, Person

NOTE = "Talked about the cedar-grove walking group"


@dataclass
class Service:
    ana: Person
    ben: Person
    cy: Person


def person(world, team, code, name=""):
    return Person.objects.create(organization=world.org, team=team, code=code, name=name)


@pytest.fixture
def service(world):
    ana = person(world, world.team_a, "P-ANA2345", "Ana Example")
    ben = person(world, world.team_a, "P-BEN2345")
    cy = person(world, world.team_b, "P-CYY2345")
    PeerRelationship.objects.create(person=ana, worker=world.peer_a)
    PeerRelationship.objects.create(person=ben, worker=world.peer_a)
    PeerRelationship.objects.create(person=cy, worker=world.peer_b)
    ConsentRecord.objects.create(
        person=ana, purpose="share_notes", given=True, decided_on=timezone.localdate()
    )
    return Service(ana, ben, cy)


@pytest.fixture
def approved_role(world):
    """An organization-wide approved role definition: defaults, threshold 20 %."""
    definition = RoleDefinition.objects.create(organization=world.org, title="Peer role")
    in_scope, out_of_scope = taxonomy.default_scope()
    return RoleDefinitionVersion.objects.create(
        definition=definition,
        number=1,
        status=VersionStatus.APPROVED,
        purpose="Peer support",
        in_scope=in_scope,
        out_of_scope=out_of_scope,
        drift_threshold_percent=20,
    )


def log(world, people, *, actor=None, team=None, **overrides):
    values = {
        "date": timezone.localdate() - dt.timedelta(days=1),
        "duration_minutes": 30,
        "modality": "in_person",
        "setting": "hospital",
        "contact_type": "one_to_one",
        "activities": ["hope_role_modelling"],
        "chime": ["hope"],
        "note": NOTE,
    }
    values.update(overrides)
    return services.log_contact(
        actor=actor or world.peer_a, team=team or world.team_a, people=people, **values
    )

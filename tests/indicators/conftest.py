"""A small hand-made service on top of the shared world, with every figure known.

Team A: Pat (peer_a, 0.8 FTE, certified, supervised 10 days ago, checked in) and Chris
(peer_c, 0.5 FTE, nothing on file) support Ana and Ben. Team B: Quinn (peer_b, 1.0 FTE)
alone, supporting Cy. Team C has no peer worker. Lee left the organization 10 days ago.

Contacts today (threshold 20 %, the organization's approved role definition):
- Pat with Ana: 60 min of hope and role modelling;
- Pat with Ana and Ben (group): 40 min covering other roles' shifts (out of scope);
- Quinn with Cy: 100 min of advocacy.
So team A drifts 40 % (flagged), team B 0 %.

Referrals on team A: one from a clinician 10 days ago (offered, accepted, first contact
after 4 days), one self-referral 5 days ago (offered, declined), one from a clinician
20 days ago (accepted, first contact today after 20 days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from peerway.contacts import services as contact_services
from peerway.core.roles import Role
from peerway.planning import taxonomy
from peerway.planning.models import RoleDefinition, RoleDefinitionVersion, VersionStatus
from peerway.recovery.models import SafetyEvent
from peerway.support.models import PeerRelationship, Person, Referral, ReferralEvent
from peerway.workforce.models import (
    SupervisionSession,
    TrainingRecord,
    WellbeingCheckIn,
    WorkerProfile,
)
from tests.conftest import grant, make_user


@dataclass
class Service:
    ana: Person
    ben: Person
    cy: Person
    peer_c: object
    leaver: object
    today: dt.date


def _referral(world, person, source, days_ago, steps):
    now = timezone.now()
    referral = Referral.objects.create(
        person=person, team=person.team, source=source, created_at=now - dt.timedelta(days=days_ago)
    )
    for state, at_days_ago in steps:
        ReferralEvent.objects.create(
            referral=referral, state=state, at=now - dt.timedelta(days=at_days_ago)
        )
    return referral


def log(world, actor, team, people, minutes, activities, **extra):
    values = {
        "date": timezone.localdate(),
        "duration_minutes": minutes,
        "modality": "in_person",
        "setting": "hospital",
        "contact_type": "one_to_one",
        "activities": activities,
    }
    values.update(extra)
    return contact_services.log_contact(actor=actor, team=team, people=people, **values)


@pytest.fixture
def approved_role(world):
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


@pytest.fixture
def service(world, approved_role):
    today = timezone.localdate()
    peer_c = make_user("chris@northwind.test", "Chris Peer")
    grant(peer_c, Role.PEER_WORKER, world.org, team=world.team_a)
    leaver = make_user("lee@northwind.test", "Lee Leaver")
    two_years = today - dt.timedelta(days=730)
    WorkerProfile.objects.create(
        organization=world.org, user=world.peer_a, fte=Decimal("0.80"), start_date=two_years
    )
    WorkerProfile.objects.create(
        organization=world.org, user=peer_c, fte=Decimal("0.50"), start_date=two_years
    )
    WorkerProfile.objects.create(
        organization=world.org, user=world.peer_b, fte=Decimal("1.00"), start_date=two_years
    )
    WorkerProfile.objects.create(
        organization=world.org,
        user=leaver,
        fte=Decimal("1.00"),
        start_date=two_years,
        end_date=today - dt.timedelta(days=10),
        status="ended",
    )
    TrainingRecord.objects.create(
        organization=world.org,
        user=world.peer_a,
        kind="certification",
        title="Peer support certification",
        completed_on=today - dt.timedelta(days=100),
        expires_on=today + dt.timedelta(days=600),
    )
    SupervisionSession.objects.create(
        organization=world.org,
        worker=world.peer_a,
        supervisor=world.supervisor,
        session_type="administrative",
        date=today - dt.timedelta(days=10),
        duration_minutes=60,
    )
    WellbeingCheckIn.objects.create(
        organization=world.org,
        worker=world.peer_a,
        completed_on=today,
        instrument_version="1",
        results="{}",
    )
    ana = Person.objects.create(organization=world.org, team=world.team_a, code="P-ANA2345")
    ben = Person.objects.create(organization=world.org, team=world.team_a, code="P-BEN2345")
    cy = Person.objects.create(organization=world.org, team=world.team_b, code="P-CYY2345")
    month_ago = today - dt.timedelta(days=40)
    PeerRelationship.objects.create(person=ana, worker=world.peer_a, started_on=month_ago)
    PeerRelationship.objects.create(person=ben, worker=world.peer_a, started_on=month_ago)
    PeerRelationship.objects.create(person=cy, worker=world.peer_b, started_on=month_ago)
    log(world, world.peer_a, world.team_a, [ana], 60, ["hope_role_modelling"])
    log(world, world.peer_a, world.team_a, [ana, ben], 40, ["staff_cover"], contact_type="group")
    log(world, world.peer_b, world.team_b, [cy], 100, ["advocacy"])
    _referral(
        world,
        ana,
        "clinician",
        10,
        [("new", 10), ("offered", 9), ("accepted", 8), ("first_contact", 6)],
    )
    _referral(world, ben, "self", 5, [("new", 5), ("offered", 4), ("declined", 3)])
    _referral(world, ben, "clinician", 20, [("accepted", 19), ("first_contact", 0)])
    SafetyEvent.objects.create(
        organization=world.org,
        team=world.team_a,
        person=ana,
        worker=world.peer_a,
        kind="boundary",
        occurred_on=today,
        description="x",
        boundary_type="crossing",
    )
    SafetyEvent.objects.create(
        organization=world.org,
        team=world.team_a,
        person=ben,
        worker=world.peer_a,
        kind="risk",
        occurred_on=today,
        description="x",
        risk_type="other",
        response_path="relational",
    )
    return Service(ana, ben, cy, peer_c, leaver, today)

"""The manager's and human resources' workforce summary on the home is kept under the
organization's data versions (``indicators.cache.remember``): after every kind of write it
feeds on, what the home shows must equal a fresh computation, per reader and language."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone, translation

from peerway.core.roles import Role
from peerway.workforce import homes
from peerway.workforce.models import (
    CompetencyArea,
    ContractType,
    RecordKind,
    TrainingRecord,
    WorkerProfile,
)
from tests.conftest import grant, make_user


def plain(piece: dict) -> dict:
    return {
        "lone_teams": piece["lone_teams"],
        "rows": [{**row, "team": row["team"].pk} for row in piece["rows"]],
    }


def check(world, readers=None):
    for user in readers or (world.manager, world.site_manager):
        shown = plain(homes.home_context(user, world.org)["workforce_manager"])
        fresh = plain(homes._manager_figures(user, world.org))
        assert shown == fresh, user.email
    return plain(homes.home_context(world.manager, world.org)["workforce_manager"])


def row_of(piece, team):
    return next(r for r in piece["rows"] if r["team"] == team.pk)


def test_the_cached_summary_follows_every_write(world):
    before = check(world)
    assert row_of(before, world.team_a)["peers"] == 1 and row_of(before, world.team_a)["lone"]

    # A workforce write: a profile, then its FTE and contract changed.
    profile = WorkerProfile.objects.create(
        organization=world.org, user=world.peer_a, fte=Decimal("0.6")
    )
    assert row_of(check(world), world.team_a)["fte"] == Decimal("0.6")
    profile.fte = Decimal("0.8")
    profile.contract_type = ContractType.TERM
    profile.save()
    after = row_of(check(world), world.team_a)
    assert after["fte"] == Decimal("0.8") and after["contracts"] == [("Term", 1)]

    # A core write: a second peer worker on the team; then one on the south site.
    second = make_user("second@northwind.test", "Robin Peer")
    grant(second, Role.PEER_WORKER, world.org, team=world.team_a)
    assert row_of(check(world), world.team_a)["peers"] == 2
    assert not row_of(check(world), world.team_a)["lone"]
    third = make_user("third@northwind.test", "Jo Peer")
    grant(third, Role.PEER_WORKER, world.org, team=world.team_c)
    assert row_of(check(world), world.team_c)["peers"] == 1

    # Training: the peer-role course makes a worker compliant.
    compliant_before = row_of(check(world), world.team_a)["compliant"]
    TrainingRecord.objects.create(
        organization=world.org,
        user=world.peer_a,
        kind=RecordKind.COURSE,
        title="Peer role",
        competency_areas=[CompetencyArea.PEER_ROLE],
        completed_on=timezone.localdate() - timedelta(days=3),
    )
    check(world)
    assert row_of(check(world), world.team_a)["compliant"] >= compliant_before


def test_each_reader_sees_their_own_teams_and_language(world):
    everywhere = {r["team"] for r in check(world)["rows"]}
    south_only = {
        r["team"]
        for r in plain(homes.home_context(world.site_manager, world.org)["workforce_manager"])[
            "rows"
        ]
    }
    assert south_only == {world.team_c.pk} and everywhere > south_only
    WorkerProfile.objects.create(
        organization=world.org, user=world.peer_a, contract_type=ContractType.CASUAL
    )
    english = row_of(check(world), world.team_a)["contracts"]
    with translation.override("fr-ca"):
        french = row_of(
            plain(homes.home_context(world.manager, world.org)["workforce_manager"]),
            world.team_a,
        )["contracts"]
    assert english == [("Casual", 1)] and french != english

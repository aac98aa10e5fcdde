"""A family support team's family peer support is its core work, not drift, unless a role
definition written for family support teams says otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from peerway.contacts import drift
from peerway.contacts.selectors import activity_choices
from peerway.core.roles import TeamType
from peerway.planning import taxonomy
from peerway.planning.models import RoleDefinition, RoleDefinitionVersion, VersionStatus

from .conftest import log

FAMILY = "family_peer_support"


@pytest.fixture
def family_team(world):
    world.team_a.team_type = TeamType.FAMILY_SUPPORT
    world.team_a.save()
    return world.team_a


def log_family_work(world, service):
    day = dt.date.today().replace(day=1)
    log(world, [service.ana], date=day, duration_minutes=60, activities=[FAMILY])
    log(world, [service.ben], date=day, duration_minutes=40, activities=["hope_role_modelling"])


def approve(world, *, team_type, out_of_scope):
    definition = RoleDefinition.objects.create(
        organization=world.org, team_type=team_type, title=f"Peer role {team_type}"
    )
    in_scope = [c.code for c in taxonomy.entries() if c.code not in out_of_scope]
    return RoleDefinitionVersion.objects.create(
        definition=definition,
        number=1,
        status=VersionStatus.APPROVED,
        purpose="Peer support",
        in_scope=in_scope,
        out_of_scope=out_of_scope,
        drift_threshold_percent=20,
    )


def test_taxonomy_keeps_family_peer_support_out_of_scope_except_on_family_teams():
    _in, out = taxonomy.default_scope()
    assert FAMILY in out
    family_in, family_out = taxonomy.default_scope(TeamType.FAMILY_SUPPORT)
    assert FAMILY in family_in and FAMILY not in family_out
    # Display order is the taxonomy's.
    order = [c.code for c in taxonomy.entries()]
    assert family_in == sorted(family_in, key=order.index)


def test_without_a_role_definition_family_work_on_a_family_team_is_not_drift(
    world, service, family_team
):
    log_family_work(world, service)
    (row,) = drift.drift(world.org, by="team")
    assert (row.minutes, row.out_of_scope_minutes) == (100, 0)
    assert not row.over_threshold


def test_the_same_work_on_an_inpatient_team_is_drift(world, service):
    log_family_work(world, service)
    (row,) = drift.drift(world.org, by="team")
    assert row.out_of_scope_minutes == 60 and row.over_threshold


def test_an_organization_wide_definition_leaves_the_family_teams_core_work_in_scope(
    world, service, family_team
):
    _in, out = taxonomy.default_scope()
    approve(world, team_type="", out_of_scope=out)
    log_family_work(world, service)
    (row,) = drift.drift(world.org, by="team")
    assert row.approved and row.out_of_scope_minutes == 0
    choices = activity_choices(family_team, "en")
    assert FAMILY in {c for c, _label in choices.in_scope}
    assert FAMILY not in {c for c, _label in choices.out_of_scope}
    # Team B (crisis) under the same definition: still out of scope.
    assert FAMILY in {c for c, _label in activity_choices(world.team_b, "en").out_of_scope}


def test_a_definition_written_for_family_teams_is_taken_as_written(world, service, family_team):
    _in, out = taxonomy.default_scope()
    approve(world, team_type=TeamType.FAMILY_SUPPORT, out_of_scope=out)  # keeps FAMILY out
    log_family_work(world, service)
    (row,) = drift.drift(world.org, by="team")
    assert row.out_of_scope_minutes == 60 and row.over_threshold

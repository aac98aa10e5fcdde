"""Rollups stay equal to a rebuild from raw contacts; drift is computed from them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from peerway import cli
from peerway.contacts import drift, rollups, services
from peerway.contacts.models import ALL_ACTIVITIES, ContactMonthlyRollup, ContactRollup
from peerway.contacts.split import split_minutes
from peerway.planning import taxonomy

from .conftest import log
from .rollup_rows import daily_rows, monthly_rows, months_of


def snapshot():
    return daily_rows(), monthly_rows()


@given(
    st.integers(min_value=1, max_value=720),
    st.lists(st.sampled_from(sorted(taxonomy.codes())), max_size=6),
)
def test_split_adds_up_to_the_duration_and_is_order_independent(duration, codes):
    parts = split_minutes(duration, codes)
    assert sum(parts.values()) == duration
    assert split_minutes(duration, list(reversed(codes))) == parts
    assert max(parts.values()) - min(parts.values()) <= 1


def test_split_rule_gives_leftover_minutes_to_the_first_codes_alphabetically():
    assert split_minutes(31, ["b", "a"]) == {"a": 16, "b": 15}
    assert split_minutes(10, []) == {"-": 10}


def test_incremental_rollups_equal_a_rebuild_after_creates_edits_and_deletes(world, service):
    today = dt.date.today()
    first = log(world, [service.ana], activities=["hope_role_modelling", "clerical_cover"])
    second = log(world, [service.ana, service.ben], contact_type="group", duration_minutes=90)
    third = log(world, [service.cy], actor=world.peer_b, team=world.team_b, duration_minutes=20)
    log(world, [service.ben], date=today - dt.timedelta(days=3), duration_minutes=45)
    services.update_contact(
        actor=world.peer_a,
        contact=first,
        date=today - dt.timedelta(days=2),
        duration_minutes=31,
        activities=["advocacy", "clerical_cover", "transport_only"],
    )
    services.update_contact(actor=world.peer_a, contact=second, people=[service.ana])
    services.delete_contact(actor=world.peer_b, contact=third)
    incremental = snapshot()
    assert incremental[0]
    assert incremental[1] == months_of(incremental[0])
    result = rollups.rebuild()
    assert result["contacts"] == 3
    assert result["monthly_rows"] == len(incremental[1])
    assert snapshot() == incremental


def test_rebuild_command_and_peerway_cli(world, service):
    log(world, [service.ana])
    before = snapshot()
    ContactRollup.objects.all().delete()
    ContactMonthlyRollup.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_contact_rollups", "--organization", "northwind", stdout=out)
    assert "1 contacts" in out.getvalue()
    assert snapshot() == before
    ContactRollup.objects.all().delete()
    ContactMonthlyRollup.objects.all().delete()
    assert cli.main(["rebuild-contact-rollups"]) == 0
    assert snapshot() == before


def test_rebuild_command_names_an_unknown_organization(world):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--organization"):
        call_command("rebuild_contact_rollups", "--organization", "nowhere")


def test_drift_is_the_out_of_scope_share_of_minutes_against_the_threshold(
    world, service, approved_role
):
    day = dt.date.today().replace(day=1)
    # 60 in-scope minutes, and 40 minutes split 20/20 between a task and an activity.
    log(world, [service.ana], date=day, duration_minutes=60)
    log(
        world,
        [service.ben],
        date=day,
        duration_minutes=40,
        activities=["clerical_cover", "hope_role_modelling"],
    )
    (row,) = drift.drift(world.org, by="worker")
    assert (row.minutes, row.out_of_scope_minutes) == (100, 20)
    assert row.percent == 20.0 and row.threshold_percent == 20 and row.approved
    assert not row.over_threshold  # "above" the threshold: 20 % is not above 20 %
    # (An approved version is immutable; a new approval would change the threshold.)
    type(approved_role).objects.filter(pk=approved_role.pk).update(drift_threshold_percent=15)
    (row,) = drift.drift(world.org, by="team")
    assert row.worker_id is None and row.team_id == world.team_a.pk
    assert row.over_threshold
    assert row.month == day


def test_drift_without_an_approved_role_uses_the_default_scope_and_threshold(world, service):
    log(world, [service.ana], duration_minutes=10, activities=["transport_only"])
    (row,) = drift.drift(world.org)
    assert not row.approved
    assert row.threshold_percent == 20
    assert row.percent == 100.0 and row.over_threshold


def test_drift_reads_rollups_not_contacts(world, service):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        log(world, [service.ana])
    with CaptureQueriesContext(connection) as queries:
        drift.drift(world.org)
    assert not [q for q in queries.captured_queries if "support_contact" in q["sql"]]
    assert any("contacts_contactmonthlyrollup" in q["sql"] for q in queries.captured_queries)


# --- Reading: whole months from the monthly rows, partial months from the daily rows ------

START = dt.date(2026, 5, 1)


def seed_rollups(world):
    """Rollups (no contacts needed) for two workers on two teams, on days spread over four
    months, with distinct minutes so that any wrongly included day changes a sum."""
    day, n = START, 0
    while day < dt.date(2026, 9, 1):
        for team, worker in ((world.team_a, world.peer_a), (world.team_b, world.peer_b)):
            n += 1
            rollups.apply(
                rollups.Snapshot(
                    day=day,
                    organization_id=world.org.pk,
                    team_id=team.pk,
                    worker_id=worker.pk,
                    duration=n,
                    activities=("advocacy", "clerical_cover") if n % 3 else ("advocacy",),
                    attendances=1 + n % 2,
                ),
                +1,
            )
        day += dt.timedelta(days=4 if day.day < 25 else 1)


def daily_sums(world, start, end, *, keys=("team_id",), monthly=True, **filters):
    """The reference: the same sums from the daily rows alone."""
    out = {}
    rows = ContactRollup.objects.filter(organization=world.org, **filters)
    if start:
        rows = rows.filter(day__gte=start)
    if end:
        rows = rows.filter(day__lte=end)
    for row in rows:
        key = ((row.day.replace(day=1),) if monthly else ()) + tuple(getattr(row, k) for k in keys)
        total = out.setdefault(key, {"contacts": 0, "minutes": 0, "attendances": 0})
        total["contacts"] += row.contacts
        total["minutes"] += row.minutes
        total["attendances"] += row.attendances
    return out


PERIODS = [
    (None, None),
    (START, dt.date(2026, 8, 31)),  # whole months only
    (dt.date(2026, 5, 14), dt.date(2026, 8, 12)),  # cut at both ends
    (dt.date(2026, 6, 1), dt.date(2026, 6, 20)),  # inside one month
    (dt.date(2026, 6, 2), dt.date(2026, 7, 1)),  # two partial months, no whole one
    (dt.date(2026, 6, 30), dt.date(2026, 7, 31)),  # one day, then a whole month
    (None, dt.date(2026, 7, 10)),
    (dt.date(2026, 6, 29), None),
    (dt.date(2026, 4, 10), dt.date(2026, 9, 20)),  # beyond the data: months cut by nothing
]


@pytest.mark.parametrize("start,end", PERIODS)
def test_totals_equal_sums_of_the_daily_rows_for_any_period(world, start, end):
    seed_rollups(world)
    sums = ("contacts", "minutes", "attendances")
    got = rollups.totals(world.org, start=start, end=end, keys=["team_id"], sums=sums)
    assert got == daily_sums(world, start, end)
    assert got  # every period above holds rollups
    by_activity = rollups.totals(
        world.org,
        start=start,
        end=end,
        keys=["activity"],
        sums=sums,
        monthly=False,
        worker=world.peer_a,
        exclude={"activity": ALL_ACTIVITIES},
    )
    reference = {
        k: v
        for k, v in daily_sums(
            world, start, end, keys=("activity",), monthly=False, worker=world.peer_a
        ).items()
        if k != (ALL_ACTIVITIES,)
    }
    assert by_activity == reference


def test_a_period_of_whole_months_reads_no_daily_sums(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed_rollups(world)
    with CaptureQueriesContext(connection) as queries:
        rollups.totals(world.org, start=START, end=dt.date(2026, 8, 31), keys=["team_id"])
    daily = [q["sql"] for q in queries.captured_queries if "contacts_contactrollup" in q["sql"]]
    assert daily == []
    # Cut on the last day logged so far: the month still counts as whole (nothing after).
    last = ContactRollup.objects.latest("day").day
    with CaptureQueriesContext(connection) as queries:
        got = rollups.totals(world.org, start=START, end=last, keys=["team_id"])
    sums = [q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"].upper()]
    assert len(sums) == 1 and "contacts_contactmonthlyrollup" in sums[0]
    assert got == {k: {"minutes": v["minutes"]} for k, v in daily_sums(world, START, last).items()}


def test_the_migration_fills_monthly_rows_from_existing_daily_rows(world):
    import importlib

    from django.apps import apps
    from django.db import connection

    seed_rollups(world)
    expected = monthly_rows()
    ContactMonthlyRollup.objects.all().delete()
    migration = importlib.import_module("peerway.contacts.migrations.0002_monthly_rollups")
    migration.fill_from_daily(apps, connection.schema_editor())
    assert monthly_rows() == expected == months_of(daily_rows())


def test_scopes_for_all_teams_in_one_query_equal_scope_for_each_team(
    world, approved_role, django_assert_num_queries
):
    from peerway.core.models import Team
    from peerway.planning.models import RoleDefinition, RoleDefinitionVersion, VersionStatus

    # A definition for one team type (team B: crisis) overrides the organization-wide one.
    own = RoleDefinition.objects.create(
        organization=world.org, title="Crisis peer role", team_type="crisis"
    )
    RoleDefinitionVersion.objects.create(
        definition=own,
        number=1,
        status=VersionStatus.APPROVED,
        purpose="Peer support in crisis",
        in_scope=["advocacy"],
        out_of_scope=["transport_only"],
        drift_threshold_percent=10,
    )
    teams = list(Team.objects.filter(site__organization=world.org).select_related("site"))
    with django_assert_num_queries(1):
        scopes = drift.scopes_for(world.org, teams)
    assert scopes == {team.pk: drift.scope_for(team) for team in teams}
    assert scopes[world.team_b.pk].threshold_percent == 10
    assert scopes[world.team_a.pk].threshold_percent == 20
    assert scopes[world.team_b.pk].out_of_scope == {"transport_only"}
    assert scopes[world.team_a.pk].out_of_scope == set(approved_role.out_of_scope)
    assert all(scope.approved for scope in scopes.values())

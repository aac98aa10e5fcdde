"""Rollups stay equal to a rebuild from raw contacts; drift is computed from them."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from peerway import cli
from peerway.contacts import drift, rollups, services
from peerway.contacts.models import ContactRollup
from peerway.contacts.split import split_minutes
from peerway.planning import taxonomy

from .conftest import log


def snapshot():
    return sorted(
        ContactRollup.objects.values_list(
            "day", "team_id", "worker_id", "activity", "contacts", "minutes", "attendances"
        )
    )


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
    assert incremental
    result = rollups.rebuild()
    assert result["contacts"] == 3
    assert snapshot() == incremental


def test_rebuild_command_and_peerway_cli(world, service):
    log(world, [service.ana])
    before = snapshot()
    ContactRollup.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_contact_rollups", "--organization", "northwind", stdout=out)
    assert "1 contacts" in out.getvalue()
    assert snapshot() == before
    ContactRollup.objects.all().delete()
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
    assert any("contacts_contactrollup" in q["sql"] for q in queries.captured_queries)

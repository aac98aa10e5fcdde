"""The capacity formulas (pure module, no database)."""

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerway.planning import capacity
from peerway.planning.capacity import CapacityInputError, TeamInputs, plan_team, validate


def inputs(**overrides) -> TeamInputs:
    values = {
        "people_per_month": 10,
        "engagement_months": 3,
        "contacts_per_month": 4,
        "contact_minutes": 60,
        "caseload_per_fte": 15,
        "fte_per_worker": 0.8,
        "direct_hours_per_fte_month": 80,
        "planned_headcount": None,
    }
    values.update(overrides)
    return TeamInputs(**values)


def test_active_caseload_follows_littles_law():
    result = plan_team(inputs(people_per_month=10, engagement_months=3))
    assert result.active_caseload == 30


def test_fte_is_set_by_caseload_when_contacts_are_light():
    result = plan_team(inputs(contacts_per_month=1, contact_minutes=30))
    # 30 people / 15 per FTE = 2 FTE; 15 contact hours / 80 = 0.19 FTE
    assert result.fte_by_caseload == 2
    assert result.fte_by_time == pytest.approx(15 / 80)
    assert result.fte_needed == 2
    assert result.driver == "caseload"


def test_fte_is_set_by_time_when_contacts_are_heavy():
    result = plan_team(inputs(contacts_per_month=8, contact_minutes=90))
    # 30 people × 8 × 1.5 h = 360 h / 80 = 4.5 FTE > 2 FTE by caseload
    assert result.contact_hours_per_month == 360
    assert result.fte_needed == 4.5
    assert result.driver == "time"


def test_headcount_rounds_up_from_fte_per_worker():
    result = plan_team(inputs(fte_per_worker=0.8))
    # 2 FTE / 0.8 = 2.5 -> 3 workers
    assert result.headcount_needed == 3


def test_exact_fte_is_not_rounded_up_by_float_noise():
    result = plan_team(
        inputs(
            people_per_month=Decimal("0.1"),
            engagement_months=30,
            caseload_per_fte=1,
            fte_per_worker=1,
            contacts_per_month=0,
        )
    )
    assert result.fte_needed == pytest.approx(3)
    assert result.headcount_needed == 3


def test_a_team_with_little_demand_still_gets_two_peers():
    result = plan_team(inputs(people_per_month=1, engagement_months=2, fte_per_worker=1))
    assert result.headcount_for_workload == 1
    assert result.headcount_needed == 2
    assert result.minimum_two_applied


def test_a_team_without_demand_needs_nobody():
    result = plan_team(inputs(people_per_month=0))
    assert result.headcount_needed == 0
    assert not result.minimum_two_applied
    assert not result.has_demand


def test_a_team_planned_with_one_peer_is_flagged_lone_peer():
    result = plan_team(inputs(planned_headcount=1))
    assert result.lone_peer
    assert result.planned_below_need


def test_a_team_planned_with_enough_peers_is_not_flagged():
    result = plan_team(inputs(planned_headcount=3))
    assert not result.lone_peer
    assert not result.planned_below_need


def test_a_team_planned_with_no_peer_but_demand_is_below_need_not_lone():
    result = plan_team(inputs(planned_headcount=0))
    assert not result.lone_peer
    assert result.planned_below_need


def test_bad_input_names_every_field_at_fault():
    with pytest.raises(CapacityInputError) as caught:
        plan_team(inputs(caseload_per_fte=0, fte_per_worker=1.5, people_per_month=-1), "Team A")
    fields = [p.field for p in caught.value.problems]
    assert fields == ["people_per_month", "caseload_per_fte", "fte_per_worker"]
    message = str(caught.value)
    assert message.startswith("Team A: ")
    assert "caseload per full-time worker must be more than 0" in message
    assert "FTE per worker cannot be more than 1" in message
    assert "people starting per month cannot be less than 0" in message


def test_missing_and_non_numeric_inputs_are_named():
    problems = validate(inputs(engagement_months=None, contact_minutes="often"))
    assert [(p.field, p.code) for p in problems] == [
        ("engagement_months", "missing"),
        ("contact_minutes", "not_a_number"),
    ]


def test_planned_headcount_is_optional_but_whole():
    assert validate(inputs(planned_headcount=None)) == []
    assert [p.code for p in validate(inputs(planned_headcount=1.5))] == ["not_whole"]


def test_scenario_totals_add_up_the_teams():
    result = capacity.plan_scenario(
        {
            "a": inputs(planned_headcount=1),
            "b": inputs(people_per_month=1, engagement_months=1, planned_headcount=2),
        }
    )
    assert result.headcount_needed == 3 + 2
    assert result.fte_needed == pytest.approx(2 + 1 / 15)
    assert result.planned_headcount == 3
    assert result.lone_peer_teams == ["a"]
    assert result.minimum_two_teams == ["b"]


def test_the_pure_module_does_not_import_django():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(capacity.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name.startswith("django") for name in imported)


# --- properties ---------------------------------------------------------------------------

positive = st.floats(min_value=0.1, max_value=500, allow_nan=False)
valid_inputs = st.builds(
    TeamInputs,
    people_per_month=st.floats(min_value=0, max_value=500),
    engagement_months=st.floats(min_value=0.1, max_value=60),
    contacts_per_month=st.floats(min_value=0, max_value=30),
    contact_minutes=st.integers(min_value=0, max_value=240),
    caseload_per_fte=positive,
    fte_per_worker=st.floats(min_value=0.05, max_value=1),
    direct_hours_per_fte_month=st.floats(min_value=10, max_value=160),
)


@given(valid_inputs, st.floats(min_value=0, max_value=500))
def test_more_people_never_need_fewer_workers(base, extra):
    more = TeamInputs(**{**base.__dict__, "people_per_month": base.people_per_month + extra})
    assert plan_team(more).fte_needed >= plan_team(base).fte_needed
    assert plan_team(more).headcount_needed >= plan_team(base).headcount_needed


@given(valid_inputs, st.floats(min_value=0, max_value=60))
def test_longer_engagement_never_needs_fewer_workers(base, extra):
    longer = TeamInputs(
        **{**base.__dict__, "engagement_months": min(base.engagement_months + extra, 120)}
    )
    assert plan_team(longer).headcount_needed >= plan_team(base).headcount_needed


@given(valid_inputs)
def test_headcount_covers_the_fte_needed(values):
    result = plan_team(values)
    assert result.headcount_needed * float(values.fte_per_worker) >= result.fte_needed - 1e-6
    assert result.headcount_needed >= result.fte_needed / float(values.fte_per_worker) - 1e-6


@given(valid_inputs)
def test_any_demand_means_at_least_two_peers(values):
    result = plan_team(values)
    if result.active_caseload > 0:
        assert result.headcount_needed >= capacity.MINIMUM_PEERS_PER_TEAM
    else:
        assert result.headcount_needed == 0


@given(valid_inputs)
def test_headcount_is_the_smallest_that_covers_the_work(values):
    result = plan_team(values)
    if result.headcount_needed > capacity.MINIMUM_PEERS_PER_TEAM:
        one_fewer = result.headcount_needed - 1
        assert one_fewer * float(values.fte_per_worker) < result.fte_needed + 1e-6
    assert math.isfinite(result.fte_needed)

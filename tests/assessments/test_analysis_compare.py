"""Change between two waves: Welch interval on shown cells, nothing for hidden ones."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerway.assessments.analysis import compare, compare_waves, compute_results, welch_change
from peerway.assessments.analysis.results import CellKey
from peerway.instruments.engine import group as stats

from .test_analysis_support import one_item_instrument, records_for

ONE = {"one": one_item_instrument()}
ORG = CellKey("one", "score", "organization", None, "all")


def test_change_equals_a_direct_welch_computation_on_the_raw_scores():
    before_values = [1, 2, 2, 3, 3, 4]
    after_values = [3, 4, 4, 5, 5, 5, 2]
    before = compute_results(
        records_for({("A", "S", "staff"): before_values}), ONE, k=5, audiences=["staff"]
    )
    after = compute_results(
        records_for({("A", "S", "staff"): after_values}), ONE, k=5, audiences=["staff"]
    )
    change = compare(before, after, ORG)
    direct = stats.change_between(before_values, after_values)
    assert change.shown and change.reason is None
    assert (change.n_before, change.n_after) == (6, 7)
    for name in ("difference", "se", "df", "ci95_low", "ci95_high", "hedges_g"):
        assert getattr(change, name) == pytest.approx(direct[name]), name
    assert change.same_versions is True
    assert change.to_dict()["difference"] == pytest.approx(direct["difference"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(1, 5), min_size=2, max_size=15),
    st.lists(st.integers(1, 5), min_size=2, max_size=15),
)
def test_summary_welch_matches_change_between(a, b):
    d_a, d_b = stats.describe(a), stats.describe(b)
    got = welch_change(d_a["n"], d_a["mean"], d_a["sd"], d_b["n"], d_b["mean"], d_b["sd"])
    expected = stats.change_between(a, b)
    for key, value in expected.items():
        if value is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(value), key


def test_no_change_is_given_unless_the_cell_is_shown_in_both_waves():
    shown = {("A", "S", "staff"): [1, 2, 3, 4, 5], ("B", "S", "staff"): [3, 3, 4, 4, 5]}
    small = {("A", "S", "staff"): [1, 2, 3, 4, 5], ("B", "S", "staff"): [3, 3]}
    w1 = compute_results(records_for(shown), ONE, k=5, audiences=["staff"])
    w2 = compute_results(records_for(small), ONE, k=5, audiences=["staff"])
    key_b = CellKey("one", "score", "team", "B", "staff")
    assert w2.cells[key_b].suppressed
    change = compare(w1, w2, key_b)
    assert change.reason == "not_shown_after" and not change.shown
    assert change.difference is None and change.n_after is None and change.n_before is None
    assert compare(w2, w1, key_b).reason == "not_shown_before"
    assert compare(w2, w2, key_b).reason == "not_shown_in_either"
    # A group missing from one wave is "not shown" there.
    assert compare(w1, w2, CellKey("one", "score", "team", "Z", "all")).reason == (
        "not_shown_in_either"
    )
    changes = compare_waves(w1, w2, level="team")
    assert {c.key.place_id for c in changes} == {"A", "B"}
    assert all(c.difference is None for c in changes if c.reason)


def test_no_spread_in_both_waves_gives_a_difference_without_interval():
    w1 = compute_results(records_for({("A", "S", "staff"): [3] * 5}), ONE, k=5)
    w2 = compute_results(records_for({("A", "S", "staff"): [4] * 5}), ONE, k=5)
    change = compare(w1, w2, ORG)
    assert change.difference == pytest.approx(1.0)
    assert change.ci95_low is None and change.se is None

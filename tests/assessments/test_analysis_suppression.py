"""Small-group suppression: primary rule, differencing, and what a reader can work out."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerway.assessments.analysis import Hierarchy, Relation, check_k, suppress
from peerway.assessments.analysis.hierarchy import GroupKey
from peerway.assessments.analysis.suppression import (
    DIFFERENCING,
    FEWER_THAN_K,
    NO_RESPONSES,
    sort_key,
)

from .test_analysis_support import check_relations, determined_cells, integer_completions_pin

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------- hand-made cases


def test_site_with_teams_12_9_3_hides_the_3_and_the_9_but_shows_the_site():
    counts = {"site": 24, "t12": 12, "t9": 9, "t3": 3}
    reasons = suppress(counts, [Relation("site", ("t12", "t9", "t3"))], k=5)
    assert reasons == {"site": None, "t12": None, "t9": DIFFERENCING, "t3": FEWER_THAN_K}


def test_same_site_in_the_place_hierarchy_with_one_audience():
    h = Hierarchy({"a": "s", "b": "s", "c": "s"}, ("staff",))
    reasons = h.suppress({("a", "staff"): 12, ("b", "staff"): 9, ("c", "staff"): 3}, k=5)
    assert reasons[GroupKey("team", "c", "staff")] == FEWER_THAN_K
    assert reasons[GroupKey("team", "b", "staff")] == DIFFERENCING
    assert reasons[GroupKey("team", "b", "all")] == DIFFERENCING  # identical to b × staff
    assert reasons[GroupKey("team", "a", "all")] is None
    assert reasons[GroupKey("site", "s", "all")] is None
    assert reasons[GroupKey("organization", None, "all")] is None


def test_no_responses_is_not_suppression_and_needs_no_complement():
    counts = {"site": 20, "t1": 20, "t2": 0}
    reasons = suppress(counts, [("site", ["t1", "t2"])], k=5)
    assert reasons == {"site": None, "t1": None, "t2": NO_RESPONSES}


def test_two_small_children_together_reaching_k_need_no_complement():
    counts = {"p": 16, "a": 10, "b": 3, "c": 3}
    reasons = suppress(counts, [("p", ["a", "b", "c"])], k=5)
    assert reasons == {"p": None, "a": None, "b": FEWER_THAN_K, "c": FEWER_THAN_K}


def test_audience_dimension_hides_a_complement_within_the_team():
    # Team T: 12 staff, 3 leaders. Alone in its site, so team = site = organization.
    h = Hierarchy({"T": "S"}, ("staff", "leaders"))
    reasons = h.suppress({("T", "staff"): 12, ("T", "leaders"): 3}, k=5)
    for level, place in (("team", "T"), ("site", "S"), ("organization", None)):
        assert reasons[GroupKey(level, place, "leaders")] == FEWER_THAN_K
        assert reasons[GroupKey(level, place, "all")] is None  # 15 ≥ k: the total stays
        assert reasons[GroupKey(level, place, "staff")] == DIFFERENCING


def test_a_complement_exposed_in_the_other_dimension_is_protected_too():
    # Relation-by-relation checking alone would hide T×staff (3) and T×leaders (10) and stop:
    # but T×leaders = S×leaders − U×leaders, and then T×staff = T×all − T×leaders = 3.
    h = Hierarchy({"T": "S", "U": "S"}, ("staff", "leaders"))
    leaves = {("T", "staff"): 3, ("T", "leaders"): 10, ("U", "staff"): 20, ("U", "leaders"): 10}
    reasons = h.suppress(leaves, k=5)
    counts = h.counts(leaves)
    assert reasons[GroupKey("team", "T", "staff")] == FEWER_THAN_K
    check_relations(counts, h.relations(), reasons, 5)
    assert determined_cells(counts, h.relations(), reasons) == []
    hidden_leaves = {g for g, r in reasons.items() if g.level == "team" and g.audience != "all"}
    hidden_leaves = {g for g in hidden_leaves if reasons[g] is not None}
    # A 2 × 2 block (T, U) × (staff, leaders) with every margin shown is the minimum.
    assert hidden_leaves == {
        GroupKey("team", t, a) for t in ("T", "U") for a in ("staff", "leaders")
    }
    assert reasons[GroupKey("site", "S", "all")] is None


def test_few_peer_workers_across_the_organization_cost_few_complements():
    # A realistic wave: only 2 peer workers answered, all in team 3; 3 leaders in team 1.
    teams = {1: 10, 2: 10, 3: 20, 4: 20}
    leaves = {
        (1, "staff"): 12,
        (1, "leaders"): 3,
        (2, "staff"): 9,
        (2, "leaders"): 6,
        (3, "staff"): 7,
        (3, "peer_workers"): 2,
        (4, "staff"): 20,
    }
    h = Hierarchy(teams)
    reasons = h.suppress(leaves, k=5)
    counts = h.counts(leaves)
    check_relations(counts, h.relations(), reasons, 5)
    assert determined_cells(counts, h.relations(), reasons) == []
    complements = [g for g, r in reasons.items() if r == DIFFERENCING]
    assert len(complements) <= 6
    assert reasons[GroupKey("organization", None, "all")] is None
    assert reasons[GroupKey("team", 4, "all")] is None


def test_k_below_three_is_refused_everywhere():
    with pytest.raises(ValueError, match="at least 3"):
        check_k(2)
    with pytest.raises(ValueError, match="at least 3"):
        suppress({"a": 1}, [], k=2)
    with pytest.raises(TypeError):
        suppress({"a": 1}, [], k=4.5)


def test_relations_must_add_up_and_name_known_cells():
    with pytest.raises(ValueError, match="not the sum"):
        suppress({"p": 10, "a": 4, "b": 5}, [("p", ["a", "b"])], k=3)
    with pytest.raises(ValueError, match="unknown cell"):
        suppress({"p": 10, "a": 10}, [("p", ["a", "zz"])], k=3)
    with pytest.raises(ValueError, match="non-negative"):
        suppress({"p": -1}, [], k=3)


def test_a_team_recorded_at_two_sites_is_an_error():
    with pytest.raises(ValueError, match="two sites"):
        Hierarchy.build([(1, 10), (1, 11)])


def test_sort_key_orders_mixed_ids():
    keys = ["b", 2, None, ("x", 1), 1.5, "a"]
    assert sorted(keys, key=sort_key) == [None, 1.5, 2, "a", "b", ("x", 1)]


# ---------------------------------------------------------------------------- properties


@st.composite
def waves(draw, max_teams=5, max_count=14):
    n_sites = draw(st.integers(1, 3))
    n_teams = draw(st.integers(1, max_teams))
    teams = {t: draw(st.integers(0, n_sites - 1)) for t in range(n_teams)}
    audiences = draw(
        st.sampled_from([("staff",), ("staff", "leaders"), ("staff", "leaders", "peer_workers")])
    )
    leaves = {(t, a): draw(st.integers(0, max_count)) for t in teams for a in audiences}
    k = draw(st.integers(3, 6))
    return Hierarchy(teams, audiences), leaves, k


@FAST
@given(waves())
def test_after_suppression_nothing_small_can_be_shown_or_worked_out(wave):
    h, leaves, k = wave
    counts = h.counts(leaves)
    reasons = h.suppress(leaves, k)
    check_relations(counts, h.relations(), reasons, k)
    assert determined_cells(counts, h.relations(), reasons) == []
    for group, reason in reasons.items():
        assert (reason == NO_RESPONSES) == (counts[group] == 0)
        if 0 < counts[group] < k:
            assert reason == FEWER_THAN_K


@FAST
@given(waves(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(wave, rnd):
    h, leaves, k = wave
    counts = h.counts(leaves)
    relations = h.relations()
    expected = suppress(counts, relations, k)
    items = list(counts.items())
    rnd.shuffle(items)
    shuffled = [
        Relation(r.parent, tuple(rnd.sample(r.children, len(r.children)))) for r in relations
    ]
    rnd.shuffle(shuffled)
    assert suppress(dict(items), shuffled, k) == expected


@FAST
@given(
    st.lists(st.integers(0, 12), min_size=1, max_size=6),
    st.integers(3, 6),
)
def test_generic_one_level_relation(children, k):
    counts = {f"c{i}": n for i, n in enumerate(children)}
    counts["p"] = sum(children)
    relation = Relation("p", tuple(f"c{i}" for i in range(len(children))))
    reasons = suppress(counts, [relation], k)
    check_relations(counts, [relation], reasons, k)
    assert determined_cells(counts, [relation], reasons) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waves(max_teams=3, max_count=7))
def test_tiny_waves_no_hidden_count_is_pinned_by_whole_number_reasoning(wave):
    h, leaves, k = wave
    # Keep the enumeration small: at most three groups with responses.
    leaves = dict([(key, v) for key, v in leaves.items() if v][:3])
    reasons = h.suppress(leaves, k)
    counts = h.counts(leaves)
    bound = max([counts[g] for g, r in reasons.items() if r is None] + [0]) + 4
    assert integer_completions_pin(h, leaves, reasons, bound) == []


def test_a_larger_organization_stays_fast_and_safe():
    rnd = random.Random(7)
    teams = {t: t % 6 for t in range(30)}
    leaves = {}
    for t in teams:
        leaves[(t, "staff")] = rnd.choice([0, 3, 6, 9, 14])
        leaves[(t, "leaders")] = rnd.choice([0, 1, 2, 5])
        leaves[(t, "peer_workers")] = rnd.choice([0, 0, 1, 2])
    h = Hierarchy(teams)
    reasons = h.suppress(leaves, 5)
    counts = h.counts(leaves)
    check_relations(counts, h.relations(), reasons, 5)
    assert determined_cells(counts, h.relations(), reasons) == []

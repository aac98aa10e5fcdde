"""Wave results: figures, suppression of cells, versioned scoring, agreement statistics."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerway.assessments.analysis import (
    ResponseRecord,
    agreement,
    compute_results,
    keyed_item_values,
)
from peerway.assessments.analysis.items import rating_scale
from peerway.assessments.analysis.results import CellKey
from peerway.instruments.engine import Library, load_definition, load_library, score
from peerway.instruments.engine import group as stats
from tests.instruments.factories import definition, item, scale

from .test_analysis_support import (
    check_relations,
    determined_cells,
    one_item_instrument,
    record,
    records_for,
)

LIBRARY = load_library()
ONE = one_item_instrument()
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------ figures by hand


def test_means_sd_and_interval_by_hand():
    data = {("A", "S", "staff"): [1, 2, 3, 4, 5], ("B", "S", "staff"): [2, 2, 2, 3, 3, 3]}
    results = compute_results(records_for(data), {"one": ONE}, k=5, audiences=["staff"])
    a = results.cell("one", "score", "team", "A", "staff")
    # mean 3; SD √2.5 = 1.5811388; t(0.975, 4) = 2.7764451; half-width 2.7764451·√2.5/√5
    assert a.shown and a.n == 5
    assert a.mean == pytest.approx(3.0)
    assert a.sd == pytest.approx(1.5811388, abs=1e-7)
    assert a.ci95_low == pytest.approx(1.0367568, abs=1e-6)
    assert a.ci95_high == pytest.approx(4.9632432, abs=1e-6)
    b = results.cell("one", "score", "team", "B", "all")
    # mean 2.5; SD √0.3 = 0.5477226; t(0.975, 5) = 2.5705818; half = t·SD/√6 = 0.5747996
    assert (b.n, b.mean) == (6, pytest.approx(2.5))
    assert b.sd == pytest.approx(0.5477226, abs=1e-7)
    assert (b.ci95_low, b.ci95_high) == (
        pytest.approx(1.9252004, abs=1e-6),
        pytest.approx(3.0747996, abs=1e-6),
    )
    org = results.cell("one", "score")
    assert (org.n, org.mean) == (11, pytest.approx(30 / 11))
    assert results.cell("one", "score", "site", "S", "all").mean == pytest.approx(30 / 11)


def test_a_small_group_and_its_complement_expose_nothing():
    # Team B: 6 staff and 2 leaders. Leaders are fewer than k; staff would reveal them.
    data = {
        ("A", "S", "staff"): [4, 4, 5, 5, 3, 4],
        ("A", "S", "leaders"): [2, 3, 4, 5, 5],
        ("B", "S", "staff"): [1, 2, 2, 3, 3, 3],
        ("B", "S", "leaders"): [5, 5],
    }
    results = compute_results(records_for(data), {"one": ONE}, k=5)
    leaders = results.cell("one", "score", "team", "B", "leaders")
    assert leaders.suppressed and leaders.reason == "fewer_than_k"
    hidden = [c for c in results.cells.values() if c.suppressed]
    assert any(c.reason == "differencing" for c in hidden)
    for cell in hidden:
        assert (cell.n, cell.mean, cell.sd, cell.ci95_low, cell.ci95_high) == (None,) * 5
        assert cell.to_dict()["n"] is None and cell.to_dict()["mean"] is None
        # The public reason never tells the small cell from its complement.
        assert cell.to_dict()["reason"] == "suppressed"
        assert cell.public_reason == "suppressed"
        assert "fewer than 5 responses" in cell.note(5)
    # Every additive figure (n, and n × mean) of the shown cells leaves hidden cells unknown.
    counts = results.hierarchy.counts({(t, a): len(v) for (t, _s, a), v in data.items()})
    reasons = {key[2:]: c.reason for key, c in results.cells.items()}
    rels = results.hierarchy.relations()
    check_relations(counts, rels, reasons, 5)
    assert determined_cells(counts, rels, reasons) == []
    shown_n = {key[2:]: c.n for key, c in results.cells.items() if c.shown}
    assert all(shown_n[g] == counts[g] for g in shown_n)


def test_cells_cannot_be_built_with_figures_when_suppressed():
    key = CellKey("one", "score", "team", 1, "all")
    from peerway.assessments.analysis import Cell

    with pytest.raises(ValueError):
        Cell(key, "fewer_than_k", n=3)
    with pytest.raises(ValueError):
        Cell(key, "differencing", mean=2.0)
    with pytest.raises(ValueError):
        Cell(key, "no_responses", n=0, mean=1.0)


def test_teams_without_responses_appear_as_no_responses():
    data = {("A", "S", "staff"): [1, 2, 3, 4, 5]}
    results = compute_results(
        records_for(data), {"one": ONE}, k=5, teams={"A": "S", "Z": "S2"}, audiences=["staff"]
    )
    z = results.cell("one", "score", "team", "Z", "all")
    assert z.reason == "no_responses" and z.n == 0 and z.mean is None and not z.suppressed
    assert z.note(5) == "No responses."
    assert results.cell("one", "score", "site", "S2", "staff").reason == "no_responses"
    assert results.cell("one", "score").n == 5


def test_selection_helpers_and_serialization():
    data = {("A", "S", "staff"): [1, 2, 3, 4, 5]}
    results = compute_results(records_for(data), {"one": ONE}, k=5, audiences=["staff"])
    assert [c.level for c in results.select(level="team")] == ["team", "team"]
    assert results.select(place_id=None, audience="all")[0].key == CellKey(
        "one", "score", "organization", None, "all"
    )
    data_dict = results.to_dict()
    assert data_dict["k"] == 5 and data_dict["audiences"] == ["staff"]
    assert data_dict["instruments"][0]["code"] == "one"
    assert data_dict["instruments"][0]["versions"] == ["1"]
    assert len(data_dict["cells"]) == len(results.cells)
    assert results.scale_name("one", "score", "fr") == "Scale score (fr)"
    assert results.instrument_name("one") == "Tiny test instrument"


def test_k_below_three_and_strange_audiences_are_refused():
    records = records_for({("A", "S", "staff"): [1, 2, 3]})
    with pytest.raises(ValueError, match="at least 3"):
        compute_results(records, {"one": ONE}, k=2)
    with pytest.raises(ValueError, match="outside the wave"):
        compute_results(records, {"one": ONE}, audiences=["leaders"])
    with pytest.raises(ValueError, match="audiences"):
        compute_results(records, {"one": ONE}, audiences=["visitors"])


# ------------------------------------------------------------------------------ versions


def _two_versions():
    v1 = one_item_instrument(version="1")
    v2 = load_definition(
        definition(
            code="one",
            version="2",
            items=[item("q1", reverse=True)],
            scales=[scale("score", ["q1"], method="mean", min_answered=1)],
            total_scale="score",
        )
    )
    return v1, v2


def test_each_response_is_scored_by_the_version_it_was_answered_on():
    v1, v2 = _two_versions()
    records = [record("A", "S", "staff", 2, version="1") for _ in range(5)]
    records += [record("A", "S", "staff", 2, version="2") for _ in range(5)]
    library = Library()
    library.add(v1)
    library.add(v2)
    for source in (library, {("one", "1"): v1, ("one", "2"): v2}):
        results = compute_results(records, source, k=5, audiences=["staff"])
        # Version 1 keeps 2; version 2 reverses it to 4.
        assert results.cell("one", "score").mean == pytest.approx(3.0)
        assert results.versions["one"] == ("1", "2")
    # A dict keyed by code only must hold the version asked for.
    results = compute_results(records, {"one": v2}, k=5, audiences=["staff"])
    assert results.invalid["one"] == 5
    assert results.cell("one", "score").mean == pytest.approx(4.0)


def test_responses_that_cannot_be_scored_are_counted_and_left_out():
    records = records_for({("A", "S", "staff"): [1, 2, 3, 4, 5]})
    records.append(ResponseRecord("A", "S", "staff", {"one": {"q1": 7}}, {"one": "1"}))
    records.append(ResponseRecord("A", "S", "staff", {"one": {"q1": 3}}, {}))
    results = compute_results(records, {"one": ONE}, k=5, audiences=["staff"])
    assert results.invalid["one"] == 2
    assert results.cell("one", "score").n == 5


def test_shipped_library_pibc_and_oric_together():
    rnd = random.Random(4)
    pibc, oric = LIBRARY["pibc"], LIBRARY["oric"]
    records = []
    for team, site, audience, n in [(1, 1, "staff", 8), (2, 1, "staff", 6), (2, 1, "leaders", 2)]:
        for _ in range(n):
            answers = {
                "pibc": {i.id: rnd.choice([1, 2, 3, 4, 5, 9]) for i in pibc.items},
                "oric": {i.id: rnd.choice([1, 2, 3, 4, 5]) for i in oric.items},
            }
            records.append(
                ResponseRecord(team, site, audience, answers, {"pibc": "1", "oric": "1"})
            )
    results = compute_results(records, LIBRARY, k=5, instrument_codes=["oric", "pibc"])
    assert results.instruments == ("oric", "pibc")
    assert results.scales["oric"] == ("change_commitment", "change_efficacy")
    assert "level_micro" in results.scales["pibc"]
    org = results.cell("oric", "change_commitment")
    direct = [score(oric, r.answers["oric"]).scales["change_commitment"].score for r in records]
    assert org.mean == pytest.approx(sum(direct) / len(direct))
    assert results.cell("oric", "change_commitment", "team", 2, "leaders").suppressed


# ----------------------------------------------------------------------- keyed item values


@FAST
@given(st.sampled_from(["pibc", "cbi", "k10", "herth_hope_index", "oric"]), st.data())
def test_keyed_item_values_reproduce_the_engine_scale_scores(code, data):
    instrument = LIBRARY[code]
    answers = {
        i.id: data.draw(
            st.sampled_from([None, *sorted(instrument.response_set_for(i.id).allowed_values)])
        )
        for i in instrument.items
    }
    keyed = keyed_item_values(instrument, answers)
    result = score(instrument, answers)
    for sc in instrument.scales:
        if sc.method != "mean" or not result.scales[sc.id].valid or sc.has_transform:
            continue
        values = [keyed[i] for i in sc.items if keyed[i] is not None]
        expected = result.scales[sc.id].score
        got = math.fsum(values) / len(values)
        if sc.round_digits is None:
            assert got == pytest.approx(expected)


def test_keyed_values_turn_reverse_items_round_and_drop_dont_know():
    pibc = LIBRARY["pibc"]
    reverse = next(i for i in pibc.items if i.reverse)
    forward = next(i for i in pibc.items if not i.reverse)
    keyed = keyed_item_values(pibc, {reverse.id: 1, forward.id: 9})
    assert keyed[reverse.id] == 5.0
    assert keyed[forward.id] is None


def test_rating_scale_detects_equal_steps():
    cbi = LIBRARY["cbi"]
    assert rating_scale(cbi, cbi.scale("work").items) == (5, 25.0)
    assert rating_scale(LIBRARY["oric"], LIBRARY["oric"].scale("change_efficacy").items) == (5, 1.0)


# ------------------------------------------------------------------------------ agreement


def _group_instrument():
    return load_definition(
        definition(
            code="grp",
            group_level=True,
            items=[item("a"), item("b"), item("c", reverse=True)],
            scales=[scale("climate", ["a", "b", "c"], method="mean", min_answered=2)],
            total_scale="climate",
        )
    )


def test_alpha_rwg_and_icc_match_the_engine_on_shown_teams_only():
    grp = _group_instrument()
    rnd = random.Random(9)
    plan = {("A", "S1"): 7, ("B", "S1"): 6, ("C", "S2"): 2, ("D", "S2"): 5}
    records = []
    for (team, site), n in plan.items():
        base = rnd.choice([2, 3, 4])
        for _ in range(n):
            answers = {
                "a": min(5, max(1, base + rnd.choice([-1, 0, 1]))),
                "b": min(5, max(1, base + rnd.choice([-1, 0, 0, 1]))),
                "c": min(5, max(1, 6 - base + rnd.choice([-1, 0, 1]))),
            }
            records.append(ResponseRecord(team, site, "staff", {"grp": answers}, {"grp": "1"}))
    results = compute_results(records, {"grp": grp}, k=5, audiences=["staff"])
    agr = agreement(records, {"grp": grp}, results=results)
    keyed = [keyed_item_values(grp, r.answers["grp"]) for r in records]

    (rel,) = agr.reliability_for("grp", "climate")
    direct = stats.cronbach_alpha([[kv[i] for i in "abc"] for kv in keyed])
    assert (rel.n, rel.items, rel.versions) == (20, 3, ("1",))
    assert rel.alpha == pytest.approx(direct["alpha"])

    shown = [t for t in "ABCD" if results.cell("grp", "climate", "team", t, "all").shown]
    assert "C" not in shown and len(shown) >= 2
    for team in "ABCD":
        entry = agr.rwg_for("grp", "climate", team)
        if team not in shown:
            assert entry.reason == "suppressed" and entry.rwg_j is None and entry.n is None
            continue
        matrix = [
            [kv[i] for i in "abc"]
            for r, kv in zip(records, keyed, strict=True)
            if r.team_id == team
        ]
        assert entry.rwg_j == pytest.approx(stats.rwg_j(matrix, 5)["rwg_j"])
        assert entry.n == len(matrix) and entry.n_options == 5

    icc = agr.icc_for("grp", "climate")
    assert set(icc.team_ids) == set(shown)
    groups = [
        [score(grp, r.answers["grp"]).scales["climate"].score for r in records if r.team_id == t]
        for t in icc.team_ids
    ]
    direct_icc = stats.icc1_icc2(groups)
    assert icc.icc1 == pytest.approx(direct_icc["icc1"])
    assert icc.icc2 == pytest.approx(direct_icc["icc2"])
    assert agr.to_dict()["icc"][0]["n_teams"] == len(shown)


def test_alpha_is_withheld_below_k_and_icc_needs_two_teams():
    grp = _group_instrument()
    records = [
        ResponseRecord("A", "S", "staff", {"grp": {"a": v, "b": v, "c": 6 - v}}, {"grp": "1"})
        for v in (1, 2, 3, 4)
    ]
    agr = agreement(records, {"grp": grp}, k=5, audiences=["staff"])
    (rel,) = agr.reliability_for("grp", "climate")
    assert (rel.alpha, rel.n, rel.reason) == (None, None, "fewer_than_k")
    assert agr.icc_for("grp", "climate").reason == "fewer_than_two_teams"
    assert agr.rwg_for("grp", "climate", "A").reason == "suppressed"


def test_non_group_instruments_get_alpha_only():
    records = records_for({("A", "S", "staff"): [1, 2, 3, 4, 5]})
    agr = agreement(records, {"one": ONE}, k=5, audiences=["staff"])
    assert agr.rwg == () and agr.icc == ()
    assert agr.reliability_for("one", "score")[0].reason == "single_item"

"""Disclosure audit: what a determined analyst can work out from a wave's published figures.

The attacker at the top of this file is written independently of ``disclosure.py`` and
``suppression.py``: it sees only what a reader sees (each published cell's level, place,
audience, and n, mean and SD or "hidden" or "no responses", plus the public map of teams to
sites) and formulates its own mixed-integer program over every (team, audience) group and
every scale at once, with the derived scale tied to its components. It then asks, for each
hidden cell, how few and how many responses it can hold and how low and how high its sum can
be. A release is broken when a hidden cell's count is pinned below k, or a hidden cell that
may hold fewer than k responses has its sum of scores determined exactly (with one response,
that is one person's score).
"""

from __future__ import annotations

import math
import os
import statistics
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from peerway.assessments.analysis.disclosure import (
    COUNT,
    ScaleTable,
    attack,
    protect,
)
from peerway.assessments.analysis.hierarchy import GroupKey, Hierarchy

K = 5
LO, HI = 1.0, 5.0  # every scale's range
# Published sums are read to within this relative tolerance (see solve() below for why it is
# not smaller), and a sum is "determined exactly" when known within EXACT.
TOL = 1e-5
EXACT = 1e-2

# -------------------------------------------------------------- the independent attacker


def publish(hierarchy, reasons, scales):
    """What a reader gets, per scale: {(level, place, audience): None (hidden) | 0 (no
    responses) | (n, mean, SD)}. SD is the sample SD (n − 1), as the results pages show it;
    figures are kept at full precision, which only helps the attacker."""
    out = {}
    for name, leaf_values in scales.items():
        cells = {}
        for group in hierarchy.groups():
            reason = reasons[name][group]
            key = (group.level, group.place_id, group.audience)
            if reason == "no_responses":
                cells[key] = 0
            elif reason is not None:
                cells[key] = None
            else:
                values = [v for leaf in hierarchy.leaves(group) for v in leaf_values[leaf]]
                sd = statistics.stdev(values) if len(values) > 1 else 0.0
                cells[key] = (len(values), statistics.fmean(values), sd)
        out[name] = cells
    return out


def independent_attack(published, team_sites, derived=None, k=K, lo=LO, hi=HI):
    """Return the broken cells: [(scale, cell, why, low, high)].

    ``derived``: {derived scale: (component, component)}: each respondent's derived score is
    the mean of its two component scores, so a group's derived sum is half the sum of the
    components' sums."""
    scales = list(published)
    audiences = sorted({key[2] for cells in published.values() for key in cells} - {"all"})
    teams = sorted(team_sites)
    leaves = [(t, a) for t in teams for a in audiences]
    nl, ns = len(leaves), len(scales)

    def members(key):
        level, place, audience = key
        auds = audiences if audience == "all" else [audience]
        if level == "team":
            tms = [place]
        elif level == "site":
            tms = [t for t in teams if team_sites[t] == place]
        else:
            tms = teams
        return [leaves.index((t, a)) for t in tms for a in auds]

    # Variables: counts x[l] (integer), then per scale sums y[s][l] and sums of squares z[s][l].
    nv = nl * (1 + 2 * ns)

    def y(s, i):
        return nl + 2 * nl * s + i

    def z(s, i):
        return nl + 2 * nl * s + nl + i

    rows, lows, highs = [], [], []

    def add(coefs, low, high):
        row = np.zeros(nv)
        for j, c in coefs:
            row[j] += c
        rows.append(row)
        lows.append(low)
        highs.append(high)

    for s in range(ns):
        for i in range(nl):
            add([(y(s, i), 1), (i, -lo)], 0, np.inf)
            add([(y(s, i), -1), (i, hi)], 0, np.inf)
            add([(z(s, i), 1), (i, -lo * lo)], 0, np.inf)
            add([(z(s, i), -1), (i, hi * hi)], 0, np.inf)
            # Cauchy–Schwarz is not linear; the attacker keeps to linear facts.
    for name, (c1, c2) in (derived or {}).items():
        sd, s1, s2 = scales.index(name), scales.index(c1), scales.index(c2)
        for i in range(nl):
            add([(y(sd, i), 2), (y(s1, i), -1), (y(s2, i), -1)], 0, 0)
    hidden = []
    for s, name in enumerate(scales):
        for key, cell in published[name].items():
            idx = members(key)
            if cell == 0:
                add([(i, 1) for i in idx], 0, 0)
            elif cell is None:
                add([(i, 1) for i in idx], 1, np.inf)
                hidden.append((s, key))
            else:
                n, mean, sd = cell
                total = n * mean
                squares = (n - 1) * sd * sd + n * mean * mean
                add([(i, 1) for i in idx], n, n)
                for var, value in ((y, total), (z, squares)):
                    slack = TOL * max(1.0, abs(value))
                    add([(var(s, i), 1) for i in idx], value - slack, value + slack)
    big = 10_000
    ub = np.full(nv, float(big) * hi * hi)
    ub[:nl] = big
    program = {
        "constraints": LinearConstraint(np.vstack(rows), lows, highs),
        "bounds": Bounds(np.zeros(nv), ub),
        "integrality": np.r_[np.ones(nl), np.zeros(nv - nl)],
    }

    witnesses = []  # every whole-number completion a solve found: each one is feasible

    def solve(objective):
        # HiGHS can report a "solve error" when the published sums' tolerance is close to its
        # own feasibility tolerance; a tighter one is tried before the test gives up.
        for options in ({}, {"mip_feasibility_tolerance": 1e-8}):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                result = milp(objective, options={"mip_rel_gap": 0.0, **options}, **program)
            if result.status == 0:
                witnesses.append(result.x)
                return result.fun
        raise AssertionError(f"the independent attacker's program failed: {result.message}")

    def seen(columns):
        """The lowest and highest value of a sum of columns over the completions found so
        far (an inner bound of its true range), or None before any solve."""
        if not witnesses:
            return None
        values = [float(w[columns].sum()) for w in witnesses]
        return min(values), max(values)

    broken = []
    count_range = {}  # a cell's count range is the same on every scale: solved once
    for s, key in hidden:
        idx = members(key)
        if key not in count_range:
            count = np.zeros(nv)
            count[idx] = 1
            c_low = round(solve(count))
            c_high = None
            if c_low < k:
                inner = seen(idx)
                # Two completions with different counts: not pinned, no need to solve the top.
                c_high = round(inner[1]) if inner[1] - inner[0] >= 0.5 else round(-solve(-count))
            count_range[key] = (c_low, c_high)
        c_low, c_high = count_range[key]
        if c_low >= k:
            continue
        if c_low == c_high:
            broken.append((scales[s], key, "count", c_low, c_high))
            continue
        columns = [y(s, i) for i in idx]
        inner = seen(columns)
        if inner is not None and inner[1] - inner[0] >= EXACT:
            continue  # two completions already differ by more than "exactly"
        total = np.zeros(nv)
        total[columns] = 1
        s_low, s_high = solve(total), -solve(-total)
        if s_high - s_low < EXACT:
            broken.append((scales[s], key, "sum", s_low, s_high))
    return broken


# --------------------------------------------------------------------- the wave under test


def release(team_sites, audiences, leaf_scores):
    """``leaf_scores``: {(team, audience): [(score1, score2), ...]}. Scale "d" is each
    respondent's mean of the two, a derived scale. Returns (hierarchy, scales, reasons)."""
    hierarchy = Hierarchy(team_sites, audiences)
    scales = {
        "s1": {leaf: [a for a, _ in rows] for leaf, rows in leaf_scores.items()},
        "s2": {leaf: [b for _, b in rows] for leaf, rows in leaf_scores.items()},
        "d": {leaf: [(a + b) / 2 for a, b in rows] for leaf, rows in leaf_scores.items()},
    }
    tables = [ScaleTable(name, values, (LO, HI)) for name, values in scales.items()]
    protected = protect(hierarchy, tables, K)
    assert protected.passed
    return hierarchy, scales, protected.reasons


# Scores as scale means of four items on 1–5: quarters.
score = st.integers(4, 20).map(lambda q: q / 4)


@st.composite
def waves(draw):
    n_teams = draw(st.integers(2, 4))
    n_sites = draw(st.integers(1, 2))
    team_sites = {f"t{i}": f"s{draw(st.integers(1, n_sites))}" for i in range(n_teams)}
    audiences = draw(
        st.lists(
            st.sampled_from(("staff", "leaders", "peer_workers")),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    leaf_scores = {}
    for team in team_sites:
        for audience in audiences:
            size = draw(st.sampled_from((0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 20)))
            leaf_scores[(team, audience)] = [(draw(score), draw(score)) for _ in range(size)]
    return team_sites, tuple(audiences), leaf_scores


def check_wave(wave):
    team_sites, audiences, leaf_scores = wave
    hierarchy, scales, reasons = release(team_sites, audiences, leaf_scores)
    published = publish(hierarchy, reasons, scales)
    assert independent_attack(published, team_sites, {"d": ("s1", "s2")}) == []


# A thousand random waves in every run, in four batches of 250 so the suite's workers share
# them (about 0.1 to 0.2 s a wave on a two-core machine). Each batch has its own fixed seed,
# so a failure is reproducible. The analysis uses no database, so `make test` runs the
# batches in its first pass only (tests/conftest.py, runs_once).
# PEERWAY_DISCLOSURE_EXAMPLES sets the batch size for a longer search.
EXAMPLES = int(os.environ.get("PEERWAY_DISCLOSURE_EXAMPLES", "250"))


@pytest.mark.parametrize("batch", range(4))
def test_no_protected_random_wave_gives_away_a_small_count_or_a_score(batch):
    @seed(20261202 + batch)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(waves())
    def run(wave):
        check_wave(wave)

    run()


# ------------------------------------------------------------------ the two attack classes


# Found by a random search (scores 0–4): team t1 is alone on site s2 and its one leader is
# hidden at both levels. The suppression rules' checks are satisfied, yet the shown counts,
# sums and sums of squares (site s2's total of 13, its staff, team t1's totals...) leave one
# whole-number completion: site s2 holds exactly 1 leader and site s1 exactly 3 peer workers.
PINNING_TEAMS = {"t0": "s1", "t1": "s2", "t2": "s1"}
PINNING_SCORES = {
    ("t0", "staff"): [4, 4, 3],
    ("t0", "leaders"): [1, 0, 0, 3, 1, 4],
    ("t0", "peer_workers"): [4, 0, 2],
    ("t1", "staff"): [1, 4, 4, 2, 0, 2, 1, 2],
    ("t1", "leaders"): [4],
    ("t1", "peer_workers"): [3, 4, 3, 0],
    ("t2", "staff"): [0, 1, 0, 3, 3, 3],
    ("t2", "leaders"): [0, 1, 0],
    ("t2", "peer_workers"): [],
}


def test_integer_pinning_that_the_interval_rules_let_through_is_now_hidden():
    hierarchy = Hierarchy(PINNING_TEAMS, ("staff", "leaders", "peer_workers"))
    scales = {"s1": PINNING_SCORES}
    old = hierarchy.suppress({leaf: len(v) for leaf, v in PINNING_SCORES.items()}, K)
    # The old pattern: the independent attacker pins a small hidden count.
    broken = independent_attack(
        publish(hierarchy, {"s1": old}, scales), PINNING_TEAMS, lo=0.0, hi=4.0
    )
    pinned = {key for _, key, why, low, _ in broken if why == "count" and low < K}
    assert ("site", "s2", "leaders") in pinned
    # The module's attacker finds it too, and protect() hides more until nothing is pinned.
    exposures = attack(hierarchy, old, PINNING_SCORES, (0, 4), K).exposures
    assert GroupKey("site", "s2", "leaders") in {e.group for e in exposures if e.figure == COUNT}
    protected = protect(hierarchy, [ScaleTable("s1", PINNING_SCORES, (0, 4))], K)
    assert protected.passed and protected.added
    assert (
        independent_attack(
            publish(hierarchy, protected.reasons, scales), PINNING_TEAMS, lo=0.0, hi=4.0
        )
        == []
    )


def test_a_derived_scale_is_hidden_together_with_its_components():
    # Team a's staff (9) are shown for s1 and for the derived d = mean(s1, s2). Alone, s2's
    # pattern might differ; had d been shown where s2 is hidden, 2·sum(d) − sum(s1) gives
    # sum(s2). Here s2 has a respondent who skipped it, so its counts differ from s1's.
    team_sites = {"a": "s", "b": "s", "c": "s"}
    hierarchy = Hierarchy(team_sites, ("staff",))
    s1 = {("a", "staff"): [2.0] * 9, ("b", "staff"): [3.0] * 6, ("c", "staff"): [4.0] * 6}
    s2 = {("a", "staff"): [1.0] * 9, ("b", "staff"): [2.0] * 4, ("c", "staff"): [5.0] * 6}
    d = {("a", "staff"): [1.5] * 9, ("b", "staff"): [2.5] * 4, ("c", "staff"): [4.5] * 6}
    # Scored separately, s1 shows every team (9, 6, 6) while s2 hides b (4) and a complement.
    alone = {
        name: hierarchy.suppress({leaf: len(v) for leaf, v in values.items()}, K)
        for name, values in (("s1", s1), ("s2", s2), ("d", d))
    }
    b_staff = GroupKey("team", "b", "staff")
    assert alone["s1"][b_staff] is None and alone["s2"][b_staff] is not None
    protected = protect(
        hierarchy,
        [ScaleTable(n, v, (LO, HI)) for n, v in (("s1", s1), ("s2", s2), ("d", d))],
        K,
    )
    hidden = {
        name: {g for g, r in reasons.items() if r not in (None, "no_responses")}
        for name, reasons in protected.reasons.items()
    }
    assert hidden["s1"] == hidden["s2"] == hidden["d"]
    assert b_staff in hidden["s1"]


@pytest.mark.parametrize("score_range", [(0.0, 4.0), (1.0, 5.0), (-3.0, 3.0), (0.0, 100.0)])
def test_the_attacker_solves_every_scale_range_and_never_passes_a_failure(score_range):
    lo, hi = score_range
    hierarchy = Hierarchy({"a": "s", "b": "s"}, ("staff", "leaders"))
    values = {
        ("a", "staff"): [lo + (hi - lo) * f for f in (0.1, 0.3, 0.5, 0.7, 0.9, 1.0)],
        ("a", "leaders"): [lo],
        ("b", "staff"): [hi] * 7,
        ("b", "leaders"): [lo + (hi - lo) / 3] * 8,
    }
    reasons = hierarchy.suppress({leaf: len(v) for leaf, v in values.items()}, K)
    audit = attack(hierarchy, reasons, values, score_range, K)
    assert all(math.isfinite(e.low) for e in audit.exposures)
    protected = protect(hierarchy, [ScaleTable("x", values, score_range)], K)
    assert protected.passed


# ------------------------------------------- the responses as a witness spare solves only


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(waves())
def test_witnessing_the_responses_changes_no_decision(wave):
    """The audit puts the responses themselves among its witnessed completions to skip
    solves; what it decides (which groups are exposed, and why) must be the same as with
    exact solves alone."""
    team_sites, audiences, leaf_scores = wave
    hierarchy = Hierarchy(team_sites, audiences)
    values = {leaf: [a for a, _ in rows] for leaf, rows in leaf_scores.items()}
    # Before protection: the pattern of the interval rules, which the attacker may break.
    reasons = hierarchy.suppress({leaf: len(v) for leaf, v in values.items()}, K)
    quick = attack(hierarchy, reasons, values, (LO, HI), K)
    exact = attack(hierarchy, reasons, values, (LO, HI), K, witness_responses=False)
    assert {(e.group, e.figure) for e in quick.exposures} == {
        (e.group, e.figure) for e in exact.exposures
    }
    assert set(quick.ranges) == set(exact.ranges)


def solves(monkeypatch, hierarchy, reasons, values, **options):
    """The audit's exposures and how many programs it solved."""
    from peerway.assessments.analysis import disclosure

    count = [0]
    real = disclosure.milp

    def counted(*args, **kwargs):
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(disclosure, "milp", counted)
    audit = attack(hierarchy, reasons, values, (LO, HI), K, **options)
    monkeypatch.setattr(disclosure, "milp", real)
    return [(e.group, e.figure) for e in audit.exposures], count[0]


def test_the_responses_spare_solves(monkeypatch):
    hierarchy = Hierarchy({"a": "s", "b": "s", "c": "s"}, ("staff", "leaders"))
    values = {
        ("a", "staff"): [2.0, 3.0],
        ("a", "leaders"): [4.0] * 6,
        ("b", "staff"): [1.0, 5.0, 2.5],
        ("b", "leaders"): [3.0] * 7,
        ("c", "staff"): [2.0] * 9,
        ("c", "leaders"): [1.5],
    }
    reasons = hierarchy.suppress({leaf: len(v) for leaf, v in values.items()}, K)
    quick, fewer = solves(monkeypatch, hierarchy, reasons, values)
    exact, more = solves(monkeypatch, hierarchy, reasons, values, witness_responses=False)
    assert quick == exact
    assert fewer < more


@pytest.mark.parametrize(
    "a_scores, b_scores",
    [([9.0], [1.0] * 6), ([9.0], [3.0] * 6), ([6.0], [1.0] * 5), ([0.0], [2.0] * 6)],
)
def test_responses_outside_the_scale_range_are_no_witness(monkeypatch, a_scores, b_scores):
    """A score outside the scale's range is not a completion the program allows: the audit
    must not take it as one (it could widen a hidden group's witnessed range beyond what is
    possible and pass a figure that exact solves would find exposed). It then solves exactly
    what it solves without the responses."""
    hierarchy = Hierarchy({"a": "s", "b": "s"}, ("staff",))
    values = {("a", "staff"): a_scores, ("b", "staff"): b_scores}
    reasons = hierarchy.suppress({leaf: len(v) for leaf, v in values.items()}, K)
    assert solves(monkeypatch, hierarchy, reasons, values) == solves(
        monkeypatch, hierarchy, reasons, values, witness_responses=False
    )

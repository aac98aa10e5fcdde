"""Disclosure audit of a survey wave's published figures (framework-free; no Django).

The suppression rules (``suppression.py``) hide small groups and the groups that would let
them be worked out by subtraction, checked by linear algebra and interval reasoning. This
module attacks what would be published with an exact mixed-integer program (scipy's
``milp``, HiGHS), as a determined analyst would:

* every (team, audience) group is an unknown: a whole-number count ``x ≥ 0``, a sum ``y`` and
  a sum of squares ``z`` of its scores taken in the scale's unit range
  (``u = (score − lo) / (hi − lo)``, so ``0 ≤ y ≤ x`` and ``0 ≤ z ≤ x``); these are fixed
  linear combinations of the plain sums and sums of squares, so nothing is lost, and the
  program stays well scaled for the solver;
* every shown group fixes the sums of its (team, audience) groups: its count ``n``, its sum
  ``n × mean`` and its sum of squares ``(n − 1)·SD² + n·mean²``; a group shown as "no
  responses" fixes a count of 0; a hidden group is known to hold at least one response;
* for each hidden group the attacker then computes the lowest and highest possible count,
  sum and sum of squares (two solves each).

A release **fails** when, for some hidden group:

* its count is pinned to one value below k (``count``); or
* it may hold fewer than k responses and its sum, or its sum of squares, is known within less
  than the *protection width*: ``PROTECTION_SHARE`` (one half) of what a single response can
  span, i.e. half the scale's range (``sum``, ``sum_of_squares``).

``protect`` hides further groups (smallest count first, among those sharing a sum with the
exposed group) and re-runs the suppression rules until the audit passes. It works per
instrument with one pattern for all of the instrument's scales (derived scales and their
components are hidden together), so the scales' shared sums cannot be combined. Releases go
through it once, when a wave closes (``results.decide_release``), and the decision is stored
with the wave (``WaveRelease``) so every screen shows the same cells.

Limits (docs/survey-results.md): the attacker uses each scale table's sums and sums of
squares as linear facts; it does not reason about which individual scores could make up a
group of several responses, and the relation between a group's sum and sum of squares is
used only for groups pinned to one response.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from .hierarchy import GroupKey, Hierarchy
from .suppression import NO_RESPONSES, is_suppressed, sort_key

PROTECTION_SHARE = 0.5
COUNT, SUM, SUM_OF_SQUARES, SCORE, UNSOLVED = (
    "count",
    "sum",
    "sum_of_squares",
    "score",
    "unsolved",
)

Leaf = tuple[Hashable, str]

# A shown group's published sums are read with this relative tolerance. It is far below the
# protection width, and it must stay well above HiGHS's feasibility tolerance (1e-6): with a
# slack of that size HiGHS finds solutions it then rejects after undoing presolve, and
# reports "Solve error".
_SLACK = 1e-5
# Each option set is tried in turn; a program none of them solves counts as an exposure.
# (``mip_feasibility_tolerance`` is passed to HiGHS as is; scipy warns that it does not know
# it, which is silenced.)
_SOLVER_OPTIONS: tuple[dict, ...] = (
    {"mip_rel_gap": 0.0},
    {"mip_rel_gap": 0.0, "mip_feasibility_tolerance": 1e-7},
    {"mip_rel_gap": 0.0, "presolve": False},
)


@dataclass(frozen=True)
class Exposure:
    """A hidden group the attacker narrows too far on one figure."""

    group: GroupKey
    figure: str
    low: float
    high: float


@dataclass(frozen=True)
class GroupRange:
    """The attacker's lowest and highest count, Σu and Σu² of a hidden group. For a group
    that holds at least k responses whatever the attacker tries, only the lowest count is
    computed (the rest is None). A range already wide enough for the pass rule may be an
    inner bound (witnessed by completions the solver found), never wider than the truth."""

    count: tuple[int, int | None]
    sum: tuple[float, float] | None
    sum_of_squares: tuple[float, float] | None


@dataclass(frozen=True)
class TableAudit:
    """The attacker's ranges for every hidden group of one scale table, and what failed."""

    ranges: Mapping[GroupKey, GroupRange] = field(default_factory=dict)
    exposures: tuple[Exposure, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.exposures


def published_figures(
    values: Sequence[float],
) -> tuple[int, float, float]:
    """(n, sum, sum of squares) that a shown group's n, mean and SD give a reader."""
    arr = np.asarray(values, dtype=float)
    return int(arr.size), float(arr.sum()), float((arr * arr).sum())


def _normalized_figures(
    values: Sequence[float], lo: float, span: float
) -> tuple[int, float, float]:
    """(n, Σu, Σu²) with u = (score − lo) / span in [0, 1]: the same facts as (n, sum, sum
    of squares), since Σu and Σu² are fixed linear combinations of them, on a scale where
    every coefficient of the program is 1 and every bound is the count."""
    arr = (np.asarray(values, dtype=float) - lo) / span
    return int(arr.size), float(arr.sum()), float((arr * arr).sum())


class AttackFailed(RuntimeError):
    """The attacker's program could not be solved: the release must not pass."""


def attack(
    hierarchy: Hierarchy,
    reasons: Mapping[GroupKey, str | None],
    leaf_values: Mapping[Leaf, Sequence[float]],
    scale_range: tuple[float, float],
    k: int,
    *,
    stop_at_first: bool = False,
    witness_responses: bool = True,
) -> TableAudit:
    """Audit one scale table: ``reasons`` says which groups are shown (None), hidden or
    empty; ``leaf_values`` gives the scores of each (team, audience) group, from which the
    shown groups' published figures are computed.

    The program is written in the scale's unit range: u = (score − lo) / (hi − lo), so a
    group's "sum" is Σu in [0, count] and its "sum of squares" Σu² in [0, count]. The
    protection width is then ``PROTECTION_SHARE`` for both. A program HiGHS cannot solve is
    retried without presolve; if it still fails the group is reported exposed (``unsolved``),
    never passed. ``witness_responses`` puts the responses themselves among the witnessed
    completions (they change which figures need a solve, never a decision: tested)."""
    hidden = [g for g in hierarchy.groups() if is_suppressed(reasons[g])]
    if not hidden:
        return TableAudit()
    lo, hi = float(scale_range[0]), float(scale_range[1])
    span = hi - lo
    if not span > 0:
        raise ValueError("a scale's range must have hi > lo")
    leaves = [(t, a) for t in hierarchy.teams for a in hierarchy.audiences]
    index = {leaf: i for i, leaf in enumerate(leaves)}
    n_leaves = len(leaves)
    total = sum(len(v) for v in leaf_values.values())
    # A bound the attacker does not learn anything from: well above any group's count, so it
    # never pins a count below k on its own.
    big = float(2 * total + 2 * k + 10)
    # Variables: x (counts, integer), y (Σu), z (Σu²), leaf by leaf; 0 ≤ y, z ≤ x.
    n_vars = 3 * n_leaves
    rows: list[np.ndarray] = []
    lows: list[float] = []
    highs: list[float] = []

    def add(row: np.ndarray, low: float, high: float) -> None:
        rows.append(row)
        lows.append(low)
        highs.append(high)

    for i in range(n_leaves):
        for offset in (1, 2):
            row = np.zeros(n_vars)
            row[i], row[offset * n_leaves + i] = 1.0, -1.0  # x - y >= 0
            add(row, 0.0, np.inf)

    def member_row(group: GroupKey, offset: int) -> np.ndarray:
        row = np.zeros(n_vars)
        for leaf in hierarchy.leaves(group):
            row[offset * n_leaves + index[leaf]] = 1.0
        return row

    for group in hierarchy.groups():
        reason = reasons[group]
        if reason is None:
            values = [v for leaf in hierarchy.leaves(group) for v in leaf_values.get(leaf, ())]
            n, s, q = _normalized_figures(values, lo, span)
            add(member_row(group, 0), n, n)
            for offset, value in ((1, s), (2, q)):
                slack = _SLACK * max(1.0, abs(value))
                add(member_row(group, offset), value - slack, value + slack)
        elif reason == NO_RESPONSES:
            add(member_row(group, 0), 0, 0)
        else:
            add(member_row(group, 0), 1, np.inf)

    matrix = np.vstack(rows)
    constraints = LinearConstraint(matrix, np.array(lows), np.array(highs))
    bounds = Bounds(np.zeros(n_vars), np.full(n_vars, big))
    integrality = np.concatenate([np.ones(n_leaves), np.zeros(2 * n_leaves)])

    # Every solution the solver returns is a completion the attacker cannot rule out; the
    # pool of them gives inner bounds on every group's ranges. A figure whose witnessed spread
    # already reaches what the pass rule asks needs no exact solve of its own (this is what
    # keeps a wave with many scales fast); every other figure is solved exactly.
    # The responses themselves are one such completion (the published figures were computed
    # from them): with it in the pool, a hidden group's own count and sums are witnessed
    # before any solve, which spares the first solve of most small hidden groups.
    truth = np.zeros(n_vars)
    for leaf, i in index.items():
        n, s, q = _normalized_figures(leaf_values.get(leaf, ()), lo, span)
        truth[i], truth[n_leaves + i], truth[2 * n_leaves + i] = n, s, q
    # Only if it satisfies every constraint: a score outside the scale's range would make it
    # a point the program excludes, and a witness must be a feasible completion.
    tol = 1e-9 * max(1.0, float(total))
    lhs = matrix @ truth
    feasible = (
        bool(np.all(lhs >= np.array(lows) - tol))
        and bool(np.all(lhs <= np.array(highs) + tol))
        and bool(np.all(truth >= -tol))
        and bool(np.all(truth <= big + tol))
    )
    pool: list[np.ndarray] = [truth] if feasible and witness_responses else []

    def extreme(objective: np.ndarray) -> float | None:
        for options in _SOLVER_OPTIONS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                result = milp(
                    objective,
                    constraints=constraints,
                    bounds=bounds,
                    integrality=integrality,
                    options=options,
                )
            if result.status == 0 and result.fun is not None:
                pool.append(np.asarray(result.x))
                return float(result.fun)
        return None

    def witnessed(row: np.ndarray) -> tuple[float, float] | None:
        if not pool:
            return None
        values = [float(row @ x) for x in pool]
        return min(values), max(values)

    width = PROTECTION_SHARE
    ranges: dict[GroupKey, GroupRange] = {}
    exposures: list[Exposure] = []
    for group in sorted(hidden, key=lambda g: sort_key(tuple(g))):
        count_row = member_row(group, 0)
        seen = witnessed(count_row)
        if seen is None or seen[0] > k - 0.5:
            c_low = extreme(count_row)
            if c_low is None:
                exposures.append(Exposure(group, UNSOLVED, math.nan, math.nan))
                if stop_at_first:
                    break
                continue
            if round(c_low) >= k:
                # At least k responses whatever the attacker tries: nothing more to ask.
                ranges[group] = GroupRange((int(round(c_low)), None), None, None)
                continue
        failed = False
        found: list[tuple[float, float]] = []
        for offset, need in ((0, 0.5), (1, width), (2, width)):
            row = member_row(group, offset)
            seen = witnessed(row)
            if seen is not None and seen[1] - seen[0] >= need:
                found.append(seen)  # wide enough already: an inner bound is all we need
                continue
            low, high = extreme(row), extreme(-row)
            if low is None or high is None:
                failed = True
                break
            found.append((low, -high))
        if failed:
            exposures.append(Exposure(group, UNSOLVED, math.nan, math.nan))
            if stop_at_first:
                break
            continue
        (c_low, c_high), (s_low, s_high), (q_low, q_high) = found
        counts = (int(round(c_low)), int(round(c_high)))
        ranges[group] = GroupRange(counts, (s_low, s_high), (q_low, q_high))
        if counts[0] == counts[1]:
            exposures.append(Exposure(group, COUNT, counts[0], counts[1]))
        elif s_high - s_low < width - 1e-9:
            exposures.append(Exposure(group, SUM, s_low, s_high))
        elif q_high - q_low < width - 1e-9:
            exposures.append(Exposure(group, SUM_OF_SQUARES, q_low, q_high))
        if exposures and stop_at_first:
            break
    return TableAudit(ranges=ranges, exposures=tuple(exposures))


@dataclass(frozen=True)
class ScaleTable:
    """One scale of an instrument: its (team, audience) scores and its range."""

    scale: str
    leaf_values: Mapping[Leaf, Sequence[float]]
    scale_range: tuple[float, float]


@dataclass(frozen=True)
class InstrumentRelease:
    """The pattern every scale of one instrument is published with, and the audit of it."""

    reasons: Mapping[str, Mapping[GroupKey, str | None]]
    audits: Mapping[str, TableAudit]
    added: tuple[GroupKey, ...]  # hidden because of the integer attacker

    @property
    def passed(self) -> bool:
        return all(a.passed for a in self.audits.values())


def _counts(table: ScaleTable) -> dict[Leaf, int]:
    return {leaf: len(values) for leaf, values in table.leaf_values.items()}


def protect(
    hierarchy: Hierarchy, tables: Sequence[ScaleTable], k: int, *, max_rounds: int = 200
) -> InstrumentRelease:
    """One suppression pattern for all ``tables`` (the scales of one instrument) that the
    attacker cannot break: the union of each scale's own pattern, then, while the attacker
    exposes a group, the smallest shown group sharing a sum with it is hidden as well, and
    the suppression rules run again with everything hidden so far kept hidden."""
    forced: set[GroupKey] = set()
    added: list[GroupKey] = []
    relations = hierarchy.relations()
    for _round in range(max_rounds):
        # Union of patterns, until every scale hides the same groups.
        while True:
            reasons = {t.scale: hierarchy.suppress(_counts(t), k, forced) for t in tables}
            union = {
                g for r in reasons.values() for g, reason in r.items() if is_suppressed(reason)
            }
            if union <= forced:
                break
            forced |= union
        exposure = None
        audits: dict[str, TableAudit] = {}
        for table in tables:
            audit = attack(
                hierarchy,
                reasons[table.scale],
                table.leaf_values,
                table.scale_range,
                k,
                stop_at_first=True,
            )
            audits[table.scale] = audit
            if not audit.passed:
                exposure, exposed_reasons, counts = (
                    audit.exposures[0],
                    reasons[table.scale],
                    hierarchy.counts(_counts(table)),
                )
                break
        if exposure is None:
            # Every audit ran to the end without an exposure: these are the full audits.
            return InstrumentRelease(reasons, audits, tuple(added))
        candidates = {
            member
            for rel in relations
            if exposure.group in rel.members
            for member in rel.members
            if exposed_reasons[member] is None and counts[member] > 0
        }
        if not candidates:
            candidates = {
                g for g, reason in exposed_reasons.items() if reason is None and counts[g] > 0
            }
        if not candidates:
            # Every group with responses is hidden and the attacker still objects (only a
            # program the solver cannot finish can do that): the caller must publish nothing.
            return InstrumentRelease(reasons, audits, tuple(added))
        chosen = min(candidates, key=lambda g: (counts[g], sort_key(tuple(g))))
        forced.add(chosen)
        added.append(chosen)
    raise RuntimeError("disclosure audit: no safe pattern found")

"""Optimal assignment of open referrals to peer workers.

The problem is a min-cost assignment (``scipy.optimize.linear_sum_assignment``) between
referrals (rows) and capacity slots (columns: a worker with ``remaining_capacity`` k appears as
k identical columns). The objective is lexicographic:

1. assign as many referrals as possible;
2. among those solutions, maximise the total preference score;
3. among those, maximise the id-rank tie-break sum  sum (n - i) * (m - j)  over assigned pairs,
   where i and j are the 0-based positions of the referral and the worker when all referrals and
   all workers are sorted by id (n, m their counts), so earlier ids pair with earlier ids.

The three levels are folded into one exact integer value per pair (weights are rounded to
0.001 and scores counted in thousandths), so ties are genuine ties and the result is the same
for any input order. See docs/matching.md.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csgraph

from .model import (
    WEIGHT_DECIMALS,
    Assignment,
    MatchingInputError,
    Referral,
    Solution,
    Unassigned,
    Weights,
    Worker,
    parse_input,
)

SCORE_UNITS = 10**WEIGHT_DECIMALS
# float64 represents every integer below 2**53 exactly; stay a factor of 2 below that.
_EXACT_LIMIT = 2**52
# Order in which failed hard constraints are reported.
CONSTRAINTS = ("team_coverage", "language", "capacity", "conflict", "required_preference")


def _norm(value: str) -> str:
    return value.strip().casefold()


@dataclass(frozen=True)
class _WorkerView:
    """What the solver may know about a worker: private attributes are dropped here, once."""

    worker: Worker
    teams: frozenset[str]
    sites: frozenset[str]
    languages: frozenset[str]
    # attribute -> normalised value -> "shared" | "matching_only" (shared wins when both exist)
    usable: dict[str, dict[str, str]]

    @classmethod
    def of(cls, worker: Worker) -> _WorkerView:
        usable: dict[str, dict[str, str]] = {}
        has_gender_entry = any(a.attribute == "gender" for a in worker.attributes)
        if worker.gender is not None and not has_gender_entry:
            usable.setdefault("gender", {})[_norm(worker.gender)] = "shared"
        for attr in worker.attributes:
            if attr.visibility == "private":
                continue
            values = usable.setdefault(attr.attribute, {})
            key = _norm(attr.value)
            if values.get(key) != "shared":
                values[key] = attr.visibility
        languages = frozenset(_norm(lang) for lang in worker.languages)
        # Languages spoken are operational facts the team already knows: disclosed.
        usable["language"] = dict.fromkeys(languages, "shared")
        return cls(
            worker=worker,
            teams=frozenset(worker.team_ids),
            sites=frozenset(worker.site_ids),
            languages=languages,
            usable=usable,
        )


@dataclass(frozen=True)
class _PairResult:
    violations: tuple[dict[str, Any], ...]
    score_units: int
    reasons: tuple[dict[str, Any], ...]

    @property
    def feasible(self) -> bool:
        return not self.violations


def _effective_preferences(referral: Referral):
    """Drop duplicate preferences; a required preference makes a preferred twin redundant."""
    required = {
        (p.attribute, _norm(p.value)) for p in referral.preferences if p.strength == "required"
    }
    seen: set[tuple[str, str, str]] = set()
    for pref in referral.preferences:
        key = (pref.attribute, _norm(pref.value), pref.strength)
        if key in seen:
            continue
        if pref.strength == "preferred" and key[:2] in required:
            continue
        seen.add(key)
        yield pref


def _evaluate(
    referral: Referral,
    view: _WorkerView,
    weights: Weights,
    *,
    team_has_worker: bool,
    allow_site_fallback: bool,
) -> _PairResult:
    violations: list[dict[str, Any]] = []
    reasons: list[dict[str, Any]] = []
    units = 0
    worker = view.worker

    if referral.team_id in view.teams:
        reasons.append({"code": "covers_team"})
    elif (
        allow_site_fallback
        and not team_has_worker
        and referral.site_id is not None
        and referral.site_id in view.sites
    ):
        reasons.append({"code": "site_fallback"})
    else:
        violations.append({"constraint": "team_coverage"})

    if referral.language is not None:
        if _norm(referral.language) in view.languages:
            reasons.append({"code": "speaks_language", "language": referral.language})
        else:
            violations.append({"constraint": "language", "language": referral.language})

    if worker.remaining_capacity <= 0:
        violations.append({"constraint": "capacity"})
    if worker.id in referral.conflict_worker_ids:
        violations.append({"constraint": "conflict"})

    if referral.previous_worker_id == worker.id:
        units += _units(weights.continuity)
        reasons.append({"code": "continuity"})
    if referral.site_id is not None and referral.site_id in view.sites:
        units += _units(weights.site)
        reasons.append({"code": "same_site"})

    undisclosed = 0
    for pref in _effective_preferences(referral):
        visibility = view.usable.get(pref.attribute, {}).get(_norm(pref.value))
        if visibility is None:
            if pref.strength == "required":
                violations.append(
                    {"constraint": "required_preference", "attribute": pref.attribute}
                )
            continue
        if pref.strength == "preferred":
            units += _units(weights.for_preference(pref.attribute))
        if visibility == "shared":
            reasons.append(
                {
                    "code": "shared_preference",
                    "attribute": pref.attribute,
                    "value": pref.value,
                    "strength": pref.strength,
                    "disclosed": True,
                }
            )
        else:
            undisclosed += 1
    if undisclosed:
        # One generic reason, always last: neither its position nor its content may hint at
        # which attribute the worker allowed for matching only.
        reasons.append(
            {"code": "matches_recorded_preference", "count": undisclosed, "disclosed": False}
        )
    return _PairResult(tuple(violations), units, tuple(reasons))


def _units(weight: float) -> int:
    return round(weight * SCORE_UNITS)


def _unassigned_reasons(
    pair_results: list[_PairResult], n_feasible: int
) -> tuple[dict[str, Any], ...]:
    if n_feasible:
        return ({"code": "feasible_workers_at_capacity", "feasible_workers": n_feasible},)
    reasons: list[dict[str, Any]] = [{"code": "no_feasible_worker"}]
    # Aggregate counts only: per-worker detail could reveal a worker's (lack of) attributes.
    counts: Counter[tuple[tuple[str, Any], ...]] = Counter()
    for result in pair_results:
        for key in dict.fromkeys(tuple(sorted(v.items())) for v in result.violations):
            counts[key] += 1

    def order(key):
        item = dict(key)
        return (CONSTRAINTS.index(item["constraint"]), key)

    for key in sorted(counts, key=order):
        reasons.append({"code": "workers_excluded", **dict(key), "workers": counts[key]})
    return tuple(reasons)


@dataclass
class _Matrices:
    """Every pair scored at once: ``feasible`` and ``units`` are n x m arrays (referrals by
    workers, both sorted by id); the violation masks say why a pair is infeasible."""

    feasible: np.ndarray
    units: np.ndarray
    team_fail: np.ndarray
    language_fail: np.ndarray
    capacity_fail: np.ndarray
    conflict: np.ndarray
    required_fail: dict[str, np.ndarray]


def _incidence(sets: list[Iterable[str]], index: dict[str, int]) -> np.ndarray:
    """Workers by values: True where worker j has value v (values indexed by ``index``)."""
    matrix = np.zeros((len(sets), len(index) + 1), dtype=bool)  # last column: unknown value
    for j, values in enumerate(sets):
        for value in values:
            matrix[j, index[value]] = True
    return matrix


def _value_index(refs_values: Iterable[str | None], sets: list[Iterable[str]]):
    index: dict[str, int] = {}
    for values in sets:
        for value in values:
            index.setdefault(value, len(index))
    unknown = len(index)
    codes = np.array(
        [-1 if v is None else index.get(v, unknown) for v in refs_values], dtype=np.int64
    )
    return index, codes


def _score_matrices(
    refs: list[Referral],
    views: list[_WorkerView],
    weights: Weights,
    *,
    allow_site_fallback: bool,
) -> _Matrices:
    """Score every referral-worker pair with array operations: the same rules as
    :func:`_evaluate` (a property test checks they agree), without a Python call per pair."""
    n, m = len(refs), len(views)
    worker_index = {view.worker.id: j for j, view in enumerate(views)}

    teams = [view.teams for view in views]
    team_index, team_codes = _value_index((r.team_id for r in refs), teams)
    team_matrix = _incidence(teams, team_index)
    covers = team_matrix.T[team_codes]  # n x m
    sites = [view.sites for view in views]
    site_index, site_codes = _value_index((r.site_id for r in refs), sites)
    site_matrix = _incidence(sites, site_index)
    has_site = site_codes >= 0
    in_site = np.where(has_site[:, None], site_matrix.T[np.maximum(site_codes, 0)], False)
    team_has_worker = team_codes < len(team_index)
    team_ok = covers
    if allow_site_fallback:
        team_ok = covers | (~team_has_worker[:, None] & in_site)

    langs = [view.languages for view in views]
    lang_index, lang_codes = _value_index(
        (None if r.language is None else _norm(r.language) for r in refs), langs
    )
    lang_matrix = _incidence(langs, lang_index)
    has_lang = lang_codes >= 0
    language_fail = np.where(
        has_lang[:, None], ~lang_matrix.T[np.maximum(lang_codes, 0)], False
    ).reshape(n, m)

    capacity_fail = np.array([view.worker.remaining_capacity <= 0 for view in views], dtype=bool)
    conflict = np.zeros((n, m), dtype=bool)
    units = np.zeros((n, m), dtype=np.int64)
    for i, ref in enumerate(refs):
        for worker_id in ref.conflict_worker_ids:
            j = worker_index.get(worker_id)
            if j is not None:
                conflict[i, j] = True
        j = worker_index.get(ref.previous_worker_id) if ref.previous_worker_id else None
        if j is not None:
            units[i, j] += _units(weights.continuity)
    units += np.where(in_site, _units(weights.site), 0).reshape(n, m)

    # Preferences, grouped by (attribute, value, strength): one array operation per group.
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i, ref in enumerate(refs):
        for pref in _effective_preferences(ref):
            groups.setdefault((pref.attribute, _norm(pref.value), pref.strength), []).append(i)
    required_fail: dict[str, np.ndarray] = {}
    for (attribute, value, strength), rows in groups.items():
        usable = np.array([value in view.usable.get(attribute, {}) for view in views], dtype=bool)
        rows = np.array(rows, dtype=np.int64)
        if strength == "required":
            fail = required_fail.setdefault(attribute, np.zeros((n, m), dtype=bool))
            fail[rows] |= ~usable
        else:
            units[rows] += np.where(usable, _units(weights.for_preference(attribute)), 0)

    infeasible = ~team_ok.reshape(n, m) | language_fail | capacity_fail[None, :] | conflict
    for fail in required_fail.values():
        infeasible |= fail
    return _Matrices(
        feasible=~infeasible,
        units=units,
        team_fail=~team_ok.reshape(n, m),
        language_fail=language_fail,
        capacity_fail=capacity_fail,
        conflict=conflict,
        required_fail=required_fail,
    )


def _unassigned_reasons_from(
    matrices: _Matrices, i: int, ref: Referral
) -> tuple[dict[str, Any], ...]:
    """What :func:`_unassigned_reasons` says, counted from the violation masks of row ``i``."""
    n_feasible = int(matrices.feasible[i].sum())
    if n_feasible:
        return ({"code": "feasible_workers_at_capacity", "feasible_workers": n_feasible},)
    reasons: list[dict[str, Any]] = [{"code": "no_feasible_worker"}]
    counts = [
        ({"constraint": "team_coverage"}, matrices.team_fail[i]),
        ({"constraint": "language", "language": ref.language}, matrices.language_fail[i]),
        ({"constraint": "capacity"}, matrices.capacity_fail),
        ({"constraint": "conflict"}, matrices.conflict[i]),
    ] + [
        ({"constraint": "required_preference", "attribute": attribute}, fail[i])
        for attribute, fail in sorted(matrices.required_fail.items())
    ]
    for key, mask in counts:
        workers = int(mask.sum())
        if workers:
            reasons.append({"code": "workers_excluded", **key, "workers": workers})
    return tuple(reasons)


def solve(
    referrals: Iterable[Referral | Mapping[str, Any]],
    workers: Iterable[Worker | Mapping[str, Any]],
    weights: Weights | Mapping[str, Any] | None = None,
    allow_site_fallback: bool = True,
) -> Solution:
    """Propose an optimal assignment of ``referrals`` to ``workers``.

    Hard constraints (a pair violating one is never proposed): the worker covers the
    referral's team (or, when ``allow_site_fallback`` and no worker at all covers that team,
    works at the referral's site); speaks the referral's language; has remaining capacity; is
    not a declared conflict; matches every ``required`` preference through an attribute that is
    not private. Objective: most referrals assigned, then highest total score, then the id-rank
    tie-break (module docstring).

    Pairs are scored all at once (:func:`_score_matrices`), and the assignment is solved
    separately for each connected component of the graph of feasible pairs: the objective is
    a sum over pairs, so the optimum of the whole is the union of the optima of its parts.
    """
    refs, wrks, weights = parse_input(list(referrals), list(workers), weights)
    refs.sort(key=lambda r: r.id)
    wrks.sort(key=lambda w: w.id)
    views = [_WorkerView.of(w) for w in wrks]
    covered_teams = {team for w in wrks for team in w.team_ids}
    n, m = len(refs), len(wrks)
    matrices = _score_matrices(refs, views, weights, allow_site_fallback=allow_site_fallback)
    feasible, units = matrices.feasible, matrices.units

    rows = np.flatnonzero(feasible.any(axis=1))
    capacity = np.array([w.remaining_capacity for w in wrks], dtype=np.int64)
    slots = np.minimum(capacity, feasible.sum(axis=0))  # more slots than takers never help
    cols = np.flatnonzero(slots > 0)

    chosen: dict[int, int] = {}
    rank_tie_break = True
    if rows.size and cols.size:
        k = int(min(rows.size, slots[cols].sum()))
        sub_feasible = feasible[np.ix_(rows, cols)]
        sub_units = units[np.ix_(rows, cols)]
        u_max = int(sub_units.max(initial=0))
        t_max = n * m
        tie_weight = 1
        b = k * t_max + 1  # one score unit outweighs any tie-break total
        c = k * (u_max * b + t_max) + 1  # one more assignment outweighs any score total
        if k * (c + u_max * b + t_max) >= _EXACT_LIMIT:
            # Too large for the exact third level: drop it. Input is still sorted by id, so the
            # result stays independent of input order.
            rank_tie_break = False
            tie_weight = 0
            b = 1
            c = k * u_max + 1
            if k * (c + u_max) >= _EXACT_LIMIT:
                raise MatchingInputError(["input: too many referrals and slots for one solve"])
        chosen = _solve_components(
            rows, cols, sub_feasible, sub_units, slots, (n, m, b, c, tie_weight)
        )

    assignments = []
    unassigned = []
    total_units = 0
    for i, ref in enumerate(refs):
        if i in chosen:
            j = chosen[i]
            result = _evaluate(
                ref,
                views[j],
                weights,
                team_has_worker=ref.team_id in covered_teams,
                allow_site_fallback=allow_site_fallback,
            )
            total_units += result.score_units
            assignments.append(
                Assignment(
                    referral_id=ref.id,
                    worker_id=wrks[j].id,
                    score=result.score_units / SCORE_UNITS,
                    reasons=result.reasons,
                )
            )
        else:
            unassigned.append(
                Unassigned(referral_id=ref.id, reasons=_unassigned_reasons_from(matrices, i, ref))
            )
    return Solution(
        assignments=tuple(assignments),
        unassigned=tuple(unassigned),
        total_score=total_units / SCORE_UNITS,
        rank_tie_break=rank_tie_break,
        weights=weights,
    )


def _solve_components(rows, cols, sub_feasible, sub_units, slots, constants) -> dict[int, int]:
    """Solve the assignment once per connected component of the feasible pairs (rows are
    referrals, columns workers with free slots); return {referral index: worker index}."""
    n, m, b, c, tie_weight = constants
    r, q = sub_feasible.shape
    graph = sparse.coo_matrix(sub_feasible)
    graph = sparse.bmat([[None, graph], [graph.T, None]], format="csr")
    _count, labels = csgraph.connected_components(graph, directed=False)
    row_labels, col_labels = labels[:r], labels[r:]
    chosen: dict[int, int] = {}
    order = np.argsort(col_labels, kind="stable")
    bounds = np.searchsorted(col_labels[order], np.arange(_count + 1))
    for label in np.unique(row_labels):
        comp_rows = np.flatnonzero(row_labels == label)
        comp_cols = order[bounds[label] : bounds[label + 1]]
        if not comp_cols.size:
            continue
        feasible = sub_feasible[np.ix_(comp_rows, comp_cols)]
        global_rows, global_cols = rows[comp_rows], cols[comp_cols]
        tie = np.outer(n - global_rows, m - global_cols).astype(np.int64) * tie_weight
        value = c + sub_units[np.ix_(comp_rows, comp_cols)] * b + tie
        # Infeasible pairs cost 0, every feasible pair costs at most -c: the solver only picks
        # an infeasible pair where no feasible one fits, and such picks are discarded below.
        cost = np.where(feasible, -value, 0).astype(np.float64)
        counts = np.minimum(slots[global_cols], comp_rows.size)
        cost = np.repeat(cost, counts, axis=1)
        slot_col = np.repeat(np.arange(comp_cols.size), counts)
        row_ind, col_ind = linear_sum_assignment(cost)
        for a, s in zip(row_ind, col_ind, strict=True):
            if feasible[a, slot_col[s]]:
                chosen[int(global_rows[a])] = int(global_cols[slot_col[s]])
    return chosen


INPUT_FIELDS = ("referrals", "workers", "weights", "allow_site_fallback")


# One batch is a few dozen referrals; the bound keeps the cost matrix within memory.
MAX_BATCH = 2_000


def solve_json(text: str | bytes, *, lang: str | None = None) -> dict[str, Any]:
    """Solve a JSON document ``{"referrals": [...], "workers": [...], "weights": {...},
    "allow_site_fallback": true}`` and return the JSON-ready solution.

    With ``lang`` ("en" or "fr") each assignment and unassigned entry also carries
    ``explanations``: its reasons rendered as sentences. Invalid input raises
    :class:`MatchingInputError` whose ``errors`` name each faulty field.
    """
    from .explain import explain

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MatchingInputError(
            [f"input: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"]
        ) from None
    except RecursionError:
        raise MatchingInputError(["input: the JSON is nested too deeply"]) from None
    except ValueError as exc:  # not UTF-8 bytes, a number with thousands of digits
        raise MatchingInputError([f"input: not valid JSON ({exc})"]) from None
    if not isinstance(data, dict):
        raise MatchingInputError(["input: must be a JSON object"])
    errors = [f"{key}: unknown field" for key in data if key not in INPUT_FIELDS]
    for key in ("referrals", "workers"):
        if key not in data:
            errors.append(f"{key}: required")
        elif not isinstance(data[key], list):
            errors.append(f"{key}: must be a list")
        elif len(data[key]) > MAX_BATCH:
            errors.append(f"{key}: at most {MAX_BATCH} in one batch")
    fallback = data.get("allow_site_fallback", True)
    if not isinstance(fallback, bool):
        errors.append("allow_site_fallback: must be true or false")
    if errors:
        raise MatchingInputError(errors)
    solution = solve(data["referrals"], data["workers"], data.get("weights"), fallback)
    result = solution.to_dict()
    if lang is not None:
        for entry in result["assignments"] + result["unassigned"]:
            entry["explanations"] = [explain(reason, lang) for reason in entry["reasons"]]
    return result

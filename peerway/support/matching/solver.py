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
from scipy.optimize import linear_sum_assignment

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
    """
    refs, wrks, weights = parse_input(list(referrals), list(workers), weights)
    refs.sort(key=lambda r: r.id)
    wrks.sort(key=lambda w: w.id)
    views = [_WorkerView.of(w) for w in wrks]
    covered_teams = {team for w in wrks for team in w.team_ids}
    n, m = len(refs), len(wrks)

    pairs = [
        [
            _evaluate(
                ref,
                view,
                weights,
                team_has_worker=ref.team_id in covered_teams,
                allow_site_fallback=allow_site_fallback,
            )
            for view in views
        ]
        for ref in refs
    ]
    feasible = np.array([[p.feasible for p in row] for row in pairs], dtype=bool).reshape(n, m)
    units = np.array([[p.score_units for p in row] for row in pairs], dtype=np.int64).reshape(n, m)

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
        tie = np.outer(n - rows, m - cols).astype(np.int64)
        t_max = n * m
        b = k * t_max + 1  # one score unit outweighs any tie-break total
        c = k * (u_max * b + t_max) + 1  # one more assignment outweighs any score total
        if k * (c + u_max * b + t_max) >= _EXACT_LIMIT:
            # Too large for the exact third level: drop it. Input is still sorted by id, so the
            # result stays independent of input order.
            rank_tie_break = False
            tie = np.zeros_like(tie)
            b = 1
            c = k * u_max + 1
            if k * (c + u_max) >= _EXACT_LIMIT:
                raise MatchingInputError(["input: too many referrals and slots for one solve"])
        value = c + sub_units * b + tie
        # Infeasible pairs cost 0, every feasible pair costs at most -c: the solver only picks
        # an infeasible pair where no feasible one fits, and such picks are discarded below.
        cost = np.where(sub_feasible, -value, 0).astype(np.float64)
        cost = np.repeat(cost, slots[cols], axis=1)
        slot_worker = np.repeat(cols, slots[cols])
        row_ind, col_ind = linear_sum_assignment(cost)
        for r, s in zip(row_ind, col_ind, strict=True):
            i, j = int(rows[r]), int(slot_worker[s])
            if feasible[i, j]:
                chosen[i] = j

    assignments = []
    unassigned = []
    total_units = 0
    for i, ref in enumerate(refs):
        if i in chosen:
            j = chosen[i]
            result = pairs[i][j]
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
                Unassigned(
                    referral_id=ref.id,
                    reasons=_unassigned_reasons(pairs[i], int(feasible[i].sum())),
                )
            )
    return Solution(
        assignments=tuple(assignments),
        unassigned=tuple(unassigned),
        total_score=total_units / SCORE_UNITS,
        rank_tie_break=rank_tie_break,
        weights=weights,
    )


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

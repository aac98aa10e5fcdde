"""Shared builders and an independent disclosure checker for the survey-analysis tests."""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping

import numpy as np

from peerway.assessments.analysis import Hierarchy, ResponseRecord
from peerway.assessments.analysis.suppression import (
    DIFFERENCING,
    FEWER_THAN_K,
    NO_RESPONSES,
    Relation,
)
from peerway.instruments.engine import load_definition
from tests.instruments.factories import definition, item, scale

HIDDEN = (FEWER_THAN_K, DIFFERENCING)


def one_item_instrument(code: str = "one", version: str = "1", group_level: bool = False):
    """A single 1–5 item whose scale score equals the answer."""
    return load_definition(
        definition(
            code=code,
            version=version,
            group_level=group_level,
            items=[item("q1")],
            scales=[scale("score", ["q1"], method="mean", min_answered=1)],
            total_scale="score",
        )
    )


def record(team, site, audience, value, code="one", version="1", item_id="q1"):
    return ResponseRecord(team, site, audience, {code: {item_id: value}}, {code: version})


def records_for(values: Mapping[tuple[Hashable, Hashable, str], list]) -> list[ResponseRecord]:
    """``{(team, site, audience): [answers…]}`` → records on the one-item instrument."""
    return [
        record(team, site, audience, v)
        for (team, site, audience), answers in values.items()
        for v in answers
    ]


def check_relations(counts, relations, reasons, k):
    """The two published guarantees, checked directly (brute force over the relations)."""
    for key, reason in reasons.items():
        if reason is None:
            assert counts[key] >= k, key
    for rel in relations:
        rel = rel if isinstance(rel, Relation) else Relation(rel[0], tuple(rel[1]))
        if reasons[rel.parent] is not None:
            continue
        # What a reader can compute: the parent minus every shown child.
        residue = counts[rel.parent] - sum(counts[c] for c in rel.children if reasons[c] is None)
        assert residue == 0 or residue >= k, (rel, residue)


def determined_cells(counts, relations, reasons) -> list:
    """Hidden cells a reader can compute exactly from the shown ones by any combination of
    the relations (rank test, independent of the implementation's null-space test)."""
    hidden = [key for key, r in reasons.items() if r in HIDDEN]
    if not hidden:
        return []
    col = {key: j for j, key in enumerate(hidden)}
    rows = []
    for rel in relations:
        rel = rel if isinstance(rel, Relation) else Relation(rel[0], tuple(rel[1]))
        row = np.zeros(len(hidden))
        if rel.parent in col:
            row[col[rel.parent]] += 1
        for child in rel.children:
            if child in col:
                row[col[child]] -= 1
        rows.append(row)
    a = np.array(rows) if rows else np.zeros((0, len(hidden)))
    rank = np.linalg.matrix_rank(a) if len(rows) else 0
    out = []
    for key in hidden:
        unit = np.zeros(len(hidden))
        unit[col[key]] = 1
        stacked = np.vstack([a, unit]) if len(rows) else unit[None, :]
        if np.linalg.matrix_rank(stacked) == rank:
            out.append(key)
    return out


def integer_completions_pin(hierarchy: Hierarchy, leaf_counts, reasons, bound: int) -> list:
    """Hidden groups whose count is the same in every whole-number completion consistent with
    what a reader sees: shown counts, 0 for "no responses", at least 1 for a hidden group
    (both suppression reasons look alike). Leaves range over 1..``bound``."""
    leaves = [(t, a) for t in hierarchy.teams for a in hierarchy.audiences]
    counts = hierarchy.counts(leaf_counts)
    unknown = [leaf for leaf in leaves if reasons[("team", *leaf)] in HIDDEN]
    seen: dict = {g: set() for g, r in reasons.items() if r in HIDDEN}
    for combo in itertools.product(range(1, bound + 1), repeat=len(unknown)):
        trial = {leaf: leaf_counts.get(leaf, 0) for leaf in leaves}
        trial.update(zip(unknown, combo, strict=True))
        got = hierarchy.counts(trial)
        if all(
            (got[g] == counts[g]) if (r is None or r == NO_RESPONSES) else got[g] >= 1
            for g, r in reasons.items()
        ):
            for g in seen:
                seen[g].add(got[g])
    return [g for g, values in seen.items() if len(values) < 2]

"""Change between two waves for the same cell (framework-free; no Django).

Waves are independent anonymous samples (nobody's answers can be linked across waves), so
the change in a group's mean is a difference of two independent means with a Welch t
interval, exactly as ``peerway.instruments.engine.group.change_between`` computes it. Results
keep no individual scores (a suppressed group could otherwise be recovered from the scores of
shown groups), so the same formula is applied to the shown cells' n, mean and SD; the tests
check that both give the same numbers.

A change is reported only when the cell is shown in both waves; otherwise it carries a reason
and no figures.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from peerway.lazy import stats

from .results import Cell, CellKey, WaveResults

NOT_SHOWN_BEFORE = "not_shown_before"
NOT_SHOWN_AFTER = "not_shown_after"
NOT_SHOWN_IN_EITHER = "not_shown_in_either"


def welch_change(
    n_a: int,
    mean_a: float,
    sd_a: float | None,
    n_b: int,
    mean_b: float,
    sd_b: float | None,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """``change_between`` from summary statistics: difference b − a, Welch interval, Hedges' g.

    Same keys and the same conventions: the interval needs n ≥ 2 in each wave and a non-zero
    standard error; Hedges' g needs a non-zero pooled SD.
    """
    out: dict[str, Any] = {
        "n_a": n_a,
        "n_b": n_b,
        "mean_a": mean_a,
        "mean_b": mean_b,
        "difference": None,
        "se": None,
        "df": None,
        "ci95_low": None,
        "ci95_high": None,
        "hedges_g": None,
    }
    if n_a == 0 or n_b == 0:
        return out
    diff = mean_b - mean_a
    out["difference"] = diff
    if n_a < 2 or n_b < 2 or sd_a is None or sd_b is None:
        return out
    va, vb = sd_a**2, sd_b**2
    qa, qb = va / n_a, vb / n_b
    se = math.sqrt(qa + qb)
    if se == 0:
        return out
    df = (qa + qb) ** 2 / (qa**2 / (n_a - 1) + qb**2 / (n_b - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    out.update({"se": se, "df": df, "ci95_low": diff - half, "ci95_high": diff + half})
    pooled = math.sqrt(((n_a - 1) * va + (n_b - 1) * vb) / (n_a + n_b - 2))
    if pooled > 0:
        correction = 1 - 3 / (4 * (n_a + n_b) - 9)
        out["hedges_g"] = diff / pooled * correction
    return out


@dataclass(frozen=True)
class Change:
    """Change of one cell from wave ``before`` to wave ``after`` (difference = after − before).

    ``reason``: None (figures present), ``"not_shown_before"``, ``"not_shown_after"`` or
    ``"not_shown_in_either"`` (suppressed, no responses, or the group is not in that wave).
    ``same_versions`` is False when the instrument versions answered differ between waves.
    The interval (``ci95_*``, ``se``, ``df``) is None when both waves have no spread.
    """

    key: CellKey
    reason: str | None
    n_before: int | None = None
    n_after: int | None = None
    mean_before: float | None = None
    mean_after: float | None = None
    difference: float | None = None
    se: float | None = None
    df: float | None = None
    ci95_low: float | None = None
    ci95_high: float | None = None
    hedges_g: float | None = None
    same_versions: bool | None = None

    @property
    def shown(self) -> bool:
        return self.reason is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.key.instrument,
            "scale": self.key.scale,
            "level": self.key.level,
            "place_id": self.key.place_id,
            "audience": self.key.audience,
            "reason": self.reason,
            "n_before": self.n_before,
            "n_after": self.n_after,
            "mean_before": self.mean_before,
            "mean_after": self.mean_after,
            "difference": self.difference,
            "se": self.se,
            "df": self.df,
            "ci95_low": self.ci95_low,
            "ci95_high": self.ci95_high,
            "hedges_g": self.hedges_g,
            "same_versions": self.same_versions,
        }


def compare(before: WaveResults, after: WaveResults, key: CellKey) -> Change:
    """The change of one cell between two waves."""
    key = CellKey(*key)
    a: Cell | None = before.cells.get(key)
    b: Cell | None = after.cells.get(key)
    shown_a = a is not None and a.shown
    shown_b = b is not None and b.shown
    if not (shown_a and shown_b):
        if not shown_a and not shown_b:
            return Change(key, NOT_SHOWN_IN_EITHER)
        return Change(key, NOT_SHOWN_AFTER if shown_a else NOT_SHOWN_BEFORE)
    assert a is not None and b is not None and a.n is not None and b.n is not None
    w = welch_change(a.n, a.mean, a.sd, b.n, b.mean, b.sd)
    return Change(
        key,
        None,
        n_before=a.n,
        n_after=b.n,
        mean_before=a.mean,
        mean_after=b.mean,
        difference=w["difference"],
        se=w["se"],
        df=w["df"],
        ci95_low=w["ci95_low"],
        ci95_high=w["ci95_high"],
        hedges_g=w["hedges_g"],
        same_versions=set(before.versions.get(key.instrument, ()))
        == set(after.versions.get(key.instrument, ())),
    )


def compare_waves(
    before: WaveResults,
    after: WaveResults,
    *,
    instrument: str | None = None,
    scale: str | None = None,
    level: str | None = None,
    place_id: Hashable | None = ...,  # type: ignore[assignment]
    audience: str | None = None,
) -> list[Change]:
    """Changes for every cell key of the later wave (in its order) matching the filters."""
    cells = after.select(instrument, scale, level, place_id, audience)
    return [compare(before, after, cell.key) for cell in cells]

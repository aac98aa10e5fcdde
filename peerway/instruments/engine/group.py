"""Group-level statistics for survey results (numpy/scipy, no Django).

Used to decide whether individual answers may be aggregated to a team (within-group
agreement rwg(j), ICC(1), ICC(2)), to report reliability per wave (Cronbach's alpha), and to
compare two waves of anonymous responses (Welch). Functions drop missing values (None/NaN)
as documented on each and return plain dicts of floats so results are JSON-serializable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from peerway.lazy import stats


def _clean(values: Iterable[Any]) -> np.ndarray:
    """Drop None and NaN; return floats."""
    kept = [float(v) for v in values if v is not None and not _is_nan(v)]
    return np.asarray(kept, dtype=float)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _complete_rows(matrix: Sequence[Sequence[Any]]) -> np.ndarray:
    """Rows (respondents) with an answer to every column (item); others are dropped."""
    rows = [
        [float(v) for v in row]
        for row in matrix
        if all(v is not None and not _is_nan(v) for v in row)
    ]
    if not rows:
        return np.empty((0, 0))
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        raise ValueError("every row must have the same number of items")
    return np.asarray(rows, dtype=float)


def describe(values: Iterable[Any], confidence: float = 0.95) -> dict[str, Any]:
    """n, mean, sample SD (n-1) and a t-based confidence interval for the mean.

    Missing values are dropped. With n < 2 the SD and interval are None.
    """
    data = _clean(values)
    n = int(data.size)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "ci95_low": None, "ci95_high": None}
    mean = float(data.mean())
    if n < 2:
        return {"n": 1, "mean": mean, "sd": None, "ci95_low": None, "ci95_high": None}
    sd = float(data.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return {"n": n, "mean": mean, "sd": sd, "ci95_low": mean - half, "ci95_high": mean + half}


def rwg_j(matrix: Sequence[Sequence[Any]], n_options: int) -> dict[str, Any]:
    """Within-group agreement rwg(j) of James, Demaree & Wolf (1984) for one group.

    ``matrix`` is respondents × J items of one group; ``n_options`` is A, the number of
    (scored) response options. With s̄² the mean of the item variances (n-1) and the
    uniform null variance σ²_EU = (A² − 1) / 12:

        rwg(j) = J(1 − s̄²/σ²_EU) / (J(1 − s̄²/σ²_EU) + s̄²/σ²_EU)

    Truncation: when s̄² ≥ σ²_EU (more disagreement than random answering) the formula gives
    values outside [0, 1], so rwg(j) is set to 0 (James et al. 1984; LeBreton & Senter 2008)
    and ``truncated`` is True. Only respondents who answered every item are used.
    """
    if n_options < 2:
        raise ValueError("n_options must be at least 2")
    data = _complete_rows(matrix)
    n = int(data.shape[0])
    j = int(data.shape[1]) if n else 0
    expected = (n_options**2 - 1) / 12
    result: dict[str, Any] = {
        "rwg_j": None,
        "n": n,
        "items": j,
        "mean_item_variance": None,
        "expected_variance": expected,
        "truncated": False,
    }
    if n < 2 or j < 1:
        return result
    mean_var = float(data.var(axis=0, ddof=1).mean())
    ratio = mean_var / expected
    result["mean_item_variance"] = mean_var
    if ratio >= 1:
        result["rwg_j"] = 0.0
        result["truncated"] = True
        return result
    result["rwg_j"] = j * (1 - ratio) / (j * (1 - ratio) + ratio)
    return result


def icc1_icc2(groups: Sequence[Iterable[Any]]) -> dict[str, Any]:
    """ICC(1) and ICC(2) from a one-way ANOVA of individual scores nested in groups.

    ICC(1) = (MSB − MSW) / (MSB + (k − 1)·MSW) and ICC(2) = (MSB − MSW) / MSB (Bliese 2000).
    k is the group size. With unequal sizes two conventions exist, and both are returned:
    ``icc1`` uses the mean group size k = N / G, as Bliese's R package ``multilevel``
    (``ICC1``) does, which is what evaluators reproducing the figure will get;
    ``icc1_n0`` uses the adjusted average size n₀ = (N − Σ nᵢ² / N) / (G − 1) of the one-way
    ANOVA (McGraw & Wong 1996). They agree when groups are of equal size. ICC(1) may be
    negative (more variance within than between groups) and is reported as computed.
    Missing values are dropped; empty groups are ignored. Needs ≥ 2 groups and N > G.
    """
    cleaned = [g for g in (_clean(group) for group in groups) if g.size > 0]
    g_count = len(cleaned)
    n_total = int(sum(g.size for g in cleaned))
    out: dict[str, Any] = {
        "icc1": None,
        "icc1_n0": None,
        "icc2": None,
        "msb": None,
        "msw": None,
        "k": None,
        "n0": None,
        "f": None,
        "p": None,
        "n_groups": g_count,
        "n": n_total,
    }
    if g_count < 2 or n_total <= g_count:
        return out
    grand = float(np.concatenate(cleaned).mean())
    ssb = float(sum(g.size * (g.mean() - grand) ** 2 for g in cleaned))
    ssw = float(sum(((g - g.mean()) ** 2).sum() for g in cleaned))
    df_b, df_w = g_count - 1, n_total - g_count
    msb, msw = ssb / df_b, ssw / df_w
    sizes = np.array([g.size for g in cleaned], dtype=float)
    k = n_total / g_count
    n0 = float((n_total - (sizes**2).sum() / n_total) / (g_count - 1))
    out.update({"msb": msb, "msw": msw, "k": k, "n0": n0})
    for key, size in (("icc1", k), ("icc1_n0", n0)):
        denom1 = msb + (size - 1) * msw
        out[key] = (msb - msw) / denom1 if denom1 != 0 else None
    out["icc2"] = (msb - msw) / msb if msb != 0 else None
    if msw > 0:
        f_value = msb / msw
        out["f"] = f_value
        out["p"] = float(stats.f.sf(f_value, df_b, df_w))
    return out


def cronbach_alpha(matrix: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Cronbach's alpha = k/(k−1) · (1 − Σ item variances / variance of totals).

    Complete cases only (respondents who answered every item); variances use n − 1.
    Alpha is None with fewer than 2 items or 2 respondents, or when totals do not vary.
    """
    data = _complete_rows(matrix)
    n = int(data.shape[0])
    k = int(data.shape[1]) if n else 0
    result: dict[str, Any] = {"alpha": None, "n": n, "items": k}
    if n < 2 or k < 2:
        return result
    item_var = float(data.var(axis=0, ddof=1).sum())
    total_var = float(data.sum(axis=1).var(ddof=1))
    if total_var == 0:
        return result
    result["alpha"] = k / (k - 1) * (1 - item_var / total_var)
    return result


def change_between(
    a_values: Iterable[Any], b_values: Iterable[Any], confidence: float = 0.95
) -> dict[str, Any]:
    """Difference of means b − a between two independent waves, with a Welch interval.

    Waves are independent anonymous samples (the same people cannot be linked), so the
    Welch–Satterthwaite t interval is used rather than a paired one. Also reports Hedges' g
    (pooled SD, small-sample corrected) as an effect size. Missing values are dropped; the
    interval needs at least 2 values in each wave and some variance.
    """
    a, b = _clean(a_values), _clean(b_values)
    out: dict[str, Any] = {
        "n_a": int(a.size),
        "n_b": int(b.size),
        "mean_a": float(a.mean()) if a.size else None,
        "mean_b": float(b.mean()) if b.size else None,
        "difference": None,
        "se": None,
        "df": None,
        "ci95_low": None,
        "ci95_high": None,
        "hedges_g": None,
    }
    if a.size == 0 or b.size == 0:
        return out
    diff = float(b.mean() - a.mean())
    out["difference"] = diff
    if a.size < 2 or b.size < 2:
        return out
    va, vb = float(a.var(ddof=1)), float(b.var(ddof=1))
    qa, qb = va / a.size, vb / b.size
    se = math.sqrt(qa + qb)
    if se == 0:
        return out
    df = (qa + qb) ** 2 / (qa**2 / (a.size - 1) + qb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    out.update({"se": se, "df": df, "ci95_low": diff - half, "ci95_high": diff + half})
    pooled = math.sqrt(((a.size - 1) * va + (b.size - 1) * vb) / (a.size + b.size - 2))
    if pooled > 0:
        correction = 1 - 3 / (4 * (a.size + b.size) - 9)
        out["hedges_g"] = diff / pooled * correction
    return out

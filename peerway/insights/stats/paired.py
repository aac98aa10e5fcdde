"""Change between two administrations of an outcome measure by the same people.

For recovery, hope or empowerment scores taken at intake and at a follow-up. Everything is
computed on complete pairs; see docs/statistics.md for each formula and its reference.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from peerway.lazy import stats

from .common import CONFIDENCE, LABEL, check_min_n, suppression_reason

# Jacobson & Truax (1991): a change larger than 1.96 standard errors of the difference is
# unlikely (p < .05) to be measurement error alone.
RCI_THRESHOLD = 1.96

METHOD = (
    "Complete pre/post pairs only (pairs with a missing score are dropped). Change = post - pre. "
    "95% confidence interval of the mean change from the t distribution with n - 1 degrees of "
    "freedom (paired t-test). Effect sizes: Cohen's d_z = mean change / SD of change; Hedges' "
    "g_av = d_av x J with d_av = mean change / ((SD pre + SD post) / 2) and "
    "J = 1 - 3 / (4(n - 1) - 1) (Lakens 2013). Wilcoxon signed-rank test on the changes "
    "(scipy.stats.wilcoxon: zero changes dropped, exact or normal approximation chosen by "
    "scipy). Reliable change index (Jacobson & Truax 1991): RCI = change / SE_diff with "
    "SE_diff = SD_baseline x sqrt(2) x sqrt(1 - reliability); |RCI| > 1.96 in the direction of "
    "improvement counts as reliable improvement, in the other direction as reliable "
    "deterioration."
)


@dataclass(frozen=True)
class ReliableChange:
    """Jacobson & Truax reliable change among the complete pairs."""

    reliability: float
    sd_baseline: float
    sd_baseline_source: str  # "given" or "sample pre scores"
    se_diff: float
    threshold: float
    n_improved: int
    n_deteriorated: int
    n_unchanged: int
    share_improved: float
    share_deteriorated: float
    share_unchanged: float


@dataclass(frozen=True)
class PairedResult:
    suppressed: bool
    reason: str | None
    method: str
    label: str
    higher_is_better: bool
    confidence: float = CONFIDENCE
    n: int | None = None
    n_dropped: int | None = None
    mean_pre: float | None = None
    mean_post: float | None = None
    sd_pre: float | None = None
    sd_post: float | None = None
    mean_change: float | None = None
    sd_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    t_statistic: float | None = None
    t_p_value: float | None = None
    cohen_dz: float | None = None
    d_av: float | None = None
    hedges_g_av: float | None = None
    wilcoxon_statistic: float | None = None
    wilcoxon_p_value: float | None = None
    reliable_change: ReliableChange | None = None
    notes: tuple[str, ...] = ()


def _as_float(value, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{path}: must be a number or None")
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"{path}: must be finite")
    return number


def hedges_correction(n: int) -> float:
    """Small-sample correction J = 1 - 3 / (4·df - 1) with df = n - 1 (Hedges 1981)."""
    return 1 - 3 / (4 * (n - 1) - 1)


def reliable_change(
    changes: Sequence[float],
    *,
    reliability: float,
    sd_baseline: float,
    higher_is_better: bool = True,
    sd_baseline_source: str = "given",
) -> ReliableChange:
    """Classify each change with the reliable change index (Jacobson & Truax 1991)."""
    if isinstance(reliability, bool) or not 0 <= reliability < 1:
        raise ValueError("reliability: must be at least 0 and below 1")
    if not sd_baseline > 0 or not math.isfinite(sd_baseline):
        raise ValueError("sd_baseline: must be a positive number")
    se_diff = sd_baseline * math.sqrt(2) * math.sqrt(1 - reliability)
    rci = np.asarray(changes, dtype=float) / se_diff
    if not higher_is_better:
        rci = -rci  # positive RCI now always means improvement
    n = rci.size
    improved = int(np.sum(rci > RCI_THRESHOLD))
    deteriorated = int(np.sum(rci < -RCI_THRESHOLD))
    unchanged = n - improved - deteriorated
    return ReliableChange(
        reliability=float(reliability),
        sd_baseline=float(sd_baseline),
        sd_baseline_source=sd_baseline_source,
        se_diff=se_diff,
        threshold=RCI_THRESHOLD,
        n_improved=improved,
        n_deteriorated=deteriorated,
        n_unchanged=unchanged,
        share_improved=improved / n if n else math.nan,
        share_deteriorated=deteriorated / n if n else math.nan,
        share_unchanged=unchanged / n if n else math.nan,
    )


def paired_change(
    pre: Sequence[float | None],
    post: Sequence[float | None],
    *,
    reliability: float | None = None,
    sd_baseline: float | None = None,
    higher_is_better: bool = True,
    min_n: int = 10,
) -> PairedResult:
    """Summarise the change from ``pre`` to ``post`` (same people, same order).

    Pairs with a missing score (None or NaN) are dropped. With fewer than ``min_n`` complete
    pairs the result is suppressed: no figures, only the reason. The reliable change index is
    computed when ``reliability`` (e.g. the instrument's test-retest or Cronbach's alpha) is
    given; ``sd_baseline`` defaults to the SD of the sample's pre scores.
    """
    check_min_n(min_n)
    if len(pre) != len(post):
        raise ValueError("pre, post: must have the same length (one pair per person)")
    if reliability is not None and (isinstance(reliability, bool) or not 0 <= reliability < 1):
        raise ValueError("reliability: must be at least 0 and below 1")
    if sd_baseline is not None and (not sd_baseline > 0 or not math.isfinite(sd_baseline)):
        raise ValueError("sd_baseline: must be a positive number")
    pairs = []
    for i, (a, b) in enumerate(zip(pre, post, strict=True)):
        x, y = _as_float(a, f"pre[{i}]"), _as_float(b, f"post[{i}]")
        if x is not None and y is not None:
            pairs.append((x, y))
    n = len(pairs)
    common = {"method": METHOD, "label": LABEL, "higher_is_better": higher_is_better}
    if n < min_n:
        return PairedResult(
            suppressed=True, reason=suppression_reason("complete pairs", min_n), **common
        )

    before = np.array([p[0] for p in pairs])
    after = np.array([p[1] for p in pairs])
    change = after - before
    mean_change = float(change.mean())
    sd_change = float(change.std(ddof=1))
    sd_pre = float(before.std(ddof=1))
    sd_post = float(after.std(ddof=1))
    notes: list[str] = []

    t_crit = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))
    se = sd_change / math.sqrt(n)
    ci_low, ci_high = mean_change - t_crit * se, mean_change + t_crit * se
    if sd_change > 0:
        t_statistic = mean_change / se
        t_p_value = float(2 * stats.t.sf(abs(t_statistic), n - 1))
        cohen_dz = mean_change / sd_change
    else:
        t_statistic = t_p_value = cohen_dz = None
        notes.append("every change is identical: t-test and d_z are undefined")
    sd_av = (sd_pre + sd_post) / 2
    if sd_av > 0:
        d_av = mean_change / sd_av
        hedges_g_av = d_av * hedges_correction(n)
    else:
        d_av = hedges_g_av = None
        notes.append("pre and post scores do not vary: d_av and g_av are undefined")

    if np.any(change != 0):
        with warnings.catch_warnings():
            # scipy warns when it falls back to the normal approximation; that is documented.
            warnings.simplefilter("ignore", UserWarning)
            wilcoxon = stats.wilcoxon(change)
        wilcoxon_statistic = float(wilcoxon.statistic)
        wilcoxon_p_value = float(wilcoxon.pvalue)
    else:
        wilcoxon_statistic = wilcoxon_p_value = None
        notes.append("no non-zero change: Wilcoxon signed-rank test is undefined")

    rc = None
    if reliability is not None:
        source = "given"
        baseline = sd_baseline
        if baseline is None:
            baseline, source = sd_pre, "sample pre scores"
        if baseline > 0:
            rc = reliable_change(
                change,
                reliability=reliability,
                sd_baseline=baseline,
                higher_is_better=higher_is_better,
                sd_baseline_source=source,
            )
        else:
            notes.append("baseline SD is zero: reliable change index is undefined")

    return PairedResult(
        suppressed=False,
        reason=None,
        n=n,
        n_dropped=len(pre) - n,
        mean_pre=float(before.mean()),
        mean_post=float(after.mean()),
        sd_pre=sd_pre,
        sd_post=sd_post,
        mean_change=mean_change,
        sd_change=sd_change,
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        t_statistic=None if t_statistic is None else float(t_statistic),
        t_p_value=t_p_value,
        cohen_dz=None if cohen_dz is None else float(cohen_dz),
        d_av=None if d_av is None else float(d_av),
        hedges_g_av=None if hedges_g_av is None else float(hedges_g_av),
        wilcoxon_statistic=wilcoxon_statistic,
        wilcoxon_p_value=wilcoxon_p_value,
        reliable_change=rc,
        notes=tuple(notes),
        **common,
    )

"""Shared pieces of the outcome statistics: the causal caveat, the 95% level, Wilson intervals."""

from __future__ import annotations

import math

LABEL = "observational, not causal"
CONFIDENCE = 0.95
# Two-sided 95% normal quantile (1.959964...), used for Wilson and Kaplan–Meier intervals.
# scipy.stats.norm.ppf(0.975), written out so that importing this module does not import
# scipy.stats (tests/insights/test_lazy_stats.py checks the two are equal).
Z95 = 1.959963984540054


def check_min_n(min_n: int) -> int:
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 2:
        raise ValueError("min_n: must be an integer of at least 2")
    return min_n


def suppression_reason(what: str, min_n: int) -> str:
    """Why a figure is not shown. The exact count is not repeated: it may itself be small."""
    return f"suppressed: fewer than {min_n} {what}"


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927).

    centre = (p + z²/2n) / (1 + z²/n),  half-width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)
    """
    if n <= 0:
        raise ValueError("n: must be positive")
    if not 0 <= successes <= n:
        raise ValueError("successes: must be between 0 and n")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)

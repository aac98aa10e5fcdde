"""Group statistics checked against hand computations on small data."""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

import pytest
from scipy import stats

from peerway.instruments.engine.group import (
    change_between,
    cronbach_alpha,
    describe,
    icc1_icc2,
    rwg_j,
)


def test_describe_gives_mean_sd_and_t_interval():
    result = describe([2, 4, 4, 4, 5, 5, 7, 9])
    sd = math.sqrt(32 / 7)  # squared deviations sum to 32
    half = 2.364624 * sd / math.sqrt(8)  # t(0.975, 7) from tables
    assert result["n"] == 8
    assert result["mean"] == pytest.approx(5)
    assert result["sd"] == pytest.approx(sd)
    assert result["ci95_low"] == pytest.approx(5 - half, abs=1e-5)
    assert result["ci95_high"] == pytest.approx(5 + half, abs=1e-5)


def test_describe_drops_missing_values_and_handles_tiny_samples():
    assert describe([None, 3, float("nan")]) == {
        "n": 1,
        "mean": 3.0,
        "sd": None,
        "ci95_low": None,
        "ci95_high": None,
    }
    assert describe([])["mean"] is None


def test_rwg_j_matches_james_demaree_wolf_formula():
    # 4 respondents × 3 items on a 5-point scale.
    matrix = [[4, 3, 4], [4, 4, 4], [5, 4, 4], [5, 5, 4]]
    # item variances: 1/3, 2/3, 0 → mean 1/3; σ²_EU = (25 − 1)/12 = 2; ratio 1/6
    ratio = (1 / 3) / 2
    expected = 3 * (1 - ratio) / (3 * (1 - ratio) + ratio)
    result = rwg_j(matrix, 5)
    assert result["rwg_j"] == pytest.approx(expected)
    assert result["rwg_j"] == pytest.approx(0.9375)
    assert result["mean_item_variance"] == pytest.approx(1 / 3)
    assert result["expected_variance"] == pytest.approx(2)
    assert (result["n"], result["items"], result["truncated"]) == (4, 3, False)


def test_rwg_j_is_truncated_to_zero_when_disagreement_exceeds_random():
    matrix = [[1, 1], [5, 5], [1, 1], [5, 5]]  # variance 16/3 > 2
    result = rwg_j(matrix, 5)
    assert result["rwg_j"] == 0
    assert result["truncated"]


def test_rwg_j_perfect_agreement_is_one_and_uses_complete_rows_only():
    result = rwg_j([[3, 3], [3, 3], [3, None], [3, 3]], 5)
    assert result["rwg_j"] == 1
    assert result["n"] == 3


def test_rwg_j_needs_two_respondents():
    assert rwg_j([[3, 3]], 5)["rwg_j"] is None


def test_icc_from_one_way_anova_with_equal_groups():
    # group means 2, 5, 8; grand mean 5 → SSB = 3·(9+0+9) = 54, MSB = 27
    # SSW = 3 × 2 = 6, MSW = 6/6 = 1; k = 3
    result = icc1_icc2([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert result["msb"] == pytest.approx(27)
    assert result["msw"] == pytest.approx(1)
    assert result["k"] == pytest.approx(3)
    assert result["icc1"] == pytest.approx(26 / 29)
    assert result["icc1_n0"] == pytest.approx(26 / 29)
    assert result["icc2"] == pytest.approx(26 / 27)
    assert result["f"] == pytest.approx(27)


def test_icc_with_unequal_groups_gives_both_group_size_conventions():
    groups = [[1, 2], [4, 5, 6], [7, 8, 9, 10]]
    values = [Fraction(v) for g in groups for v in g]
    n, g_count = len(values), len(groups)
    grand = sum(values) / n
    means = [Fraction(sum(g), len(g)) for g in groups]
    ssb = sum(len(g) * (m - grand) ** 2 for g, m in zip(groups, means, strict=True))
    ssw = sum((v - m) ** 2 for g, m in zip(groups, means, strict=True) for v in g)
    msb, msw = ssb / (g_count - 1), ssw / (n - g_count)
    n0 = (n - Fraction(sum(len(g) ** 2 for g in groups), n)) / (g_count - 1)
    assert n0 == Fraction(26, 9)
    # multilevel::ICC1 (Bliese): GSIZE = (df_within + G) / G = N / G.
    mean_size = Fraction(n, g_count)
    result = icc1_icc2(groups)
    assert result["k"] == pytest.approx(float(mean_size))
    assert result["n0"] == pytest.approx(float(n0))
    assert result["icc1"] == pytest.approx(float((msb - msw) / (msb + (mean_size - 1) * msw)))
    assert result["icc1_n0"] == pytest.approx(float((msb - msw) / (msb + (n0 - 1) * msw)))
    assert result["icc1"] != pytest.approx(result["icc1_n0"])
    assert result["icc2"] == pytest.approx(float((msb - msw) / msb))


def test_icc1_can_be_negative_when_groups_do_not_differ():
    result = icc1_icc2([[1, 5], [1, 5], [1, 5]])
    assert result["icc1"] < 0


def test_icc_needs_two_groups():
    assert icc1_icc2([[1, 2, 3]])["icc1"] is None


def test_cronbach_alpha_matches_the_item_variance_formula():
    matrix = [[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5], [5, 5, 5]]
    columns = list(zip(*matrix, strict=True))
    item_var = sum(statistics.variance(c) for c in columns)
    total_var = statistics.variance([sum(r) for r in matrix])
    expected = 3 / 2 * (1 - item_var / total_var)
    result = cronbach_alpha(matrix)
    assert result["alpha"] == pytest.approx(expected)
    assert (result["n"], result["items"]) == (5, 3)


def test_cronbach_alpha_of_identical_items_is_one_and_skips_incomplete_rows():
    result = cronbach_alpha([[1, 1], [2, 2], [3, None], [4, 4]])
    assert result["alpha"] == pytest.approx(1)
    assert result["n"] == 3


def test_cronbach_alpha_is_none_without_variance():
    assert cronbach_alpha([[3, 3], [3, 3]])["alpha"] is None


def test_change_between_waves_uses_welch_interval():
    a, b = [1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8]
    result = change_between(a, b)
    va, vb = statistics.variance(a), statistics.variance(b)  # 2.5, 3.5
    se = math.sqrt(va / 5 + vb / 6)
    df = (va / 5 + vb / 6) ** 2 / ((va / 5) ** 2 / 4 + (vb / 6) ** 2 / 5)
    half = stats.t.ppf(0.975, df) * se
    assert result["difference"] == pytest.approx(5.5 - 3)
    assert result["se"] == pytest.approx(se)
    assert result["df"] == pytest.approx(df)
    assert result["ci95_low"] == pytest.approx(2.5 - half)
    assert result["ci95_high"] == pytest.approx(2.5 + half)
    scipy_ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval()
    assert (result["ci95_low"], result["ci95_high"]) == pytest.approx((scipy_ci.low, scipy_ci.high))
    pooled = math.sqrt((4 * va + 5 * vb) / 9)
    assert result["hedges_g"] == pytest.approx(2.5 / pooled * (1 - 3 / (4 * 11 - 9)))


def test_change_between_with_too_few_values_gives_difference_only():
    result = change_between([3], [4, 5])
    assert result["difference"] == pytest.approx(1.5)
    assert result["ci95_low"] is None
    assert change_between([], [1])["difference"] is None

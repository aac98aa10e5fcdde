"""Outcome statistics, checked figure by figure against scipy, statsmodels and lifelines."""

from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from peerway.insights.stats import (
    AFTER,
    BEFORE,
    LABEL,
    Episode,
    follow_up,
    kaplan_meier,
    logrank_test,
    mcnemar_exact,
    paired_change,
    pre_post_follow_up,
    readmission_outcomes,
    readmission_outcomes_pre_post,
    wilson_interval,
)

sm_proportion = pytest.importorskip("statsmodels.stats.proportion")
sm_weightstats = pytest.importorskip("statsmodels.stats.weightstats")
sm_tables = pytest.importorskip("statsmodels.stats.contingency_tables")
lifelines = pytest.importorskip("lifelines")
lifelines_statistics = pytest.importorskip("lifelines.statistics")


def recovery_scores(n=40, seed=3):
    """Pre/post scores on a recovery scale: modest average gain, ties in the changes."""
    rng = np.random.default_rng(seed)
    pre = rng.integers(40, 90, n).astype(float)
    post = pre + rng.integers(-8, 15, n)
    return pre, post


# --- paired change ---------------------------------------------------------------------------


def test_confidence_interval_and_t_test_match_scipy_and_statsmodels():
    pre, post = recovery_scores()
    result = paired_change(pre, post)
    scipy_t = stats.ttest_rel(post, pre)
    ci = scipy_t.confidence_interval(0.95)
    assert result.ci_low == pytest.approx(ci.low, rel=1e-12)
    assert result.ci_high == pytest.approx(ci.high, rel=1e-12)
    assert result.t_statistic == pytest.approx(scipy_t.statistic, rel=1e-12)
    assert result.t_p_value == pytest.approx(scipy_t.pvalue, rel=1e-9)
    low, high = sm_weightstats.DescrStatsW(post - pre).tconfint_mean(alpha=0.05)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-12)
    assert result.mean_change == pytest.approx(np.mean(post - pre))
    assert result.sd_change == pytest.approx(np.std(post - pre, ddof=1))


def test_wilcoxon_matches_scipy():
    pre, post = recovery_scores()
    result = paired_change(pre, post)
    expected = stats.wilcoxon(post, pre)
    assert result.wilcoxon_statistic == pytest.approx(expected.statistic)
    assert result.wilcoxon_p_value == pytest.approx(expected.pvalue, rel=1e-12)


def test_effect_sizes_follow_their_formulas():
    pre, post = recovery_scores()
    n = len(pre)
    diff = post - pre
    result = paired_change(pre, post)
    assert result.cohen_dz == pytest.approx(diff.mean() / diff.std(ddof=1))
    d_av = diff.mean() / ((pre.std(ddof=1) + post.std(ddof=1)) / 2)
    assert result.d_av == pytest.approx(d_av)
    assert result.hedges_g_av == pytest.approx(d_av * (1 - 3 / (4 * (n - 1) - 1)))


def test_reliable_change_index_hand_computed():
    # SD 10 and reliability .82: SE_diff = 10 x sqrt(2) x sqrt(.18) = 10 x sqrt(.36) = 6.0, so a
    # change must exceed 1.96 x 6 = 11.76 points to be reliable.
    pre = [50.0] * 10
    post = [62, 38, 61, 50, 70, 45, 55, 30, 62, 51]  # changes 12, -12, 11, 0, 20, -5, 5, -20, 12, 1
    result = paired_change(pre, post, reliability=0.82, sd_baseline=10)
    rc = result.reliable_change
    assert rc.se_diff == pytest.approx(6.0)
    assert rc.sd_baseline_source == "given"
    assert (rc.n_improved, rc.n_deteriorated, rc.n_unchanged) == (3, 2, 5)
    assert rc.share_improved == pytest.approx(0.3)
    assert rc.share_deteriorated == pytest.approx(0.2)
    # On a distress scale lower is better: the same changes swap sides.
    flipped = paired_change(
        pre, post, reliability=0.82, sd_baseline=10, higher_is_better=False
    ).reliable_change
    assert (flipped.n_improved, flipped.n_deteriorated) == (2, 3)


def test_reliable_change_uses_sample_baseline_sd_when_none_given():
    pre, post = recovery_scores()
    rc = paired_change(pre, post, reliability=0.9).reliable_change
    assert rc.sd_baseline == pytest.approx(np.std(pre, ddof=1))
    assert rc.sd_baseline_source == "sample pre scores"
    rci = (post - pre) / (np.std(pre, ddof=1) * np.sqrt(2) * np.sqrt(0.1))
    assert rc.n_improved == int(np.sum(rci > 1.96))
    assert rc.n_deteriorated == int(np.sum(rci < -1.96))


def test_below_minimum_n_nothing_but_the_reason_is_shown():
    pre, post = recovery_scores(n=12)
    post[[0, 1, 2]] = np.nan  # three incomplete pairs leave nine
    result = paired_change(pre, post, reliability=0.8)
    assert result.suppressed
    assert result.reason == "suppressed: fewer than 10 complete pairs"
    assert result.n is None
    assert result.mean_change is None and result.ci_low is None and result.cohen_dz is None
    assert result.reliable_change is None
    assert result.label == LABEL and result.method


def test_incomplete_pairs_are_dropped_and_counted():
    pre, post = recovery_scores(n=15)
    pre_list = list(pre) + [None]
    post_list = list(post) + [70.0]
    result = paired_change(pre_list, post_list)
    assert (result.n, result.n_dropped) == (15, 1)
    assert result.mean_change == pytest.approx(np.mean(post - pre))
    assert result.label == "observational, not causal"


def test_paired_change_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        paired_change([1, 2], [1])
    with pytest.raises(ValueError, match="reliability"):
        paired_change([1] * 10, [2] * 10, reliability=1.0)
    with pytest.raises(ValueError, match=r"pre\[1\]"):
        paired_change([1, "x"], [1, 2], min_n=2)


def test_no_change_at_all_leaves_tests_undefined_not_crashing():
    result = paired_change([5.0] * 10, [5.0] * 10)
    assert result.mean_change == 0
    assert result.cohen_dz is None and result.wilcoxon_p_value is None
    assert result.notes


# --- proportions and Kaplan–Meier ------------------------------------------------------------


@pytest.mark.parametrize(("count", "n"), [(0, 12), (3, 12), (7, 40), (40, 40), (1, 1000)])
def test_wilson_interval_matches_statsmodels(count, n):
    expected = sm_proportion.proportion_confint(count, n, alpha=0.05, method="wilson")
    assert wilson_interval(count, n) == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_kaplan_meier_greenwood_by_hand():
    curve = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])
    assert curve.times == (1, 2, 3, 4)
    assert curve.at_risk == (5, 4, 2, 1)
    assert curve.survival == pytest.approx((0.8, 0.6, 0.3, 0.3))
    # Greenwood: S^2 x sum d/(n(n-d)) = .64 x 1/20; .36 x (1/20 + 1/12); .09 x (... + 1/2)
    assert curve.variance == pytest.approx(
        (0.64 / 20, 0.36 * (1 / 20 + 1 / 12), 0.09 * (1 / 20 + 1 / 12 + 1 / 2), 0.09 * 0.6333333)
    )
    assert curve.median == 3


def random_survival(n, seed, scale=60.0, follow=120):
    rng = np.random.default_rng(seed)
    event_time = np.ceil(rng.exponential(scale, n))
    censor_time = rng.integers(5, follow, n)
    durations = np.minimum(event_time, censor_time)
    return durations, event_time <= censor_time


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kaplan_meier_matches_lifelines(seed):
    durations, events = random_survival(50, seed)
    curve = kaplan_meier(durations, events)
    kmf = lifelines.KaplanMeierFitter().fit(durations, events)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_survival_function_
    for i, t in enumerate(curve.times):
        assert curve.survival[i] == pytest.approx(sf.loc[t], rel=1e-12)
        assert curve.ci_low[i] == pytest.approx(ci.iloc[:, 0].loc[t], rel=1e-9)
        assert curve.ci_high[i] == pytest.approx(ci.iloc[:, 1].loc[t], rel=1e-9)
    expected_median = kmf.median_survival_time_
    if np.isinf(expected_median):
        assert curve.median is None and not curve.median_reached
    else:
        assert curve.median == expected_median


def test_median_at_exactly_one_half_is_that_day_as_in_lifelines():
    # Four people, all readmitted on days 1-4: S(2) is exactly 0.5 in floating point too.
    durations, events = [1, 2, 3, 4], [True, True, True, True]
    kmf = lifelines.KaplanMeierFitter().fit(durations, events)
    assert kmf.survival_function_.loc[2.0].iloc[0] == 0.5
    assert kmf.median_survival_time_ == 2
    assert kaplan_meier(durations, events).median == 2


def test_median_that_is_one_half_only_in_exact_arithmetic():
    # S(3) = 5/6 x 4/5 x 3/4 = 1/2 exactly; the floating-point product is 0.5000000000000001,
    # so lifelines says "not reached". Peerway compares the exact product: day 3.
    durations, events = [1, 2, 3, 4, 5, 6], [True, True, True, False, False, False]
    kmf = lifelines.KaplanMeierFitter().fit(durations, events)
    assert kmf.survival_function_.loc[3.0].iloc[0] > 0.5
    assert np.isinf(kmf.median_survival_time_)
    curve = kaplan_meier(durations, events)
    assert curve.median == 3 and curve.median_reached


def test_median_not_reached_when_the_curve_stays_above_one_half():
    curve = kaplan_meier([1, 2, 3, 4, 5], [True, True, False, False, False])
    assert curve.survival[-1] == pytest.approx(0.6)
    assert curve.median is None and not curve.median_reached


def test_median_not_reached_when_most_stay_out_of_hospital():
    curve = kaplan_meier([10, 20, 30, 40], [True, False, False, False])
    kmf = lifelines.KaplanMeierFitter().fit([10, 20, 30, 40], [True, False, False, False])
    assert np.isinf(kmf.median_survival_time_)
    assert curve.median is None


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_logrank_matches_lifelines(seed):
    d_a, e_a = random_survival(40, seed, scale=50)
    d_b, e_b = random_survival(35, seed + 100, scale=90)
    result = logrank_test(
        np.concatenate([d_a, d_b]), np.concatenate([e_a, e_b]), ["a"] * 40 + ["b"] * 35
    )
    expected = lifelines_statistics.logrank_test(d_a, d_b, e_a, e_b)
    assert result.statistic == pytest.approx(expected.test_statistic, rel=1e-10)
    assert result.p_value == pytest.approx(expected.p_value, rel=1e-9)
    assert result.df == 1


def test_logrank_with_three_groups_matches_lifelines():
    parts = [random_survival(30, s, scale=sc) for s, sc in ((7, 40), (8, 60), (9, 90))]
    durations = np.concatenate([p[0] for p in parts])
    events = np.concatenate([p[1] for p in parts])
    groups = ["a"] * 30 + ["b"] * 30 + ["c"] * 30
    result = logrank_test(durations, events, groups)
    expected = lifelines_statistics.multivariate_logrank_test(durations, groups, events)
    assert result.statistic == pytest.approx(expected.test_statistic, rel=1e-10)
    assert result.p_value == pytest.approx(expected.p_value, rel=1e-9)
    assert result.df == 2


# --- readmission designs ---------------------------------------------------------------------

STUDY_END = date(2024, 12, 31)


def synthetic_cohort(n_per_group=30, seed=11):
    """Index discharges in 2024; readmissions drawn per group; some after the study end."""
    rng = np.random.default_rng(seed)
    episodes, groups, truth = [], {}, {}
    for group, scale in (("peer_supported", 150.0), ("comparison", 70.0)):
        for k in range(n_per_group):
            person = f"{group[:4]}-{k:02d}"
            groups[person] = group
            discharge = date(2024, 1, 1) + timedelta(days=int(rng.integers(0, 300)))
            admission = discharge - timedelta(days=int(rng.integers(1, 30)))
            episodes.append(Episode(person, admission, discharge))
            # At least two days: a next-day admission is the same hospital episode.
            gap = 1 + int(np.ceil(rng.exponential(scale)))
            readmit = discharge + timedelta(days=gap)
            episodes.append(Episode(person, readmit, readmit + timedelta(days=5)))
            if readmit <= STUDY_END:
                truth[person] = (gap, True)
            else:
                truth[person] = ((STUDY_END - discharge).days, False)
    return episodes, groups, truth


def test_follow_up_counts_days_in_community_with_censoring():
    episodes, groups, truth = synthetic_cohort()
    cohort = follow_up(episodes, groups, study_end=STUDY_END)
    assert {f.person_id: (f.days, f.readmitted) for f in cohort.follow_ups} == truth


def test_readmission_outcomes_between_groups_match_reference_libraries():
    episodes, groups, truth = synthetic_cohort()
    result = readmission_outcomes(episodes, groups, study_end=STUDY_END)
    assert result.design == "between_groups"
    assert result.label == "observational, not causal" and "log-rank" in result.method
    by_group = {g: [truth[p] for p in truth if groups[p] == g] for g in set(groups.values())}

    for proportion in result.proportions:
        rows = by_group[proportion.group]
        h = proportion.horizon_days
        settled = [(d <= h and e) for d, e in rows if (e and d <= h) or d >= h]
        assert proportion.n == len(settled)
        assert proportion.readmitted == sum(settled)
        expected = sm_proportion.proportion_confint(sum(settled), len(settled), method="wilson")
        assert (proportion.ci_low, proportion.ci_high) == pytest.approx(expected, rel=1e-10)

    for curve in result.curves:
        durations, events = zip(*by_group[curve.group], strict=True)
        kmf = lifelines.KaplanMeierFitter().fit(durations, events)
        for t, s in zip(curve.times, curve.survival, strict=True):
            assert s == pytest.approx(kmf.survival_function_.iloc[:, 0].loc[t], rel=1e-12)
        summary = next(s for s in result.groups if s.group == curve.group)
        if np.isinf(kmf.median_survival_time_):
            assert summary.median_days_in_community is None
        else:
            assert summary.median_days_in_community == kmf.median_survival_time_

    a, b = (by_group["comparison"], by_group["peer_supported"])
    expected = lifelines_statistics.logrank_test(
        [d for d, _ in a], [d for d, _ in b], [e for _, e in a], [e for _, e in b]
    )
    assert result.logrank.groups == ("comparison", "peer_supported")
    assert result.logrank.statistic == pytest.approx(expected.test_statistic, rel=1e-10)
    assert result.logrank.p_value == pytest.approx(expected.p_value, rel=1e-9)


def test_small_groups_are_suppressed_and_not_compared():
    episodes, groups, _ = synthetic_cohort()
    few = {p: g for p, g in groups.items() if g == "comparison" or p < "peer-05"}
    result = readmission_outcomes(episodes, few, study_end=STUDY_END)
    peer = next(s for s in result.groups if s.group == "peer_supported")
    assert peer.suppressed and peer.n is None and peer.median_days_in_community is None
    assert peer.reason == "suppressed: fewer than 10 people in the group"
    assert all(p.suppressed for p in result.proportions if p.group == "peer_supported")
    assert next(c for c in result.curves if c.group == "peer_supported").survival == ()
    assert result.logrank.suppressed and result.logrank.statistic is None
    assert not next(s for s in result.groups if s.group == "comparison").suppressed


def test_same_day_admission_is_a_transfer_and_short_follow_up_is_not_settled():
    episodes = [
        Episode("p1", date(2024, 3, 1), date(2024, 3, 10)),
        Episode("p1", date(2024, 3, 10), date(2024, 3, 12)),  # transfer, same day
        Episode("p1", date(2024, 4, 1), date(2024, 4, 3)),  # readmission 20 days after 12 March
        Episode("p2", date(2024, 12, 1), date(2024, 12, 15)),  # 16 days before study end
    ]
    cohort = follow_up(episodes, {"p1": "peer", "p2": "peer"}, study_end=STUDY_END)
    p1, p2 = cohort.follow_ups
    # Follow-up starts at the episode's last discharge (12 March), not mid-transfer.
    assert p1.index_date == date(2024, 3, 12)
    assert (p1.days, p1.readmitted, p1.readmitted_within(30)) == (20, True, True)
    assert (p2.days, p2.readmitted, p2.readmitted_within(30)) == (16, False, None)
    assert p2.readmitted_within(14) is False


def test_pre_post_helper_builds_each_persons_period_before_enrolment():
    episodes = [
        # Enrolled during a stay (admitted 1 June, discharged 10 June, enrolled 5 June).
        Episode("a", date(2024, 1, 10), date(2024, 1, 20)),
        Episode("a", date(2024, 6, 1), date(2024, 6, 10)),
        Episode("a", date(2024, 8, 9), date(2024, 8, 20)),
        # Enrolled in the community with no discharge in the look-back window.
        Episode("b", date(2022, 1, 1), date(2022, 1, 5)),
    ]
    enrolment = {"a": date(2024, 6, 5), "b": date(2024, 2, 1)}
    cohort = pre_post_follow_up(episodes, enrolment, study_end=STUDY_END, lookback_days=365)
    rows = {(f.person_id, f.group): f for f in cohort.follow_ups}
    before_a = rows[("a", BEFORE)]
    # Followed from 20 January to the admission she enrolled during: 133 days, readmitted.
    assert (before_a.index_date, before_a.days, before_a.readmitted) == (
        date(2024, 1, 20),
        133,
        True,
    )
    after_a = rows[("a", AFTER)]
    assert (after_a.index_date, after_a.days, after_a.readmitted) == (date(2024, 6, 10), 60, True)
    after_b = rows[("b", AFTER)]
    assert (after_b.index_date, after_b.end_date, after_b.readmitted) == (
        date(2024, 2, 1),
        date(2024, 12, 31),
        False,
    )
    assert ("b", BEFORE) not in rows
    assert cohort.excluded == {"before: no discharge in look-back window": 1}


def test_pre_post_design_uses_exact_mcnemar_not_logrank():
    rng = np.random.default_rng(5)
    episodes, enrolment = [], {}
    for k in range(40):
        person = f"p{k:02d}"
        enrolled = date(2024, 3, 1) + timedelta(days=int(rng.integers(0, 120)))
        enrolment[person] = enrolled
        earlier = enrolled - timedelta(days=int(rng.integers(60, 200)))
        episodes.append(Episode(person, earlier - timedelta(days=7), earlier))
        if rng.random() < 0.6:  # readmitted before enrolment
            gap = timedelta(days=int(rng.integers(1, 50)))
            episodes.append(Episode(person, earlier + gap, earlier + gap + timedelta(days=3)))
        if rng.random() < 0.3:  # readmitted after enrolment
            gap = timedelta(days=int(rng.integers(1, 120)))
            episodes.append(Episode(person, enrolled + gap, enrolled + gap + timedelta(days=3)))
    result = readmission_outcomes_pre_post(episodes, enrolment, study_end=STUDY_END)
    assert result.design == "pre_post_within_person"
    assert result.logrank is None
    assert "McNemar" in result.method and result.label == LABEL
    cohort = pre_post_follow_up(episodes, enrolment, study_end=STUDY_END)
    for test in result.paired_tests:
        assert not test.suppressed
        before = {f.person_id: f for f in cohort.follow_ups if f.group == BEFORE}
        after = {f.person_id: f for f in cohort.follow_ups if f.group == AFTER}
        table = np.zeros((2, 2), dtype=int)
        for person in before.keys() & after.keys():
            b = before[person].readmitted_within(test.horizon_days)
            a = after[person].readmitted_within(test.horizon_days)
            if a is not None and b is not None:
                table[int(not b), int(not a)] += 1
        assert test.n_pairs == table.sum()
        assert (test.both, test.before_only, test.after_only, test.neither) == (
            table[0, 0],
            table[0, 1],
            table[1, 0],
            table[1, 1],
        )
        expected = sm_tables.mcnemar(table, exact=True)
        assert test.p_value == pytest.approx(expected.pvalue, rel=1e-10)


def test_mcnemar_without_discordant_pairs_is_one():
    assert mcnemar_exact(0, 0) == 1.0

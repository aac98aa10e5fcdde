"""Figures from the service's data equal the statistics module and the reference
libraries on the same numbers; small groups are hidden; withdrawn consent excludes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import stats

from peerway.evaluation import analysis
from peerway.evaluation.periods import parse_period
from peerway.insights.stats import paired_change
from peerway.support.models import PeerRelationship

from .conftest import INDEX, TODAY, build, consent

Q3 = parse_period("2026Q3")


def org_scope(world, **kw):
    return analysis.Scope(world.org, **kw)


def by_code(changes):
    return {c.code: c for c in changes}


def test_paired_change_equals_the_stats_module_and_scipy(world, cohort):
    changes = by_code(analysis.outcome_changes(org_scope(world), Q3))
    assert set(changes) == {"phq9", "qpr15"}
    for code, higher in (("phq9", False), ("qpr15", True)):
        pairs = [cohort.scores[p.pk][code] for p in cohort.people]
        pre = [float(a) for a, _b in pairs]
        post = [float(b) for _a, b in pairs]
        result = changes[code].result
        assert changes[code].higher_is_better is higher
        reliability = analysis.PUBLISHED_RELIABILITY.get(code)
        assert result == paired_change(
            pre, post, higher_is_better=higher, min_n=10, reliability=reliability
        )
        diff = np.array(post) - np.array(pre)
        assert result.n == 30
        assert result.mean_change == pytest.approx(diff.mean())
        ci = stats.t.interval(0.95, len(diff) - 1, loc=diff.mean(), scale=stats.sem(diff))
        assert (result.ci_low, result.ci_high) == pytest.approx(ci)
        assert result.cohen_dz == pytest.approx(diff.mean() / diff.std(ddof=1))
        assert result.wilcoxon_p_value == pytest.approx(stats.wilcoxon(post, pre).pvalue)
        assert result.t_p_value == pytest.approx(stats.ttest_rel(post, pre).pvalue)
        assert "observational" in result.label


def test_reliable_change_only_with_a_recorded_reliability(world, cohort):
    changes = by_code(analysis.outcome_changes(org_scope(world), Q3))
    # QPR-15 has no published reliability recorded: no index, none invented.
    assert "qpr15" not in analysis.PUBLISHED_RELIABILITY
    assert changes["qpr15"].result.reliable_change is None
    # PHQ-9 uses its published alpha.
    assert changes["phq9"].result.reliable_change is not None
    given = by_code(analysis.outcome_changes(org_scope(world), Q3, reliabilities={"phq9": 0.85}))
    pairs = [cohort.scores[p.pk]["phq9"] for p in cohort.people]
    expected = paired_change(
        [float(a) for a, _ in pairs],
        [float(b) for _, b in pairs],
        reliability=0.85,
        higher_is_better=False,
    )
    assert given["phq9"].result.reliable_change == expected.reliable_change
    assert given["phq9"].result.reliable_change.share_improved > 0


def test_follow_up_outside_the_period_does_not_count(world, cohort):
    assert analysis.outcome_changes(org_scope(world), parse_period("2026Q2")) == []


def test_fewer_than_ten_pairs_shows_no_figure(world):
    build(world, n=9)
    changes = analysis.outcome_changes(org_scope(world), Q3)
    assert changes and all(c.result.suppressed for c in changes)
    assert all(c.result.mean_change is None and c.result.n is None for c in changes)


def test_withdrawn_consent_excludes_the_person(world, cohort):
    withdrawn = cohort.people[0]
    consent(withdrawn, given=False, day=date(2026, 8, 1))
    changes = by_code(analysis.outcome_changes(org_scope(world), Q3))
    assert changes["phq9"].result.n == 29
    data = analysis.readmission_input(org_scope(world), Q3)
    assert str(withdrawn.pk) not in data.groups
    assert len(data.groups) == 29


def test_scope_limits_to_the_team(world, cohort):
    build(world, n=12, team=world.team_c, seed=3)
    team_a = by_code(analysis.outcome_changes(org_scope(world, team=world.team_a), Q3))
    south = by_code(analysis.outcome_changes(org_scope(world, site=world.south), Q3))
    everyone = by_code(analysis.outcome_changes(org_scope(world), Q3))
    assert (team_a["phq9"].result.n, south["phq9"].result.n, everyone["phq9"].result.n) == (
        30,
        12,
        42,
    )


def test_groups_and_index_dates(world, cohort):
    late = cohort.comparison[0]
    PeerRelationship.objects.create(person=late, worker=world.peer_b, started_on=date(2026, 8, 1))
    data = analysis.readmission_input(org_scope(world), Q3)
    for person in cohort.supported:
        assert data.groups[str(person.pk)] == analysis.PEER_SUPPORTED
    for person in cohort.comparison:
        assert data.groups[str(person.pk)] == analysis.COMPARISON
    assert set(data.index_dates.values()) == {INDEX}
    # Starting peer support after the index discharge: followed as comparison until then.
    assert data.censor_dates == {str(late.pk): date(2026, 7, 31)}


def test_readmission_equals_lifelines(world, cohort):
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    result = analysis.readmission(org_scope(world), Q3, today=TODAY)
    assert result.label == "observational, not causal"
    assert {g.group for g in result.groups} == {"comparison", "peer_supported"}
    data = analysis.readmission_input(org_scope(world), Q3)
    from peerway.insights.stats import follow_up

    cohort_rows = follow_up(
        data.episodes, data.groups, study_end=TODAY, index_dates=data.index_dates
    ).follow_ups
    durations = {g: [] for g in ("comparison", "peer_supported")}
    events = {g: [] for g in durations}
    for f in cohort_rows:
        durations[f.group].append(f.days)
        events[f.group].append(f.readmitted)
    for curve in result.curves:
        kmf = KaplanMeierFitter().fit(durations[curve.group], events[curve.group])
        for t, s in zip(curve.times, curve.survival, strict=True):
            assert s == pytest.approx(float(kmf.survival_function_at_times(t).iloc[0]))
    test = logrank_test(
        durations["comparison"],
        durations["peer_supported"],
        events["comparison"],
        events["peer_supported"],
    )
    assert result.logrank.statistic == pytest.approx(test.test_statistic)
    assert result.logrank.p_value == pytest.approx(test.p_value)
    within_30 = {p.group: p for p in result.proportions if p.horizon_days == 30}
    for group in durations:
        settled = [
            d <= 30 and e
            for d, e in zip(durations[group], events[group], strict=True)
            if (e and d <= 30) or d >= 30
        ]
        assert within_30[group].n == len(settled)
        assert within_30[group].proportion == pytest.approx(sum(settled) / len(settled))


def test_small_groups_hide_curves_and_the_log_rank_test(world):
    build(world, n=12)  # six per group
    result = analysis.readmission(org_scope(world), Q3, today=TODAY)
    assert all(g.suppressed and g.n is None for g in result.groups)
    assert all(c.suppressed and not c.times for c in result.curves)
    assert result.logrank.suppressed and result.logrank.statistic is None

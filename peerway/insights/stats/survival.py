"""Readmission after a hospital discharge: proportions, time in community, group comparison.

Two designs (docs/statistics.md):

* **Between groups** (:func:`readmission_outcomes`): people supported by peers versus a
  comparison group, each followed from an index discharge.
* **Within person, before/after enrolment** (:func:`readmission_outcomes_pre_post`): each
  enrolled person's period before enrolment is their own comparison; built by
  :func:`pre_post_follow_up`.

The Kaplan–Meier estimator (with Greenwood variance) and the log-rank test are implemented
here, so every figure can be traced to its formula; the tests check them against lifelines.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

import numpy as np

from peerway.lazy import stats

from .common import CONFIDENCE, LABEL, Z95, check_min_n, suppression_reason, wilson_interval
from .episodes import Stay, community_index, hospital_episodes

BEFORE = "before_enrolment"
AFTER = "after_enrolment"
DEFAULT_HORIZONS = (30, 90)

_COMMON_METHOD = (
    "Hospital stays that touch or overlap (discharge and next admission on the same or the next "
    "day, or overlapping dates, including transfers between facilities) form one hospital "
    "episode; the index discharge is the episode's last discharge and a readmission is the "
    "admission of a later episode; emergency visits are not admissions. "
    "A readmission is the first hospital admission dated after the index date and on or before "
    "the end of follow-up; days in community are counted from the index date to that admission, "
    "or to the end of follow-up (censored) when there is none. Readmission within H days: "
    "readmitted after at most H days; people followed for less than H days without readmission "
    "are left out of that proportion's denominator. Proportions with Wilson 95% score intervals "
    "(Wilson 1927). Kaplan-Meier product-limit estimate of remaining out of hospital "
    "(Kaplan & Meier 1958) with Greenwood variance and log(-log) 95% intervals; median = first "
    "day the estimate is at or below 0.5, as lifelines, compared in exact arithmetic (not "
    "reached otherwise). "
)
METHOD_BETWEEN = _COMMON_METHOD + (
    "Groups compared with the log-rank test (Mantel 1966; Peto & Peto 1972): chi-square with "
    "(groups - 1) degrees of freedom. Index date: the date given for the person, otherwise "
    "their first discharge on or before the study end."
)
METHOD_PRE_POST = _COMMON_METHOD + (
    "Within-person before/after enrolment design: the 'before' index is the person's first "
    "discharge within the look-back window before enrolment, followed until enrolment (or the "
    "admission they enrolled during); the 'after' index is the enrolment date, or the discharge "
    "ending the stay they enrolled during, followed until the study end or for at most the "
    "look-back length. The periods are not independent samples, so no log-rank test; paired "
    "readmission within H days compared with the exact McNemar test (binomial test on "
    "discordant pairs). Regression to the mean is likely: people often enrol after a crisis."
)


# --------------------------------------------------------------------------------------------
# Input


# One hospital stay (``discharge`` None while the person is still in hospital). Stays given
# to the functions below are merged into hospital episodes first (``episodes.py``).
Episode = Stay


@dataclass(frozen=True)
class FollowUp:
    """One person's (or one period's) follow-up from an index date."""

    person_id: str
    group: str
    index_date: date
    end_date: date  # end of follow-up when not readmitted (censoring date)
    days: int  # days in community: until readmission, or until end_date
    readmitted: bool

    def readmitted_within(self, horizon_days: int) -> bool | None:
        """True/False, or None when follow-up is too short to tell."""
        if self.readmitted and self.days <= horizon_days:
            return True
        if self.days >= horizon_days:
            return False
        return None


@dataclass(frozen=True)
class Cohort:
    follow_ups: tuple[FollowUp, ...]
    excluded: dict[str, int] = field(default_factory=dict)  # reason -> number of people


def _to_date(value, path: str) -> date:
    if isinstance(value, date):
        return value.date() if hasattr(value, "hour") else value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{path}: must be a date (YYYY-MM-DD)")


def _episodes_by_person(episodes: Iterable[Episode]) -> dict[str, list[Episode]]:
    by_person: dict[str, list[Episode]] = defaultdict(list)
    for i, episode in enumerate(episodes):
        admission = _to_date(episode.admission, f"episodes[{i}].admission")
        discharge = (
            None
            if episode.discharge is None
            else _to_date(episode.discharge, f"episodes[{i}].discharge")
        )
        if discharge is not None and discharge < admission:
            raise ValueError(f"episodes[{i}].discharge: before the admission date")
        by_person[str(episode.person_id)].append(
            Episode(str(episode.person_id), admission, discharge)
        )
    # Transfers and stays that touch or overlap are one episode: follow-up counts from the
    # episode's last discharge, in the community.
    return {person_id: hospital_episodes(stays) for person_id, stays in sorted(by_person.items())}


def _first_readmission(stays: Sequence[Episode], index: date, end: date) -> date | None:
    return next((e.admission for e in stays if index < e.admission <= end), None)


def _follow_up(
    person_id: str, group: str, stays: Sequence[Episode], index: date, end: date
) -> FollowUp:
    readmission = _first_readmission(stays, index, end)
    stop = readmission or end
    return FollowUp(
        person_id=person_id,
        group=group,
        index_date=index,
        end_date=end,
        days=(stop - index).days,
        readmitted=readmission is not None,
    )


def follow_up(
    episodes: Iterable[Episode],
    groups: Mapping[str, str],
    *,
    study_end: date,
    index_dates: Mapping[str, date] | None = None,
    censor_dates: Mapping[str, date] | None = None,
) -> Cohort:
    """Follow every person in ``groups`` (person id -> group label) from an index date.

    The index date is ``index_dates[person]`` when given (a day the person is in the
    community, usually a discharge), else the person's first discharge on or before
    ``study_end``. Follow-up ends at ``study_end`` or the person's ``censor_dates`` entry
    (moved away, died, consent withdrawn), whichever is earlier.
    """
    study_end = _to_date(study_end, "study_end")
    index_dates = index_dates or {}
    censor_dates = censor_dates or {}
    by_person = _episodes_by_person(episodes)
    follow_ups: list[FollowUp] = []
    excluded: Counter[str] = Counter()
    for person_id in sorted(groups, key=str):
        stays = by_person.get(str(person_id), [])
        if person_id in index_dates:
            given = _to_date(index_dates[person_id], f"index_dates[{person_id!r}]")
            # An index inside a hospital episode moves to the episode's discharge.
            moved = community_index(stays, given)
            if moved is None:
                excluded["still in hospital at the index date"] += 1
                continue
            index = moved
        else:
            discharges = [e.discharge for e in stays if e.discharge and e.discharge <= study_end]
            if not discharges:
                excluded["no index discharge"] += 1
                continue
            index = min(discharges)
        end = study_end
        if person_id in censor_dates:
            end = min(end, _to_date(censor_dates[person_id], f"censor_dates[{person_id!r}]"))
        if end < index:
            excluded["index date after end of follow-up"] += 1
            continue
        follow_ups.append(_follow_up(str(person_id), str(groups[person_id]), stays, index, end))
    return Cohort(tuple(follow_ups), dict(excluded))


def pre_post_follow_up(
    episodes: Iterable[Episode],
    enrolment_dates: Mapping[str, date],
    *,
    study_end: date,
    lookback_days: int = 365,
) -> Cohort:
    """Build the within-person comparison: each enrolled person's period before enrolment.

    For a person enrolled on day E (look-back L days):

    * **after** (group ``after_enrolment``): index = E, or the discharge ending the hospital
      stay that spans E; followed to ``study_end``, at most L days.
    * **before** (group ``before_enrolment``): index = the first discharge on or after E - L
      and before the boundary (E, or the admission of the stay spanning E); followed to that
      boundary, so the admission during which a person enrolled counts as a readmission.

    A person lacking a period (no discharge in the look-back window; still in hospital) only
    contributes the other one; ``excluded`` counts those gaps.
    """
    if isinstance(lookback_days, bool) or not isinstance(lookback_days, int) or lookback_days < 1:
        raise ValueError("lookback_days: must be a positive integer")
    study_end = _to_date(study_end, "study_end")
    lookback = timedelta(days=lookback_days)
    by_person = _episodes_by_person(episodes)
    follow_ups: list[FollowUp] = []
    excluded: Counter[str] = Counter()
    for person_id in sorted(enrolment_dates, key=str):
        enrolled = _to_date(enrolment_dates[person_id], f"enrolment_dates[{person_id!r}]")
        stays = by_person.get(str(person_id), [])
        if enrolled > study_end:
            excluded["enrolled after study end"] += 1
            continue
        spanning = [
            e
            for e in stays
            if e.admission <= enrolled and (e.discharge is None or e.discharge >= enrolled)
        ]
        stay = spanning[-1] if spanning else None
        boundary = stay.admission if stay else enrolled

        before_index = next(
            (
                e.discharge
                for e in sorted(stays, key=lambda e: e.discharge or date.max)
                if e.discharge is not None and enrolled - lookback <= e.discharge < boundary
            ),
            None,
        )
        if before_index is None:
            excluded["before: no discharge in look-back window"] += 1
        else:
            follow_ups.append(_follow_up(str(person_id), BEFORE, stays, before_index, boundary))

        if stay is not None and stay.discharge is None:
            excluded["after: still in hospital"] += 1
            continue
        after_index = stay.discharge if stay else enrolled
        if after_index > study_end:
            excluded["after: discharged after study end"] += 1
            continue
        end = min(study_end, after_index + lookback)
        follow_ups.append(_follow_up(str(person_id), AFTER, stays, after_index, end))
    return Cohort(tuple(follow_ups), dict(excluded))


# --------------------------------------------------------------------------------------------
# Estimators


@dataclass(frozen=True)
class KaplanMeierCurve:
    """Product-limit estimate, one row per distinct observed time (event or censoring)."""

    group: str | None
    suppressed: bool = False
    reason: str | None = None
    n: int | None = None
    times: tuple[float, ...] = ()
    at_risk: tuple[int, ...] = ()
    events: tuple[int, ...] = ()
    censored: tuple[int, ...] = ()
    survival: tuple[float, ...] = ()
    variance: tuple[float, ...] = ()  # Greenwood
    ci_low: tuple[float, ...] = ()
    ci_high: tuple[float, ...] = ()
    median: float | None = None  # None: not reached (or suppressed)
    median_reached: bool = False

    def survival_at(self, t: float) -> float:
        """S(t): the estimate in force at time t (1 before the first row)."""
        value = 1.0
        for time, s in zip(self.times, self.survival, strict=True):
            if time > t:
                break
            value = s
        return value


def _median_time(times, at_risk: list[int], n_events: list[int]) -> float | None:
    """First time with S(t) <= 1/2: lifelines' rule (``median_survival_time_`` takes the
    first time whose estimate is at or below 0.5). The comparison is made on the exact
    rational product, so an estimate that is exactly one half counts as one half even when
    floating-point multiplication leaves it at 0.5000000000000001."""
    exact = Fraction(1)
    for time, n_i, d_i in zip(times, at_risk, n_events, strict=True):
        if d_i:
            exact *= Fraction(n_i - d_i, n_i)
            if exact <= Fraction(1, 2):
                return float(time)
    return None


def kaplan_meier(
    durations: Sequence[float], events: Sequence[bool], *, group: str | None = None
) -> KaplanMeierCurve:
    """Kaplan & Meier (1958) product-limit estimator.

    S(t) = prod over event times t_i <= t of (1 - d_i / n_i); Greenwood (1926) variance
    Var S(t) = S(t)^2 sum d_i / (n_i (n_i - d_i)); 95% interval on the log(-log) scale:
    S(t)^exp(+/- z sqrt(sum d_i/(n_i(n_i - d_i))) / log S(t)).
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if t.shape != e.shape or t.ndim != 1:
        raise ValueError("durations, events: must be one-dimensional and of the same length")
    if t.size and (np.any(t < 0) or not np.all(np.isfinite(t))):
        raise ValueError("durations: must be finite and non-negative")
    times = np.unique(t)
    at_risk, n_events, n_censored, survival, variance, lows, highs = [], [], [], [], [], [], []
    s = 1.0
    greenwood = 0.0
    for time in times:
        n_i = int(np.sum(t >= time))
        d_i = int(np.sum((t == time) & e))
        c_i = int(np.sum((t == time) & ~e))
        if d_i:
            s *= 1 - d_i / n_i
            if n_i > d_i:
                greenwood += d_i / (n_i * (n_i - d_i))
        at_risk.append(n_i)
        n_events.append(d_i)
        n_censored.append(c_i)
        survival.append(s)
        variance.append(s * s * greenwood)
        if s <= 0:
            low = high = 0.0
        elif s >= 1:
            low = high = 1.0
        else:
            log_s = math.log(s)
            spread = Z95 * math.sqrt(greenwood) / log_s  # negative: log_s < 0
            low = math.exp(-math.exp(math.log(-log_s) - spread))
            high = math.exp(-math.exp(math.log(-log_s) + spread))
        lows.append(low)
        highs.append(high)
    median = _median_time(times, at_risk, n_events)
    return KaplanMeierCurve(
        group=group,
        n=int(t.size),
        times=tuple(float(x) for x in times),
        at_risk=tuple(at_risk),
        events=tuple(n_events),
        censored=tuple(n_censored),
        survival=tuple(survival),
        variance=tuple(variance),
        ci_low=tuple(lows),
        ci_high=tuple(highs),
        median=median,
        median_reached=median is not None,
    )


@dataclass(frozen=True)
class LogRankResult:
    groups: tuple[str, ...]
    suppressed: bool = False
    reason: str | None = None
    observed: tuple[float, ...] = ()
    expected: tuple[float, ...] = ()
    statistic: float | None = None
    df: int | None = None
    p_value: float | None = None


def logrank_test(
    durations: Sequence[float], events: Sequence[bool], groups: Sequence[str]
) -> LogRankResult:
    """Log-rank test of equal survival across groups (Mantel 1966; Peto & Peto 1972).

    At each distinct event time, with n at risk and d events overall and n_j at risk in group
    j: E_j += d n_j / n and V_jk += d (n - d) / (n - 1) (n_j / n) (delta_jk - n_k / n).
    Statistic (O - E)' V^-1 (O - E) over the first k - 1 groups, chi-square with k - 1 df.
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    g = np.asarray([str(x) for x in groups])
    if not (t.shape == e.shape == g.shape):
        raise ValueError("durations, events, groups: must have the same length")
    labels = tuple(sorted(set(g.tolist())))
    k = len(labels)
    if k < 2:
        return LogRankResult(groups=labels, suppressed=True, reason="needs at least two groups")
    observed = np.zeros(k)
    expected = np.zeros(k)
    v = np.zeros((k, k))
    member = np.array([[label == x for x in g] for label in labels])  # k x N
    for time in np.unique(t[e]):
        risk = t >= time
        died = (t == time) & e
        n_j = (member & risk).sum(axis=1).astype(float)
        d_j = (member & died).sum(axis=1).astype(float)
        n, d = n_j.sum(), d_j.sum()
        observed += d_j
        expected += d * n_j / n
        if n > 1:
            share = n_j / n
            v += d * (n - d) / (n - 1) * (np.diag(share) - np.outer(share, share))
    result = LogRankResult(
        groups=labels,
        observed=tuple(float(x) for x in observed),
        expected=tuple(float(x) for x in expected),
    )
    diff = (observed - expected)[: k - 1]
    sub = v[: k - 1, : k - 1]
    if not np.any(observed) or np.linalg.matrix_rank(sub) < k - 1:
        reason = (
            "not computable: no readmissions"
            if not np.any(observed)
            else "not computable: no readmission while every group was at risk"
        )
        return LogRankResult(
            groups=labels,
            suppressed=True,
            reason=reason,
            observed=result.observed,
            expected=result.expected,
        )
    statistic = float(diff @ np.linalg.solve(sub, diff))
    return LogRankResult(
        groups=labels,
        observed=result.observed,
        expected=result.expected,
        statistic=statistic,
        df=k - 1,
        p_value=float(stats.chi2.sf(statistic, k - 1)),
    )


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ProportionResult:
    group: str
    horizon_days: int
    suppressed: bool = False
    reason: str | None = None
    n: int | None = None  # people whose follow-up settles the question
    readmitted: int | None = None
    proportion: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class GroupSummary:
    group: str
    suppressed: bool = False
    reason: str | None = None
    n: int | None = None
    readmitted: int | None = None
    median_days_in_community: float | None = None
    median_reached: bool | None = None


@dataclass(frozen=True)
class PairedProportionTest:
    """Exact McNemar test of readmission within a horizon, before vs after enrolment."""

    horizon_days: int
    suppressed: bool = False
    reason: str | None = None
    n_pairs: int | None = None
    both: int | None = None
    before_only: int | None = None
    after_only: int | None = None
    neither: int | None = None
    p_value: float | None = None


@dataclass(frozen=True)
class ReadmissionResult:
    design: str  # "between_groups" | "pre_post_within_person"
    groups: tuple[GroupSummary, ...]
    proportions: tuple[ProportionResult, ...]
    curves: tuple[KaplanMeierCurve, ...]
    logrank: LogRankResult | None
    paired_tests: tuple[PairedProportionTest, ...]
    excluded: dict[str, int]
    method: str
    label: str = LABEL
    confidence: float = CONFIDENCE
    # Every figure withheld although each group is large enough, because the same figures of
    # a part of the cohort (a team) are published with 1 to min_n - 1 people in a group.
    hidden_by_parts: bool = False


def readmission_proportion(
    follow_ups: Sequence[FollowUp], horizon_days: int, *, group: str, min_n: int = 10
) -> ProportionResult:
    settled = [f.readmitted_within(horizon_days) for f in follow_ups]
    settled = [x for x in settled if x is not None]
    n = len(settled)
    if n < min_n:
        return ProportionResult(
            group=group,
            horizon_days=horizon_days,
            suppressed=True,
            reason=suppression_reason(f"people followed for {horizon_days} days", min_n),
        )
    readmitted = sum(settled)
    low, high = wilson_interval(readmitted, n)
    return ProportionResult(
        group=group,
        horizon_days=horizon_days,
        n=n,
        readmitted=readmitted,
        proportion=readmitted / n,
        ci_low=low,
        ci_high=high,
    )


def mcnemar_exact(before_only: int, after_only: int) -> float:
    """Two-sided exact McNemar p-value: binomial test of the discordant pairs at 1/2."""
    discordant = before_only + after_only
    if discordant == 0:
        return 1.0
    return float(stats.binomtest(min(before_only, after_only), discordant, 0.5).pvalue)


def _check_horizons(horizons: Iterable[int]) -> tuple[int, ...]:
    result = tuple(horizons)
    if not result or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in result):
        raise ValueError("horizons: must be positive whole numbers of days")
    return result


def _summarise(
    cohort: Cohort, *, design: str, horizons: tuple[int, ...], min_n: int, method: str
) -> ReadmissionResult:
    by_group: dict[str, list[FollowUp]] = defaultdict(list)
    for f in cohort.follow_ups:
        by_group[f.group].append(f)
    labels = sorted(by_group)
    summaries, proportions, curves = [], [], []
    for label in labels:
        members = by_group[label]
        if len(members) < min_n:
            reason = suppression_reason("people in the group", min_n)
            summaries.append(GroupSummary(group=label, suppressed=True, reason=reason))
            curves.append(KaplanMeierCurve(group=label, suppressed=True, reason=reason))
        else:
            curve = kaplan_meier(
                [f.days for f in members], [f.readmitted for f in members], group=label
            )
            curves.append(curve)
            summaries.append(
                GroupSummary(
                    group=label,
                    n=len(members),
                    readmitted=sum(f.readmitted for f in members),
                    median_days_in_community=curve.median,
                    median_reached=curve.median_reached,
                )
            )
        for horizon in horizons:
            proportions.append(readmission_proportion(members, horizon, group=label, min_n=min_n))

    logrank = None
    paired: list[PairedProportionTest] = []
    if design == "between_groups" and len(labels) >= 2:
        if any(s.suppressed for s in summaries):
            logrank = LogRankResult(
                groups=tuple(labels),
                suppressed=True,
                reason=suppression_reason("people in every group", min_n),
            )
        else:
            logrank = logrank_test(
                [f.days for f in cohort.follow_ups],
                [f.readmitted for f in cohort.follow_ups],
                [f.group for f in cohort.follow_ups],
            )
    if design == "pre_post_within_person":
        before = {f.person_id: f for f in by_group.get(BEFORE, [])}
        after = {f.person_id: f for f in by_group.get(AFTER, [])}
        for horizon in horizons:
            cells = Counter()
            for person in sorted(before.keys() & after.keys()):
                b = before[person].readmitted_within(horizon)
                a = after[person].readmitted_within(horizon)
                if a is not None and b is not None:
                    cells[(b, a)] += 1
            n_pairs = sum(cells.values())
            if n_pairs < min_n:
                paired.append(
                    PairedProportionTest(
                        horizon_days=horizon,
                        suppressed=True,
                        reason=suppression_reason("people with both periods followed", min_n),
                    )
                )
                continue
            paired.append(
                PairedProportionTest(
                    horizon_days=horizon,
                    n_pairs=n_pairs,
                    both=cells[(True, True)],
                    before_only=cells[(True, False)],
                    after_only=cells[(False, True)],
                    neither=cells[(False, False)],
                    p_value=mcnemar_exact(cells[(True, False)], cells[(False, True)]),
                )
            )
    return ReadmissionResult(
        design=design,
        groups=tuple(summaries),
        proportions=tuple(proportions),
        curves=tuple(curves),
        logrank=logrank,
        paired_tests=tuple(paired),
        excluded=dict(cohort.excluded),
        method=method,
    )


def readmission_outcomes(
    episodes: Iterable[Episode],
    groups: Mapping[str, str],
    *,
    study_end: date,
    index_dates: Mapping[str, date] | None = None,
    censor_dates: Mapping[str, date] | None = None,
    horizons: Iterable[int] = DEFAULT_HORIZONS,
    min_n: int = 10,
) -> ReadmissionResult:
    """Between-groups design: e.g. ``{"p1": "peer_supported", "p2": "comparison", ...}``.

    Every group with fewer than ``min_n`` people is suppressed (and then no log-rank test);
    each readmission proportion needs ``min_n`` people whose follow-up settles it.
    """
    check_min_n(min_n)
    cohort = follow_up(
        episodes, groups, study_end=study_end, index_dates=index_dates, censor_dates=censor_dates
    )
    return _summarise(
        cohort,
        design="between_groups",
        horizons=_check_horizons(horizons),
        min_n=min_n,
        method=METHOD_BETWEEN,
    )


def readmission_outcomes_pre_post(
    episodes: Iterable[Episode],
    enrolment_dates: Mapping[str, date],
    *,
    study_end: date,
    lookback_days: int = 365,
    horizons: Iterable[int] = DEFAULT_HORIZONS,
    min_n: int = 10,
) -> ReadmissionResult:
    """Within-person design: each enrolled person's period before enrolment as comparison
    (see :func:`pre_post_follow_up`), with exact McNemar tests instead of a log-rank test."""
    check_min_n(min_n)
    cohort = pre_post_follow_up(
        episodes, enrolment_dates, study_end=study_end, lookback_days=lookback_days
    )
    return _summarise(
        cohort,
        design="pre_post_within_person",
        horizons=_check_horizons(horizons),
        min_n=min_n,
        method=METHOD_PRE_POST,
    )

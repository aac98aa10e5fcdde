"""The hospital episode rule: stays that touch or overlap are one episode, and readmission
counts from the episode's last discharge (pure functions, no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from peerway.insights.stats import follow_up, pre_post_follow_up
from peerway.insights.stats.episodes import (
    ADMISSION,
    DISCHARGE,
    EMERGENCY_VISIT,
    HospitalRecord,
    Stay,
    community_index,
    hospital_episodes,
    stays_from_events,
)

D = date(2026, 1, 1)


def day(n: int) -> date:
    return D + timedelta(days=n)


def stay(a: int, d: int | None, who: str = "p") -> Stay:
    return Stay(who, day(a), None if d is None else day(d))


def rec(kind: str, n: int, facility: str = "General", who: str = "p", admitted: int | None = None):
    return HospitalRecord(who, kind, day(n), facility, None if admitted is None else day(admitted))


# --------------------------------------------------------------------------- episodes


def test_same_day_transfer_is_one_episode_ending_at_the_last_discharge():
    assert hospital_episodes([stay(0, 5), stay(5, 12)]) == [stay(0, 12)]


def test_next_day_admission_is_the_same_episode():
    assert hospital_episodes([stay(0, 5), stay(6, 12)]) == [stay(0, 12)]


def test_overlapping_stays_are_one_episode_whatever_ends_last():
    assert hospital_episodes([stay(0, 10), stay(3, 7)]) == [stay(0, 10)]
    assert hospital_episodes([stay(0, 5), stay(3, 9)]) == [stay(0, 9)]


def test_two_days_between_discharge_and_admission_are_separate_episodes():
    assert hospital_episodes([stay(0, 5), stay(7, 12)]) == [stay(0, 5), stay(7, 12)]


def test_a_chain_of_transfers_is_one_episode():
    assert hospital_episodes([stay(0, 3), stay(3, 6), stay(7, 9), stay(20, 25)]) == [
        stay(0, 9),
        stay(20, 25),
    ]


def test_transfer_to_a_stay_not_yet_discharged_leaves_the_episode_open():
    assert hospital_episodes([stay(0, 5), stay(5, None)]) == [stay(0, None)]


def test_a_stay_with_no_discharge_is_not_extended_by_a_later_admission():
    assert hospital_episodes([stay(0, None), stay(30, 35)]) == [stay(0, None), stay(30, 35)]


def test_people_are_kept_apart():
    assert hospital_episodes([stay(0, 5, "a"), stay(5, 9, "b")]) == [
        stay(0, 5, "a"),
        stay(5, 9, "b"),
    ]


def test_a_discharge_before_its_admission_is_refused():
    with pytest.raises(ValueError, match="before the admission"):
        hospital_episodes([stay(5, 2)])


# --------------------------------------------------------------------------- events to stays


def test_transfer_between_facilities_pairs_each_discharge_with_its_own_facility():
    records = [
        rec(ADMISSION, 0, "North Hospital"),
        rec(ADMISSION, 5, "South Rehab"),  # transferred the day North discharged
        rec(DISCHARGE, 5, "North Hospital"),
        rec(DISCHARGE, 14, "South Rehab"),
    ]
    stays = stays_from_events(records)
    assert stays == [stay(0, 5), stay(5, 14)]
    assert hospital_episodes(stays) == [stay(0, 14)]


def test_emergency_visit_during_a_stay_is_not_a_stay_or_a_readmission():
    records = [
        rec(ADMISSION, 0),
        rec(EMERGENCY_VISIT, 3, "Other ED"),
        rec(DISCHARGE, 8),
        rec(EMERGENCY_VISIT, 20),  # on its own: not an admission either
    ]
    assert hospital_episodes(stays_from_events(records)) == [stay(0, 8)]


def test_discharge_with_the_admission_date_given_and_facility_names_spelled_differently():
    records = [
        rec(DISCHARGE, 4, admitted=1),
        rec(ADMISSION, 10, "St. Mary's"),
        rec(DISCHARGE, 12, "ST. MARY'S "),
        rec(ADMISSION, 20, "A"),
        rec(DISCHARGE, 25, "B"),  # no open stay at B: ends the one open at A
        rec(DISCHARGE, 40),  # nothing to pair and no admission date: left out
    ]
    assert stays_from_events(records) == [stay(1, 4), stay(10, 12), stay(20, 25)]


def test_admission_never_discharged_is_still_in_hospital():
    assert stays_from_events([rec(ADMISSION, 0)]) == [stay(0, None)]


# --------------------------------------------------------------------------- follow-up


def test_same_day_transfer_does_not_start_the_30_day_clock_in_hospital():
    stays = [stay(0, 5), stay(5, 40), stay(60, 65)]
    cohort = follow_up(stays, {"p": "g"}, study_end=day(200))
    [f] = cohort.follow_ups
    assert f.index_date == day(40)  # the episode's last discharge, not day 5
    assert f.readmitted and f.days == 20  # days in the community, from day 40 to day 60
    assert f.readmitted_within(30) is True


def test_next_day_transfer_is_not_a_readmission():
    cohort = follow_up([stay(0, 5), stay(6, 10)], {"p": "g"}, study_end=day(100))
    [f] = cohort.follow_ups
    assert (f.index_date, f.readmitted, f.days) == (day(10), False, 90)


def test_two_day_gap_is_a_readmission():
    cohort = follow_up([stay(0, 5), stay(7, 10)], {"p": "g"}, study_end=day(100))
    [f] = cohort.follow_ups
    assert (f.index_date, f.readmitted, f.days) == (day(5), True, 2)


def test_an_index_date_inside_an_episode_moves_to_its_discharge():
    stays = [stay(0, 5), stay(5, 20)]
    cohort = follow_up(stays, {"p": "g"}, study_end=day(100), index_dates={"p": day(5)})
    assert cohort.follow_ups[0].index_date == day(20)
    assert community_index(hospital_episodes(stays), day(50)) == day(50)
    open_now = follow_up(
        [stay(0, 5), stay(5, None)], {"p": "g"}, study_end=day(100), index_dates={"p": day(5)}
    )
    assert open_now.follow_ups == ()
    assert open_now.excluded == {"still in hospital at the index date": 1}


def test_enrolment_during_a_transfer_episode_follows_from_the_episodes_last_discharge():
    stays = [stay(0, 5), stay(5, 30), stay(80, 85)]
    cohort = pre_post_follow_up(stays, {"p": day(3)}, study_end=day(300), lookback_days=365)
    after = [f for f in cohort.follow_ups if f.group == "after_enrolment"]
    assert after[0].index_date == day(30)
    assert after[0].days == 50


# --------------------------------------------------------------------------- eligibility


def test_a_transfer_inside_the_window_is_one_hospitalization():
    from peerway.insights.stats.episodes import episodes_admitted_between

    records = [
        rec(ADMISSION, 10, "North"),
        rec(ADMISSION, 15, "South"),
        rec(DISCHARGE, 15, "North"),
        rec(DISCHARGE, 30, "South"),
        rec(EMERGENCY_VISIT, 12),
        rec(ADMISSION, 60, "North"),
        rec(DISCHARGE, 65, "North"),
    ]
    assert episodes_admitted_between(records, day(0), day(100)) == 2
    assert episodes_admitted_between(records, day(0), day(40)) == 1
    assert episodes_admitted_between(records, day(14), day(40)) == 1  # the transfer day only
    assert episodes_admitted_between(records, day(31), day(59)) == 0

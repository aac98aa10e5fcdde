"""The de-identification rules on their own (no database)."""

from datetime import date, timedelta

import pytest

from peerway.research import deid


def subject(ref, yob=1990, team="North / A", site="North", language="en"):
    return deid.Subject(ref=ref, year_of_birth=yob, team=team, site=site, language=language)


def test_study_ids_depend_on_the_key_and_are_not_person_codes():
    key1, key2 = deid.new_key(), deid.new_key()
    assert deid.study_id(key1, 7) == deid.study_id(key1, 7)
    assert deid.study_id(key1, 7) != deid.study_id(key2, 7)
    assert deid.study_id(key1, 7) != deid.study_id(key1, 8)
    assert deid.study_id(key1, 7).startswith("S") and len(deid.study_id(key1, 7)) == 17


def test_offsets_are_never_zero_and_stay_within_the_limit():
    offsets = [deid.random_offset(3) for _ in range(300)]
    assert 0 not in offsets
    assert set(offsets) <= {-3, -2, -1, 1, 2, 3}
    assert deid.shift(date(2026, 1, 31), 1) == date(2026, 2, 1)
    assert deid.shift(None, 5) is None


@pytest.mark.parametrize(
    ("yob", "width", "band"),
    [
        (1990, 5, "35-39"),
        (1991, 5, "35-39"),
        (1992, 5, "30-34"),
        (1990, 10, "30-39"),
        (1990, 20, "20-39"),
        (1930, 5, "90+"),
        (1937, 20, "80-89"),
        (None, 5, "unknown"),
        (2030, 5, "unknown"),
    ],
)
def test_age_bands_from_year_of_birth(yob, width, band):
    assert deid.age_band(yob, 2026, width) == band


def test_small_classes_are_suppressed_at_the_least_general_level():
    people = [subject(i) for i in range(10)] + [subject(99, yob=1950, language="cr")]
    result = deid.anonymize(people, reference_year=2026, k=5, max_suppression=0.10)
    assert result.level.number == 0
    assert result.suppressed == [99]
    assert deid.smallest_class(result.quasi.values()) >= 5


def test_generalization_rather_than_suppression_when_suppression_would_exceed_the_limit():
    # Two teams of 3 at one site: no team reaches 5, the site does.
    people = [subject(i, team="North / A") for i in range(3)]
    people += [subject(10 + i, team="North / B") for i in range(3)]
    result = deid.anonymize(people, reference_year=2026)
    assert result.level.place == "site"
    assert result.suppressed == []
    assert set(result.quasi.values()) == {("30-39", "North", "en")}


def test_refused_when_even_the_most_general_level_suppresses_too_many():
    people = [subject(i, yob=1940 + 20 * (i % 4)) for i in range(8)]
    with pytest.raises(deid.ExportRefused) as exc:
        deid.anonymize(people, reference_year=2026)
    assert exc.value.code == "too_much_suppression"
    assert exc.value.facts["share"] > 0.10


def test_refused_when_nobody_is_there():
    with pytest.raises(deid.ExportRefused) as exc:
        deid.anonymize([], reference_year=2026)
    assert exc.value.code == "no_people"


def test_smallest_class():
    assert deid.smallest_class([("a",), ("a",), ("b",)]) == 1
    assert deid.smallest_class([]) == 0


@pytest.mark.parametrize(
    ("value", "label"),
    [(1, "1"), (2, "2"), (5, "3-5"), (6, "6-10"), (20, "11-20"), (400, "21+"), (0, ""), (None, "")],
)
def test_counts_fall_in_bands(value, label):
    assert deid.band(value, deid.CONTACTS_FINE) == label


def story(start=date(2026, 3, 2), gap=4, minutes=(45, 30), modality=("in_person", "phone")):
    return deid.History(
        status="active",
        contacts=[
            deid.ContactFact(start, minutes[0], modality[0]),
            deid.ContactFact(start + timedelta(days=gap), minutes[1], modality[1]),
            deid.ContactFact(start + timedelta(days=40), 20, "in_person"),
        ],
        referrals=[deid.ReferralFact("self", "soon", "accepted", start - timedelta(9), start)],
        relationships=[deid.RelationshipFact(start, None)],
        hospital=[
            deid.HospitalFact("discharge", start + timedelta(days=20), start + timedelta(days=15)),
            deid.HospitalFact("admission", start + timedelta(days=15), None),
            deid.HospitalFact("admission", start + timedelta(days=60), None),
            deid.HospitalFact("emergency_visit", start - timedelta(days=5), None),
        ],
    )


def test_a_profile_says_what_happened_in_bands_relative_to_the_persons_own_history():
    rows = deid.profile(story(), deid.DETAILS[0])
    assert rows["contacts"] == [
        ("month", "0", "2", "60-179", "mixed"),
        ("month", "1", "1", "0-59", "in_person"),
    ]
    assert rows["referrals"] == [("1", "self", "soon", "accepted", "8-14")]
    assert rows["relationships"] == [("1", "ongoing")]
    assert rows["hospital"] == [
        ("admission", "during_support", "", ""),
        ("admission", "during_support", "", "31-90"),  # 40 days after the discharge
        ("discharge", "during_support", "3-7", ""),
        ("emergency_visit", "before_support", "", ""),
    ]
    minimal = deid.profile(story(), deid.DETAILS[3])
    assert minimal["contacts"] == [("whole", "", "1-5", "", "")]
    assert minimal["referrals"] == [("1", "", "", "accepted", "")]


def test_different_exact_dates_with_the_same_story_in_bands_share_one_signature():
    a = deid.profile(story(), deid.DETAILS[0])
    b = deid.profile(story(start=date(2025, 11, 20), gap=6, minutes=(50, 20)), deid.DETAILS[0])
    assert deid.signature("active", a) == deid.signature("active", b)


def test_outcome_values_are_not_part_of_the_signature_but_what_was_given_is():
    def with_score(score, time_point=0):
        h = deid.History(status="active")
        fact = deid.OutcomeFact("qpr15", "1", time_point, "self_link", score, "", True, False)
        h.outcomes.append(fact)
        return deid.signature("active", deid.profile(h, deid.DETAILS[0]))

    assert with_score(20.0) == with_score(44.0)
    assert with_score(20.0) != with_score(20.0, time_point=3)


def test_linked_anonymity_generalizes_events_until_the_small_classes_fit_the_limit():
    people = [subject(i) for i in range(12)]
    # Twelve alike on paper with twelve different gaps between their two contacts: only
    # "two contacts in their whole follow-up" puts them together.
    histories = {
        i: story(gap=5 + 9 * i, minutes=(15 * (i + 1), 30), modality=("video", "in_person"))
        for i in range(12)
    }
    for h in histories.values():
        h.contacts.pop()  # two contacts each
    result = deid.anonymize_linked(people, histories, reference_year=2026, k=5)
    assert result.detail.name in {"whole", "minimal"}
    assert result.suppressed == []
    assert len({tuple(map(tuple, r["contacts"])) for r in result.rows.values()}) == 1
    assert result.smallest == 12


def test_linked_anonymity_suppresses_a_unique_history_and_refuses_when_too_many_are():
    people = [subject(i) for i in range(11)]
    histories = {10: story()}
    result = deid.anonymize_linked(people, histories, reference_year=2026, k=5)
    assert result.plan == 0 and result.suppressed == [10]
    histories = {i: story(gap=i) for i in range(5, 11)}  # 6 with contacts, 5 without
    histories[10].relationships.clear()
    histories[9].referrals.clear()
    with pytest.raises(deid.ExportRefused):
        deid.anonymize_linked(people, histories, reference_year=2026, k=5)


def admissions(n):
    day = date(2026, 1, 1)
    return deid.History(
        hospital=[
            deid.HospitalFact("admission", day + timedelta(days=200 * i), None) for i in range(n)
        ]
    )


def test_rare_rows_are_withheld_before_a_person_is_suppressed():
    people = [subject(i) for i in range(17)]
    # Five people alike but for their hospital use, each one different.
    histories = {12 + n: admissions(n + 1) for n in range(5)}
    result = deid.anonymize_linked(people, histories, reference_year=2026, k=5)
    assert result.plan == 0 and result.suppressed == []
    assert {ref for ref, tables in result.withheld.items() if tables} == set(range(12, 17))
    assert all(result.withheld[ref] == ("hospital",) for ref in range(12, 17))
    assert all(result.rows[ref]["hospital"] == [] for ref in range(12, 17))


def test_refused_when_too_many_people_would_have_files_withheld():
    people = [subject(i) for i in range(10)]
    histories = {5 + n: admissions(n + 1) for n in range(5)}
    with pytest.raises(deid.ExportRefused) as exc:
        deid.anonymize_linked(people, histories, reference_year=2026, k=5)
    assert exc.value.code == "too_much_withholding"
    assert exc.value.facts["share"] == 0.5

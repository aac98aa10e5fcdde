"""The de-identification rules on their own (no database)."""

from datetime import date

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

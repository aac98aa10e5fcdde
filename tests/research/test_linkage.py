"""The linkage attack, tried for real: someone who has the database (every person's raw
contacts, year of birth, team and language) takes an export and, for each study ID, lists
the people whose raw record is consistent with everything the export says about that ID.

The attacker is written from the export's documented format (docs/deidentified-export.md,
data_dictionary.csv), not from the export code: bands are read as ranges, periods as
30- or 90-day windows counted from a person's first contact, a file named in the
person's "withheld" column as saying nothing about them.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from peerway.hospital.models import EventKind, HospitalEvent
from peerway.research import services
from peerway.support.models import Contact, Person

from .conftest import make_person, read_csv

K = 5
PERIOD_DAYS = {"month": 30, "quarter": 90, "whole": None}


@pytest.fixture
def vulnerable(world):
    """Forty people alike on paper (team A, born 1990, English) whose contact histories
    are all different: how many contacts, how far apart, how long, in person or not; a
    dozen of them also went to hospital, one to three times."""
    rng = random.Random(13)
    people = []
    for i in range(40):
        person = make_person(world, world.team_a, 1990)
        day = date(2025, 6, 1) + timedelta(days=rng.randrange(0, 120))
        for _ in range(1 + i % 14):
            contact = Contact.objects.create(
                organization=world.org,
                team=world.team_a,
                worker=world.peer_a,
                date=day,
                duration_minutes=rng.choice([10, 15, 20, 30, 45, 60, 90, 120, 180]),
                modality=rng.choice(["in_person", "phone", "video", "text"]),
            )
            contact.people.add(person)
            day += timedelta(days=rng.randrange(1, 40))
        for visit in range(i % 3 + 1 if i % 10 < 3 else 0):
            HospitalEvent.objects.create(
                organization=world.org,
                person=person,
                kind=EventKind.EMERGENCY_VISIT if visit % 2 else EventKind.ADMISSION,
                date=day + timedelta(days=30 * visit),
            )
        people.append(person)
    return people


def raw_histories(world) -> dict[int, dict]:
    """What the attacker reads from the database, per person."""
    people = Person.objects.filter(organization=world.org).select_related("team__site")
    raw = {
        p.pk: {
            "yob": p.year_of_birth,
            "team": f"{p.team.site.name} / {p.team.name}",
            "site": p.team.site.name,
            "language": p.language,
            "contacts": [],
            "hospital": Counter(),
        }
        for p in people
    }
    for person_id, kind in HospitalEvent.objects.values_list("person_id", "kind"):
        raw[person_id]["hospital"][kind] += 1
    for contact in Contact.objects.filter(organization=world.org).prefetch_related("people"):
        for person in contact.people.all():
            raw[person.pk]["contacts"].append(
                (contact.date, contact.duration_minutes, contact.modality)
            )
    return raw


def in_band(value: int, label: str) -> bool:
    if label == "":
        return True  # withheld: says nothing
    if label.endswith("+"):
        return value >= int(label[:-1])
    low, _, high = label.partition("-")
    return int(low) <= value <= int(high or low)


def fits_person(raw: dict, row: dict, year: int) -> bool:
    age_band, place, language = row["age_band"], row["place"], row["language"]
    if age_band != "unknown" and not in_band(year - raw["yob"], age_band):
        return False
    if place not in {raw["team"], raw["site"], "all"}:
        return False
    grouped = raw["language"] if raw["language"] in {"en", "fr"} else "other"
    return language in {raw["language"], grouped}


def fits_contacts(raw_contacts: list, rows: list[dict]) -> bool:
    if not raw_contacts or not rows:
        return not raw_contacts and not rows
    size = PERIOD_DAYS[rows[0]["period"]]
    first = min(c[0] for c in raw_contacts)
    periods: dict[str, list] = defaultdict(list)
    for c in raw_contacts:
        periods["" if size is None else str((c[0] - first).days // size)].append(c)
    if sorted(periods) != sorted(r["period_number"] for r in rows):
        return False
    for r in rows:
        contacts = periods[r["period_number"]]
        if not in_band(len(contacts), r["contacts"]):
            return False
        if not in_band(sum(c[1] for c in contacts), r["minutes"]):
            return False
        kinds = {"in_person" if c[2] == "in_person" else "remote" for c in contacts}
        mix = kinds.pop() if len(kinds) == 1 else "mixed"
        if r["modality"] not in {"", mix}:
            return False
    return True


def candidates(world, files) -> dict[str, list[int]]:
    """For each exported study ID, the raw people consistent with all it shows."""
    raw = raw_histories(world)
    year = date.fromisoformat(
        next(r["value"] for r in read_csv(files["summary.csv"]) if r["item"] == "export_date")
    ).year
    contact_rows = defaultdict(list)
    for row in read_csv(files["contacts.csv"]):
        contact_rows[row["study_id"]].append(row)
    hospital_rows: dict[str, Counter] = defaultdict(Counter)
    for row in read_csv(files["hospital_events.csv"]):
        hospital_rows[row["study_id"]][row["event"]] += 1
    return {
        person["study_id"]: [
            pk
            for pk, history in raw.items()
            if fits_person(history, person, year)
            and (
                "contacts.csv" in person["withheld"].split(";")  # rows withheld: no clue
                or fits_contacts(history["contacts"], contact_rows[person["study_id"]])
            )
            and (
                "hospital_events.csv" in person["withheld"].split(";")
                or history["hospital"] == hospital_rows[person["study_id"]]
            )
        ]
        for person in read_csv(files["people.csv"])
    }


def test_the_world_is_vulnerable_exact_contact_patterns_single_out_everyone(world, vulnerable):
    # What per-person date shifting kept: gaps between contacts, minutes and modality.
    def pattern(contacts):
        contacts = sorted(contacts)
        gaps = tuple((b[0] - a[0]).days for a, b in zip(contacts, contacts[1:], strict=False))
        return gaps, tuple(c[1:] for c in contacts)

    raw = raw_histories(world)
    assert sum(1 for p in vulnerable if raw[p.pk]["hospital"]) == 12
    patterns = Counter(pattern(raw[p.pk]["contacts"]) for p in vulnerable)
    assert all(count == 1 for count in patterns.values())


def test_no_exported_person_can_be_matched_back_to_fewer_than_k_people(world, vulnerable):
    result = services.create_export(
        actor=world.evaluator,
        organization=world.org,
        purpose="Evaluate the dose of peer contacts against outcomes",
    )
    matches = candidates(world, result.files)
    assert len(matches) >= 36  # at most 10 % suppressed: the export stays useful
    for study_id, raw_people in matches.items():
        assert len(raw_people) >= K, (study_id, len(raw_people))
    # The attacker's reading of the format is right (so the test above does not pass by
    # misreading): every study ID fits someone, and together they fit at least as many
    # people as were exported.
    assert all(matches.values())
    assert len(set().union(*matches.values())) >= len(matches)


def test_the_contact_table_still_carries_the_dose(world, vulnerable):
    result = services.create_export(
        actor=world.evaluator,
        organization=world.org,
        purpose="Evaluate the dose of peer contacts against outcomes",
    )
    rows = read_csv(result.files["contacts.csv"])
    assert rows and {r["contacts"] for r in rows} - {""}
    people = read_csv(result.files["people.csv"])
    withheld = {p["study_id"] for p in people if "contacts.csv" in p["withheld"]}
    assert len(withheld) <= len(people) / 3
    # Everyone here had contacts: their dose is in the file unless it is marked withheld.
    assert {r["study_id"] for r in rows} == {p["study_id"] for p in people} - withheld

"""What an export holds: consenting people only, k-anonymous across all their rows, no
free text and no dates, new IDs each time, audited with its purpose."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from peerway.core.models import AuditEvent
from peerway.research import services
from peerway.research.dictionary import DICTIONARY_FILE, FILES, SUMMARY_FILE
from peerway.research.models import DeidentifiedExport, ExportStatus
from peerway.support.models import Contact, Person

from .conftest import SECRETS, consent, make_person, read_csv

PURPOSE = "Evaluate the peer service for the funder's annual review"


def export(world, **kwargs):
    kwargs.setdefault("purpose", PURPOSE)
    return services.create_export(actor=world.evaluator, organization=world.org, **kwargs)


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_output_is_k_anonymous_on_the_quasi_identifiers_and_the_outlier_is_suppressed(world, crowd):
    result = export(world)
    people = read_csv(result.files["people.csv"])
    classes = Counter((p["age_band"], p["place"], p["language"]) for p in people)
    assert min(classes.values()) >= 5
    assert len(people) == 22  # 12 + 10 consenting; the outlier suppressed, 2 never asked
    assert set(classes) == {
        ("35-39", "North Hospital / Team A", "en"),
        ("45-49", "South Clinic / Team C", "fr"),
    }
    e = result.export
    assert (e.people_considered, e.people_exported, e.people_suppressed) == (23, 22, 1)
    assert e.level == 0 and e.status == ExportStatus.COMPLETED
    summary = {r["item"]: r["value"] for r in read_csv(result.files[SUMMARY_FILE])}
    assert summary["smallest_class"] == "5"  # the cohort: five people, one story
    assert summary["people_suppressed"] == "1"
    assert summary["detail"] == "month"
    # The suppressed person's group contact leaves no row for them; the cohort's two
    # contacts each fall in their first month of follow-up.
    contacts = read_csv(result.files["contacts.csv"])
    assert len(contacts) == 5
    assert {tuple(c.values())[1:] for c in contacts} == {("month", "0", "2", "60-179", "in_person")}


def test_export_is_refused_when_suppression_would_exceed_the_limit(world):
    for yob, language in [(1940, "en"), (1960, "fr"), (1980, "cr"), (2000, "es")] * 2:
        make_person(world, world.team_a, yob, language)
    with pytest.raises(ValidationError) as exc:
        export(world)
    assert "refused" in exc.value.messages[0]
    refused = DeidentifiedExport.objects.get()
    assert refused.status == ExportStatus.REFUSED
    assert refused.refusal == "too_much_suppression"
    assert refused.archive == b"" or bytes(refused.archive) == b""
    event = AuditEvent.objects.get(action="research.export_refused")
    assert event.details["reason"] == "too_much_suppression"


def test_export_is_refused_when_nobody_consents(world):
    make_person(world, world.team_a, 1990, evaluation=False)
    with pytest.raises(ValidationError) as exc:
        export(world)
    assert "consent" in exc.value.messages[0]


def test_withdrawal_of_evaluation_consent_excludes_at_once(world, crowd):
    assert len(read_csv(export(world).files["people.csv"])) == 22
    consent(crowd.people[5], given=False, on=date(2026, 3, 1))
    assert len(read_csv(export(world).files["people.csv"])) == 21
    # Giving consent for other purposes does not bring anyone in.
    consent(crowd.outlier, given=True, purpose="peer_support")
    assert len(read_csv(export(world).files["people.csv"])) == 21


def test_no_names_free_text_or_person_codes_in_any_file(world, crowd):
    result = export(world)
    assert set(result.files) == {*FILES, DICTIONARY_FILE, SUMMARY_FILE}
    codes = list(Person.objects.values_list("code", flat=True))
    for name, content in result.files.items():
        text = content.decode("utf-8")
        for secret in [*SECRETS, PURPOSE]:
            assert secret not in text, (name, secret)
        assert "P-" not in text, name
        for code in codes:
            assert code not in text, (name, code)
        assert "emotional_support" in text or name != "contact_mix.csv"


def test_study_ids_differ_between_two_exports(world, crowd):
    first = {p["study_id"] for p in read_csv(export(world).files["people.csv"])}
    second = {p["study_id"] for p in read_csv(export(world).files["people.csv"])}
    assert len(first) == len(second) == 22
    assert not first & second


def test_event_tables_hold_no_dates_only_bands_relative_to_each_person(world, crowd):
    files = export(world).files
    for name, content in files.items():
        if name != SUMMARY_FILE:
            assert not re.search(r"\d{4}-\d{2}-\d{2}", content.decode()), name
    # The tracer is found here by their outcome scores (20 then 31), the measured values.
    outcomes = read_csv(files["outcomes.csv"])
    tracer_id = next(o["study_id"] for o in outcomes if o["total_score"] == "20")
    assert sorted(
        (o["time_point_months"], o["total_score"]) for o in outcomes if o["study_id"] == tracer_id
    ) == [("0", "20"), ("3", "31")]
    (referral,) = [r for r in read_csv(files["referrals.csv"]) if r["study_id"] == tracer_id]
    assert (referral["source"], referral["days_to_first_contact"]) == ("clinician", "0-7")
    (relationship,) = [
        r for r in read_csv(files["relationships.csv"]) if r["study_id"] == tracer_id
    ]
    assert relationship["days_in_support"] == "31-90"  # 90 days
    events = [e for e in read_csv(files["hospital_events.csv"]) if e["study_id"] == tracer_id]
    assert sorted((e["event"], e["phase"], e["stay_days"]) for e in events) == [
        ("admission", "during_support", ""),
        ("discharge", "during_support", "8-30"),  # 17 days
    ]


def test_every_persons_rows_taken_together_are_shared_by_at_least_k_people(world, crowd):
    files = export(world).files
    story: dict[str, list] = {p["study_id"]: [] for p in read_csv(files["people.csv"])}
    for p in read_csv(files["people.csv"]):
        story[p["study_id"]].append(("people", *list(p.values())[1:]))
    for name in ["contacts.csv", "referrals.csv", "relationships.csv", "hospital_events.csv"]:
        for row in read_csv(files[name]):
            story[row["study_id"]].append((name, *list(row.values())[1:]))
    for row in read_csv(files["outcomes.csv"]):
        described = (row["instrument"], row["version"], row["time_point_months"], row["mode"])
        story[row["study_id"]].append(("outcomes.csv", *described))
    classes = Counter(tuple(sorted(rows)) for rows in story.values())
    assert min(classes.values()) >= 5


def test_a_person_with_a_pattern_nobody_shares_is_suppressed(world, crowd):
    loner = make_person(world, world.team_a, 1990)
    for day in range(1, 29):
        contact = Contact.objects.create(
            organization=world.org,
            team=world.team_a,
            worker=world.peer_a,
            date=date(2026, 1, day),
            duration_minutes=240,
            modality="video",
        )
        contact.people.add(loner)
    result = export(world)
    assert result.export.people_suppressed == 2  # the outlier and the loner
    assert len(read_csv(result.files["people.csv"])) == 22
    assert {c["contacts"] for c in read_csv(result.files["contacts.csv"])} == {"2"}


def test_what_contacts_were_about_is_counted_over_the_export_with_small_counts_hidden(world, crowd):
    mix = read_csv(export(world).files["contact_mix.csv"])
    counts = {(m["dimension"], m["code"]): m["contacts"] for m in mix}
    assert counts[("activity", "emotional_support")] == "5"
    assert counts[("contact_type", "group")] == "<5"
    assert counts[("group", "no")] == "5"
    assert "study_id" not in mix[0]


def test_ages_are_5_year_bands_and_the_data_dictionary_describes_every_column(world, crowd):
    files = export(world).files
    assert {p["age_band"] for p in read_csv(files["people.csv"])} <= {"35-39", "45-49"}
    dictionary = read_csv(files[DICTIONARY_FILE])
    for name in FILES:
        header = files[name].decode("utf-8").splitlines()[0].split(",")
        described = [r["column"] for r in dictionary if r["file"] == name]
        assert header == described
        assert all(r["description"] for r in dictionary if r["file"] == name)


def test_each_export_is_audited_with_its_purpose_kept_encrypted_in_the_record(world, crowd):
    result = export(world)
    event = AuditEvent.objects.get(action="research.export_created")
    assert event.actor_id == world.evaluator.pk
    assert event.object_id == str(result.export.pk)
    assert PURPOSE not in str(event.details)
    assert event.details["people"] == 22
    assert DeidentifiedExport.objects.get().purpose == PURPOSE
    with connection.cursor() as cursor:
        cursor.execute("SELECT purpose FROM research_deidentifiedexport")
        (stored,) = cursor.fetchone()
    assert PURPOSE not in stored and stored.startswith("fernet:")


@pytest.mark.parametrize("purpose", ["", "   ", "short"])
def test_a_missing_or_empty_purpose_is_named_and_nothing_is_written(world, crowd, purpose):
    with pytest.raises(ValidationError) as exc:
        export(world, purpose=purpose)
    assert "purpose" in exc.value.message_dict
    assert not DeidentifiedExport.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="research.").exists()


def test_rows_that_single_a_person_out_are_withheld_and_the_person_is_marked(world, crowd):
    from peerway.hospital.models import EventKind, HospitalEvent

    distinct = []
    for n in range(5):
        person = make_person(world, world.team_a, 1990)
        for i in range(n + 1):
            HospitalEvent.objects.create(
                organization=world.org,
                person=person,
                kind=EventKind.EMERGENCY_VISIT,
                date=date(2025, 1, 1 + i),
                facility="Secret General Hospital",
            )
        distinct.append(person)
    result = export(world)
    people = read_csv(result.files["people.csv"])
    marked = [p for p in people if p["withheld"]]
    assert len(people) == 27 and len(marked) == 5
    assert {p["withheld"] for p in marked} == {"hospital_events.csv"}
    events = read_csv(result.files["hospital_events.csv"])
    assert not {e["study_id"] for e in events} & {p["study_id"] for p in marked}
    summary = {r["item"]: r["value"] for r in read_csv(result.files[SUMMARY_FILE])}
    assert summary["people_with_withheld_files"] == "5"

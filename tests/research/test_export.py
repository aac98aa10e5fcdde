"""What an export holds: consenting people only, k-anonymous, no free text, new IDs each
time, dates shifted consistently per person, audited with its purpose."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from peerway.core.models import AuditEvent
from peerway.research import services
from peerway.research.dictionary import DICTIONARY_FILE, FILES, SUMMARY_FILE
from peerway.research.models import DeidentifiedExport, ExportStatus
from peerway.support.models import Person

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
    assert summary["smallest_class"] == "10"
    assert summary["people_suppressed"] == "1"
    # The suppressed person's group contact leaves no row for them.
    contacts = read_csv(result.files["contacts.csv"])
    assert len(contacts) == 3  # the tracer twice, their teammate once
    assert {c["group"] for c in contacts} == {"yes", "no"}


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
        assert "emotional_support" in text or name != "contacts.csv"


def test_study_ids_differ_between_two_exports(world, crowd):
    first = {p["study_id"] for p in read_csv(export(world).files["people.csv"])}
    second = {p["study_id"] for p in read_csv(export(world).files["people.csv"])}
    assert len(first) == len(second) == 22
    assert not first & second


def test_dates_are_shifted_by_one_offset_per_person_so_intervals_are_kept(world, crowd):
    files = export(world).files
    events = read_csv(files["hospital_events.csv"])
    assert len({e["study_id"] for e in events}) == 1  # only the tracer has hospital events
    tracer_id = events[0]["study_id"]
    by_kind = {e["event"]: e for e in events}
    admitted, discharged = d(by_kind["admission"]["event_on"]), d(by_kind["discharge"]["event_on"])
    assert (discharged - admitted).days == 17
    offset = (admitted - date(2026, 3, 1)).days
    assert offset != 0 and abs(offset) <= 182
    assert d(by_kind["discharge"]["admitted_on"]) == admitted
    outcomes = read_csv(files["outcomes.csv"])
    assert {o["study_id"] for o in outcomes} == {tracer_id}
    assert {(d(o["administered_on"]) - date(2026, 2, 10)).days for o in outcomes} == {
        offset,
        offset + 91,
    }
    (referral,) = read_csv(files["referrals.csv"])
    assert referral["study_id"] == tracer_id
    assert (d(referral["referred_on"]) - date(2026, 2, 1)).days == offset
    assert referral["days_to_first_contact"] == "7"
    (relationship,) = read_csv(files["relationships.csv"])
    assert (d(relationship["started_on"]) - date(2026, 2, 3)).days == offset
    assert relationship["days_in_support"] == "90"
    tracer_contacts = [c for c in read_csv(files["contacts.csv"]) if c["study_id"] == tracer_id]
    assert {(d(c["contact_on"]) - date(2026, 2, 8)).days for c in tracer_contacts} == {
        offset,
        offset + 7,
    }
    # Other people get their own offsets: not every one equals the tracer's.
    people = read_csv(files["people.csv"])
    created = {p.pk: p.created_at.date() for p in Person.objects.all()}
    shifts = {(d(p["registered_on"]) - next(iter(created.values()))).days for p in people}
    assert len(shifts) > 1


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

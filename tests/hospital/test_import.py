"""Importing hospital events: every bad row is named, nothing is written from a file with
an error, the same rows twice add nothing, large files go in batches."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied

from peerway.core.models import AuditEvent
from peerway.hospital.models import EventKind, HospitalEvent, HospitalImport
from peerway.hospital.services import import_hospital_events

from .conftest import TODAY, csv_bytes

GOOD = [
    "P-ADA2345,,admission,2026-01-05,,Harbourview General",
    "P-ADA2345,,discharge,2026-01-12,2026-01-05,Harbourview General",
    ",MRN-001,admission,2026-02-01,,Harbourview General",
    "p-ben2345,,emergency_visit,2026-03-03,,South ED",
]


def run(world, data, actor="manager", **kw):
    return import_hospital_events(
        actor=getattr(world, actor) if actor else None,
        organization=world.org,
        stream=data,
        today=TODAY,
        **kw,
    )


def problems(report):
    return {(e.row, e.column, e.message) for e in report.errors}


def test_a_good_file_is_imported_with_counts(world, people):
    report = run(world, csv_bytes(*GOOD))
    assert report.ok
    assert (report.rows, report.created, report.already_present) == (4, 4, 0)
    ada = people["ada"]
    assert list(ada.hospital_events.values_list("kind", "date")) == [
        (EventKind.ADMISSION, TODAY.replace(month=1, day=5)),
        (EventKind.DISCHARGE, TODAY.replace(month=1, day=12)),
        (EventKind.ADMISSION, TODAY.replace(month=2, day=1)),
    ]
    assert people["ben"].hospital_events.get().facility == "South ED"


def test_the_same_file_twice_adds_nothing(world, people):
    run(world, csv_bytes(*GOOD))
    again = run(world, csv_bytes(*GOOD))
    assert again.ok
    assert (again.rows, again.created, again.already_present) == (4, 0, 4)
    assert HospitalEvent.objects.count() == 4
    # A file overlapping the first adds only its new rows.
    more = run(world, csv_bytes(GOOD[0], "P-BEN2345,,admission,2026-04-01,,South Ward"))
    assert (more.created, more.already_present) == (1, 1)
    assert HospitalEvent.objects.count() == 5


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        ("P-NOBODY2,,admission,2026-01-05,,H", "person_code", "No person with this code"),
        (",MRN-999,admission,2026-01-05,,H", "hospital_id", "No person has this hospital"),
        (",,admission,2026-01-05,,H", "person_code", "Give a person code or a hospital"),
        ("P-ADA2345,,surgery,2026-01-05,,H", "event", "Unknown event “surgery”"),
        ("P-ADA2345,,,2026-01-05,,H", "event", "Give the event"),
        ("P-ADA2345,,admission,05/01/2026,,H", "date", "is not a date"),
        ("P-ADA2345,,admission,2026-02-30,,H", "date", "is not a date"),
        ("P-ADA2345,,admission,,,H", "date", "Give the date"),
        ("P-ADA2345,,admission,2026-07-01,,H", "date", "in the future"),
        ("P-ADA2345,,discharge,2026-01-04,2026-01-05,H", "date", "discharge date is before"),
        ("P-ADA2345,,discharge,2026-01-04,yesterday,H", "admission_date", "is not a date"),
        ("P-ADA2345,,admission,2026-01-04,2026-01-01,H", "admission_date", "Only a discharge"),
        ("P-ADA2345,,admission,2026-01-05,,", "facility", "Give the facility"),
        ("P-ADA2345,,admission,2026-01-05,,   ", "facility", "Give the facility"),
        ("P-ADA2345,,admission,2026-01-05,," + "x" * 121, "facility", "At most 120"),
        ("P-ADA2345,,admission,2026-01-05,H", "", "This row has 5 fields"),
        ("P-CYY2345,,admission,2026-01-05,,H", "person_code", "No person with this code"),
        ("P-BEN2345,MRN-001,admission,2026-01-05,,H", "hospital_id", "name different people"),
        ("P-BEN2345,MRN-404,admission,2026-01-05,,H", "hospital_id", "not recorded for the"),
    ],
)
def test_each_bad_row_is_named_with_its_column(world, people, row, column, expected):
    report = run(world, csv_bytes(GOOD[0], row))
    assert not report.ok
    [error] = report.errors
    assert (error.row, error.column) == (3, column)
    assert expected in error.message
    assert HospitalEvent.objects.count() == 0


def test_a_duplicate_within_the_file_names_the_first_row(world, people):
    report = run(
        world, csv_bytes(GOOD[0], GOOD[1], "P-ADA2345,,admission,2026-01-05,,Harbourview  General")
    )
    assert problems(report) == {(4, "", "Same person, event, date and facility as row 2.")}


def test_a_duplicate_in_a_later_batch_is_found_too(world, people):
    rows = [f"P-ADA2345,,emergency_visit,2026-01-{d:02d},,ED" for d in range(1, 11)]
    report = run(world, csv_bytes(*rows, rows[0]), batch_size=3)
    assert problems(report) == {(12, "", "Same person, event, date and facility as row 2.")}
    assert HospitalEvent.objects.count() == 0


def test_one_bad_row_among_many_writes_nothing_at_all(world, people):
    rows = [
        f"P-ADA2345,,emergency_visit,2025-{m:02d}-{d:02d},,ED"
        for m in range(1, 13)
        for d in range(1, 29)
    ]
    rows.append("P-ADA2345,,emergency_visit,2025-13-01,,ED")
    report = run(world, csv_bytes(*rows), batch_size=50)
    assert report.rows == len(rows)
    assert problems(report) == {
        (
            len(rows) + 1,
            "date",
            "“2025-13-01” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-14.",
        )
    }
    assert HospitalEvent.objects.count() == 0
    assert HospitalImport.objects.count() == 0


def test_every_problem_of_a_file_is_reported_at_once(world, people):
    report = run(
        world, csv_bytes("P-NOBODY2,,admission,2026-01-05,,H", GOOD[0], ",,flood,someday,,")
    )
    assert {(e.row, e.column) for e in report.errors} == {
        (2, "person_code"),
        (4, "person_code"),
        (4, "event"),
        (4, "date"),
        (4, "facility"),
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty"),
        (
            b"person_code,event,date\nP-ADA2345,admission,2026-01-01\n",
            "Missing column(s): facility",
        ),
        (b"event,date,facility\n", "needs a “person_code” or a “hospital_id” column"),
        (b"person_code,event,date,facility,ward\n", "Unknown column(s): ward"),
        (
            b"person_code,event,date,facility\nP-ADA2345,admission,2026-01-01,H\xe9pital\n",
            "Line 2 is not UTF-8",
        ),
    ],
)
def test_a_file_that_cannot_be_read_says_why(world, people, data, expected):
    report = run(world, io.BytesIO(data))
    assert not report.ok
    assert report.errors[0].row == 0
    assert expected in report.errors[0].message


def test_header_names_are_case_insensitive_and_a_bom_and_crlf_are_accepted(world, people):
    data = (
        "\ufeffPerson_Code,EVENT,Date,Facility\r\n"
        'P-ADA2345,Admission,2026-01-01,"Harbourview, Unit 3B"\r\n\r\n'
    )
    report = run(world, io.BytesIO(data.encode("utf-8")))
    assert report.ok and report.created == 1
    assert HospitalEvent.objects.get().facility == "Harbourview, Unit 3B"


def test_large_files_are_read_in_batches_with_progress(world, people):
    rows = [
        f"P-BEN2345,,emergency_visit,2025-{m:02d}-{d:02d},,ED {k}"
        for k in range(5)
        for m in range(1, 13)
        for d in range(1, 29)
    ]
    calls = []
    report = run(
        world, csv_bytes(*rows), batch_size=200, progress=lambda r, b: calls.append((r, b))
    )
    assert report.ok and report.created == len(rows) == 1680
    assert len(calls) == 1680 // 200 + 1
    assert calls[-1][0] == 1680
    assert [r for r, _b in calls] == sorted(r for r, _b in calls)


def test_the_raw_hospital_identifier_is_never_stored_or_audited(world, people):
    run(world, csv_bytes(*GOOD))
    run(world, csv_bytes(",MRN-404,admission,2026-02-01,,H"))
    for event in AuditEvent.objects.filter(action__startswith="hospital."):
        assert "MRN" not in str(event.details)
    assert not HospitalEvent.objects.filter(facility__contains="MRN").exists()


def test_imports_are_audited_with_counts_only(world, people):
    run(world, csv_bytes(*GOOD))
    run(world, csv_bytes(GOOD[0], "P-NOBODY2,,admission,2026-01-05,,H"))
    done = AuditEvent.objects.get(action="hospital.events_imported")
    assert done.details == {"source": "upload", "rows": 4, "new": 4, "already_present": 0}
    assert done.actor_id == world.manager.pk and done.organization_id == world.org.pk
    rejected = AuditEvent.objects.get(action="hospital.import_rejected")
    assert rejected.details == {"source": "upload", "rows": 2, "errors": 1}
    for event in (done, rejected):
        assert "P-" not in str(event.details) and "Harbourview" not in str(event.details)


@pytest.mark.parametrize(
    "who", ["site_manager", "supervisor", "peer_a", "clinician", "evaluator", "admin", "outsider"]
)
def test_only_organization_wide_managers_import(world, people, who):
    with pytest.raises(PermissionDenied):
        run(world, csv_bytes(*GOOD), actor=who)
    assert HospitalEvent.objects.count() == 0

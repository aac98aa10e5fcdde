"""Large hospital files: an upload is kept (encrypted) and checked in the background with
progress on the page; rows are checked and staged outside the final transaction, which
copies them all at once, or nothing if any row is wrong."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from peerway.core.models import AuditEvent
from peerway.hospital import services, tasks
from peerway.hospital.models import (
    HospitalEvent,
    HospitalImport,
    ImportChunk,
    ImportJob,
    JobStatus,
    StagedEvent,
)

from .conftest import HEADER, TODAY, csv_bytes

REAL_TASK = tasks.run_hospital_import

ROWS = [
    f"P-BEN2345,,emergency_visit,2025-{m:02d}-{d:02d},,ED {k}"
    for k in range(3)
    for m in range(1, 13)
    for d in range(1, 29)
]


def job_url(world, job):
    return f"/o/{world.org.slug}/hospital/import/{job.pk}/"


def upload(client, world, *rows):
    data = (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")
    return client.post(
        f"/o/{world.org.slug}/hospital/import/",
        {"file": SimpleUploadedFile("events.csv", data, "text/csv")},
    )


@pytest.fixture
def held(monkeypatch):
    """Queued jobs wait instead of running at once, as with a busy worker."""
    queued = []
    monkeypatch.setattr(
        tasks, "run_hospital_import", SimpleNamespace(enqueue=lambda job_id: queued.append(job_id))
    )
    return queued


def test_an_upload_is_checked_in_the_background_and_the_page_shows_the_counts(world, people, login):
    client = login(world.manager)
    response = upload(client, world, *ROWS)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response.url == job_url(world, job)
    assert job.status == JobStatus.DONE and job.percent == 100
    assert (job.rows, job.created, job.already_present) == (len(ROWS), len(ROWS), 0)
    assert HospitalEvent.objects.count() == len(ROWS) == 1008
    page = client.get(response.url).content.decode()
    assert "Imported 1008 rows: 1008 new, 0 already present." in page
    assert "hx-trigger" not in page  # finished: the page stops asking
    # The uploaded file and the staged rows are gone once imported.
    assert not ImportChunk.objects.exists() and not StagedEvent.objects.exists()


def test_progress_is_visible_while_the_file_waits_and_is_checked(world, people, login, held):
    client = login(world.manager)
    response = upload(client, world, *ROWS)
    job = ImportJob.objects.get()
    assert held == [job.pk]
    assert job.status == JobStatus.QUEUED and job.total_bytes > 0
    page = client.get(response.url).content.decode()
    assert "Waiting to start" in page
    assert 'hx-trigger="every 2s"' in page and 'aria-live="polite"' in page
    assert '<progress id="job-progress" max="100" value="0">' in page
    # The import page lists the file as being checked.
    listing = client.get(f"/o/{world.org.slug}/hospital/import/").content.decode()
    assert job_url(world, job) in listing

    seen = []

    def watch(rows, bytes_read):
        current = ImportJob.objects.get(pk=job.pk)
        partial = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
        seen.append(
            (
                current.status,
                current.rows,
                StagedEvent.objects.count(),
                HospitalEvent.objects.count(),
                "Checking rows" in partial,
            )
        )

    services.run_import(job.pk, progress=watch, today=TODAY, batch_size=250)
    # Rows are checked and staged in batches; nothing is imported until the end.
    assert [s[0] for s in seen] == [JobStatus.CHECKING] * len(seen)
    assert [s[1] for s in seen] == [250, 500, 750, 1000, 1008]
    assert [s[2] for s in seen] == [250, 500, 750, 1000, 1008]
    assert {s[3] for s in seen} == {0}
    assert all(s[4] for s in seen)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and HospitalEvent.objects.count() == 1008
    page = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "Imported 1008 rows" in page and "hx-trigger" not in page


def test_an_invalid_row_anywhere_imports_nothing_and_is_named_on_the_page(world, people, login):
    rows = [*ROWS[:700], "P-BEN2345,,emergency_visit,2025-02-30,,ED", *ROWS[700:]]
    client = login(world.manager)
    response = upload(client, world, *rows)
    job = ImportJob.objects.get()
    assert job.status == JobStatus.REJECTED
    assert job.errors == [
        [702, "date", "“2025-02-30” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-14."]
    ]
    assert not HospitalEvent.objects.exists() and not HospitalImport.objects.exists()
    assert not StagedEvent.objects.exists() and not ImportChunk.objects.exists()
    page = client.get(response.url).content.decode()
    assert "Nothing was imported" in page
    assert "<td>702</td><td><code>date</code></td>" in page


def test_importing_the_same_upload_again_creates_no_duplicates(world, people, login):
    client = login(world.manager)
    upload(client, world, *ROWS[:10])
    response = upload(client, world, *ROWS[:12])
    page = client.get(response.url).content.decode()
    assert "Imported 12 rows: 2 new, 10 already present." in page
    assert HospitalEvent.objects.count() == 12


def test_a_job_runs_once_even_if_its_task_is_delivered_twice(world, people, login, held):
    upload(login(world.manager), world, *ROWS[:5])
    job = ImportJob.objects.get()
    first = services.run_import(job.pk, today=TODAY)
    again = REAL_TASK.call(job.pk)
    assert first.ok and first.created == 5
    assert again == "imported"
    assert HospitalEvent.objects.count() == 5 and HospitalImport.objects.count() == 1
    assert AuditEvent.objects.filter(action="hospital.events_imported").count() == 1


def test_the_kept_upload_is_encrypted(world, people, login, held):
    upload(login(world.manager), world, ",MRN-001,admission,2026-02-01,,Harbourview General")
    (chunk,) = ImportChunk.objects.all()
    assert b"MRN-001" not in bytes(chunk.data) and b"Harbourview" not in bytes(chunk.data)
    queued = AuditEvent.objects.get(action="hospital.import_queued")
    assert queued.actor_id == world.manager.pk
    assert set(queued.details) == {"source", "bytes"}


def test_a_large_upload_is_kept_in_pieces_of_whole_lines(world, people, monkeypatch, held):
    monkeypatch.setattr(services, "CHUNK_BYTES", 2000)
    data = csv_bytes(*ROWS)
    job = services.queue_import(actor=world.manager, organization=world.org, upload=data)
    assert job.chunks.count() > 10
    report = services.run_import(job.pk, today=TODAY)
    assert report.ok and report.created == len(ROWS)


@pytest.mark.parametrize(
    ("who", "status"),
    [("site_manager", 403), ("supervisor", 403), ("admin", 403), ("outsider", 404)],
)
def test_only_organization_wide_managers_see_an_import(world, people, login, held, who, status):
    upload(login(world.manager), world, *ROWS[:3])
    job = ImportJob.objects.get()
    assert login(getattr(world, who)).get(job_url(world, job)).status_code == status


def test_an_import_of_another_organization_is_not_found(world, people, login, held):
    job = services.create_job(actor=None, organization=world.other_org, source="command")
    assert login(world.manager).get(job_url(world, job)).status_code == 404


def test_a_nul_byte_is_refused_naming_the_row_and_column(world, people):
    data = csv_bytes("P-ADA2345,,admission,2026-01-05,,Harbour\x00view", ROWS[0])
    report = services.import_hospital_events(
        actor=world.manager, organization=world.org, stream=data, today=TODAY
    )
    assert {(e.row, e.column) for e in report.errors} == {(2, "facility")}
    assert "NUL" in report.errors[0].message
    assert not HospitalEvent.objects.exists()


def test_a_nul_byte_in_the_header_is_refused_and_the_report_can_be_stored(world, people):
    data = io.BytesIO(b"person_code,event,date,faci\x00lity\nP-ADA2345,admission,2026-01-01,H\n")
    report = services.import_hospital_events(
        actor=world.manager, organization=world.org, stream=data, today=TODAY
    )
    assert not report.ok and report.errors[0].row == 0
    job = ImportJob.objects.get()
    assert job.status == JobStatus.REJECTED and "\x00" not in str(job.errors)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"person_code,event,date,facility\nP-ADA2345,admission,2026-01-01,H\x00\n", "row 2"),
        (b"\xff\xfe\x00p\x00e\x00r", "UTF-8"),
        (b'person_code,event,date,facility\n"P-ADA2345,admission,2026-01-01,H\n', "CSV"),
    ],
)
def test_the_command_answers_a_malformed_file_with_a_message(
    world, people, tmp_path, content, named
):
    path = tmp_path / "events.csv"
    path.write_bytes(content)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_hospital_events", str(path), "--organization", "northwind", stderr=err)
    assert named in err.getvalue()
    assert not HospitalEvent.objects.exists()


def test_the_command_reports_a_directory_given_as_the_file(world, people, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_hospital_events", str(tmp_path), "--organization", "northwind")


def test_a_clash_with_a_simultaneous_import_fails_cleanly_and_names_the_cause(
    world, people, monkeypatch
):
    """If another import stores the same events between checking and saving (PostgreSQL
    lets both check at once), the unique key stops this one: nothing of it is kept."""
    from django.db import IntegrityError

    real_execute = services.connection.cursor

    def clashing_cursor(*args, **kwargs):
        cursor = real_execute(*args, **kwargs)
        original = cursor.execute

        def execute(sql, params=None):
            if sql.startswith("INSERT INTO") and "NOT EXISTS" in sql:
                raise IntegrityError("duplicate key value violates unique constraint")
            return original(sql, params)

        cursor.execute = execute
        return cursor

    monkeypatch.setattr(services.connection, "cursor", clashing_cursor)
    report = services.import_hospital_events(
        actor=world.manager, organization=world.org, stream=csv_bytes(*ROWS[:5]), today=TODAY
    )
    monkeypatch.undo()
    assert not report.ok
    assert "Another import saved some of the same events" in report.errors[0].message
    job = ImportJob.objects.get()
    assert job.status == JobStatus.FAILED
    assert not HospitalEvent.objects.exists() and not HospitalImport.objects.exists()
    assert not StagedEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (
            HEADER.encode() + b"P-ADA2345,,admission,2026-01-05,,H\x00\n",
            "<td>2</td><td><code>facility",
        ),
        (HEADER.encode() + "P-ADA2345,,admission,2026-01-05,,Hôpital\n".encode("latin-1"), "UTF-8"),
        (b"", "The file is empty"),
        (HEADER.encode() + b'"P-ADA2345,,admission,2026-01-05,,H\n', "cannot be read as CSV"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "UTF-8"),
    ],
)
def test_a_malformed_upload_is_named_on_the_page_and_nothing_is_saved(
    world, people, login, content, named
):
    client = login(world.manager)
    response = client.post(
        f"/o/{world.org.slug}/hospital/import/",
        {"file": SimpleUploadedFile("events.csv", content, "text/csv")},
    )
    if response.status_code == 200:  # refused by the form itself (an empty file)
        assert named in response.content.decode() or "empty" in response.content.decode()
    else:
        page = client.get(response.url).content.decode()
        assert "Nothing was imported" in page
        assert named in page
    assert not HospitalEvent.objects.exists()


@pytest.mark.parametrize("typed", ["0001-01-01", "1000-03-04", "1899-12-31"])
def test_an_absurdly_old_hospital_date_is_named(world, people, typed):
    data = csv_bytes(f"P-ADA2345,,admission,{typed},,H", ROWS[0])
    report = services.import_hospital_events(
        actor=world.manager, organization=world.org, stream=data, today=TODAY
    )
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "date", "The date is before 1900-01-01.")
    ]
    assert not HospitalEvent.objects.exists()


def test_a_job_whose_worker_stopped_is_failed_and_its_file_deleted(world, people, login, held):
    from datetime import timedelta

    from django.utils import timezone

    client = login(world.manager)
    upload(client, world, *ROWS[:3])
    stale = ImportJob.objects.get()
    ImportJob.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(days=2), status=JobStatus.CHECKING
    )
    upload(client, world, *ROWS[:3])  # the next upload tidies up
    stale.refresh_from_db()
    assert stale.status == JobStatus.FAILED
    assert "did not finish" in stale.errors[0][2]
    assert not stale.chunks.exists()
    assert ImportJob.objects.exclude(pk=stale.pk).get().status == JobStatus.QUEUED
    page = client.get(job_url(world, stale)).content.decode()
    assert "The import did not finish" in page and "hx-trigger" not in page

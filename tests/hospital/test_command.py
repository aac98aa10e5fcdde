"""``peerway import hospital-events FILE.csv``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from peerway import cli
from peerway.core.models import AuditEvent
from peerway.hospital.management.commands.import_hospital_events import ProgressBar
from peerway.hospital.models import HospitalEvent

from .conftest import HEADER

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "hospital-events.csv"


def write(tmp_path, *rows):
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_command_imports_and_reports_counts(world, people, tmp_path):
    path = write(
        tmp_path, "P-ADA2345,,admission,2026-01-05,,H", ",MRN-001,emergency_visit,2026-01-09,,H"
    )
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_hospital_events", str(path), "--organization", "northwind", stdout=out, stderr=err
    )
    assert "Imported 2 rows: 2 new, 0 already present." in out.getvalue()
    assert err.getvalue() == ""  # no progress bar when stderr is not a terminal
    call_command("import_hospital_events", str(path), "--organization", "northwind", stdout=out)
    assert "Imported 2 rows: 0 new, 2 already present." in out.getvalue()
    assert HospitalEvent.objects.count() == 2
    event = AuditEvent.objects.filter(action="hospital.events_imported").first()
    assert event.actor_id is None and event.details["source"] == "command"


def test_the_command_names_bad_rows_and_writes_nothing(world, people, tmp_path):
    path = write(
        tmp_path, "P-ADA2345,,admission,2026-01-05,,H", "P-ADA2345,,admission,not-a-date,,H"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_hospital_events", str(path), "--organization", "northwind", stderr=err)
    assert "row 3, column date: “not-a-date” is not a date" in err.getvalue()
    assert HospitalEvent.objects.count() == 0


def test_the_progress_flag_draws_a_bar_on_stderr(world, people, tmp_path):
    path = write(tmp_path, "P-ADA2345,,admission,2026-01-05,,H")
    err = io.StringIO()
    call_command(
        "import_hospital_events", str(path), "--organization", "northwind", "--progress", stderr=err
    )
    assert "[##############################] 100%  1 rows" in err.getvalue()


def test_progress_bar_draws_a_share_of_the_bytes():
    stream = io.StringIO()
    ProgressBar(stream, 200, width=10)(5, 100)
    assert stream.getvalue() == "\r[#####-----]  50%  5 rows"


def test_the_organization_must_be_named_when_there_are_several(world, people, tmp_path):
    path = write(tmp_path, "P-ADA2345,,admission,2026-01-05,,H")
    with pytest.raises(CommandError, match="--organization"):
        call_command("import_hospital_events", str(path))
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_hospital_events", str(path), "--organization", "nowhere")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "import_hospital_events", str(tmp_path / "missing.csv"), "--organization", "northwind"
        )


def test_peerway_import_hospital_events_runs_the_command(world, people, tmp_path, capsys):
    path = write(tmp_path, "P-ADA2345,,admission,2026-01-05,,H")
    assert cli.main(["import", "hospital-events", str(path), "--organization", "northwind"]) == 0
    assert "Imported 1 rows: 1 new" in capsys.readouterr().out
    assert cli.main(["import"]) == 2


def test_the_sample_file_imports_into_people_with_those_hospital_identifiers(
    world, people, tmp_path
):
    from peerway.support.models import Person

    for pk, hid in ((people["ada"].pk, "LH-100001"), (people["ben"].pk, "LH-100002")):
        Person.objects.filter(pk=pk).update(hospital_id_index=Person.hospital_id_lookup(hid))
    third = Person.objects.create(organization=world.org, team=world.team_b)
    Person.objects.filter(pk=third.pk).update(
        hospital_id_index=Person.hospital_id_lookup("LH-100003")
    )
    out = io.StringIO()
    call_command("import_hospital_events", str(SAMPLE), "--organization", "northwind", stdout=out)
    assert "Imported 10 rows: 10 new" in out.getvalue()

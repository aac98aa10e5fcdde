"""The audit CSV export is safe to open in a spreadsheet and fails with a message, not a
traceback, when it cannot be written."""

import csv
import io
import os

import pytest
from django.core.management import CommandError, call_command

from peerway.core import audit

FORMULAS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_audit_csv_export_neutralises_cells_a_spreadsheet_would_run(world, tmp_path, formula):
    audit.record(actor=world.manager, action="test.event", object_type=formula, object_id=formula)
    target = tmp_path / "audit.csv"
    call_command("audit", "export", "--out", str(target))
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    event = next(r for r in rows if r["action"] == "test.event")
    assert event["object_type"] == "'" + formula
    assert event["object_id"] == "'" + formula
    assert event["action"] == "test.event"  # ordinary cells are untouched


def test_audit_csv_from_the_screen_is_neutralised_too(world, login):
    audit.record(actor=world.manager, action="test.event", obj=world.team_a, object_id="=1+1")
    client = login(world.admin)
    response = client.get(f"/o/{world.org.slug}/audit/export.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    event = next(r for r in rows if r["action"] == "test.event")
    assert event["object_id"] == "'=1+1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "where",
    ["missing-dir/audit.csv", "a-directory", "a-file/audit.csv", "read-only/audit.csv"],
)
def test_audit_export_to_an_unwritable_path_is_a_message_not_a_traceback(tmp_path, where):
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "a-file").write_text("")
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o500)
    if where.startswith("read-only") and os.access(read_only, os.W_OK):
        pytest.skip("running as a user who can write anywhere (root)")
    with pytest.raises(CommandError, match="--out: cannot write"):
        call_command("audit", "export", "--out", str(tmp_path / where))

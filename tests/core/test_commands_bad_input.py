"""Every command answers bad input through the `peerway` command line with a message on
stderr and exit status 1, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peerway.cli import main as peerway

MATCH_EXAMPLE = Path(__file__).parents[1] / "support" / "match_example.json"


def _huge_capacity(tmp_path):
    data = json.loads(MATCH_EXAMPLE.read_text())
    data["workers"][0]["remaining_capacity"] = 10**40
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data))
    return path


def _latin1(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"referrals": [], "workers": [], "x": "caf\u00e9"}'.encode("latin-1"))
    return path


def _nested(tmp_path):
    path = tmp_path / "nested.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    return path


def _evil_definition(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text(
        "code: evil\nversion: '1'\nname: {en: Evil}\nlanguages: [en]\n"
        "licence: {category: locally_developed}\nitems_source: 'os:system'\n"
        "response_sets: {r: [{value: 0, label: {en: a}}, {value: 1, label: {en: b}}]}\n"
        "items: []\nscales: []\n"
    )
    return path


def _nul_csv(tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(b"person_code,event,date,facility\nP-ADA2345,admission,2026-01-01,H\x00\n")
    return path


def _nul_hl7(tmp_path):
    path = tmp_path / "feed.hl7"
    path.write_bytes(
        b"MSH|^~\\&|ADT|HGH|PEERWAY|NW|20260101||ADT^A01|C1|P|2.5\r"
        b"EVN|A01|20260101\rPID|1||P-ADA2345^^^PEERWAY\x00\rPV1|1|I\r"
    )
    return path


def _not_hl7(tmp_path):
    path = tmp_path / "feed.hl7"
    path.write_text("person_code,event\n")
    return path


CASES = {
    "match-huge-capacity": (
        lambda t: ["match", "--input", str(_huge_capacity(t))],
        "remaining_capacity",
    ),
    "match-latin-1": (lambda t: ["match", "--input", str(_latin1(t))], "not UTF-8"),
    "match-nested": (lambda t: ["match", "--input", str(_nested(t))], "nested too deeply"),
    "match-directory": (lambda t: ["match", "--input", str(t)], "--input"),
    "audit-export-unwritable": (
        lambda t: ["audit", "export", "--out", str(t / "missing" / "audit.csv")],
        "--out: cannot write",
    ),
    "audit-export-directory": (lambda t: ["audit", "export", "--out", str(t)], "--out"),
    "instruments-load-code": (
        lambda t: ["instruments", "load", str(_evil_definition(t))],
        "cannot name code to run",
    ),
    "score-nested": (
        lambda t: ["score", "phq9", "--answers", "[" * 100_000 + "]" * 100_000],
        "nested too deeply",
    ),
    "import-nul": (
        lambda t: ["import", "hospital-events", str(_nul_csv(t)), "--organization", "northwind"],
        "NUL",
    ),
    "hl7-import-nul": (
        lambda t: ["hl7", "import", str(_nul_hl7(t)), "--organization", "northwind"],
        "NUL character",
    ),
    "hl7-import-not-hl7": (
        lambda t: ["hl7", "import", str(_not_hl7(t)), "--organization", "northwind"],
        "No HL7 message",
    ),
    "hl7-import-directory": (
        lambda t: ["hl7", "import", str(t), "--organization", "northwind"],
        "Cannot read",
    ),
    "report-pdf-directory": (
        lambda t: ["report", "--period", "2026Q3", "--pdf", str(t), "--organization", "northwind"],
        "is a directory",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_a_message_and_exit_status_1(world, tmp_path, capsys, case):
    from peerway.support.models import Person

    Person.objects.create(organization=world.org, team=world.team_a, code="P-ADA2345")
    build, named = CASES[case]
    code = peerway(build(tmp_path))
    captured = capsys.readouterr()
    assert code == 1
    assert named in captured.err
    assert "Traceback" not in captured.err + captured.out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--end", "0001-01-05"], "--end: give a date from 2000-01-01"),
        (["--end", "9999-12-31"], "--end: give a date from 2000-01-01"),
        (["--days", "100000000"], "--days: at most"),
    ],
)
def test_synth_refuses_dates_that_would_overflow(capsys, args, named):
    code = peerway(["synth", "--people", "5", "--contacts", "5", *args])
    captured = capsys.readouterr()
    assert code == 1
    assert named in captured.err
    assert "Traceback" not in captured.err

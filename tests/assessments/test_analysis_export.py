"""CSV export keeps the suppression; the analysis package never imports Django."""

from __future__ import annotations

import ast
import csv
import io
import subprocess
import sys
from pathlib import Path

import peerway.assessments.analysis as analysis
from peerway.assessments.analysis import CSV_COLUMNS, compute_results, csv_rows, write_csv

from .test_analysis_support import one_item_instrument, records_for

ONE = {"one": one_item_instrument()}
DATA = {
    ("A", "S", "staff"): [1, 2, 3, 4, 5, 5],
    ("A", "S", "leaders"): [2, 2],
    ("B", "S", "staff"): [3, 3, 4, 4, 5],
}


def _results():
    return compute_results(
        records_for(DATA), ONE, k=5, teams={"A": "S", "B": "S"}, audiences=["staff", "leaders"]
    )


def test_rows_keep_the_suppression_and_carry_a_note():
    results = _results()
    rows = csv_rows(
        results,
        lang="en",
        place_names={("team", "A"): "Team A", ("site", "S"): "North", ("organization", None): "NW"},
        instrument_names={"one": "One question"},
    )
    header, body = rows[0], rows[1:]
    assert len(header) == len(CSV_COLUMNS) and header[-1] == "Note"
    assert len(body) == len(results.cells)
    by_key = {(r[4], r[5], r[7]): dict(zip(CSV_COLUMNS, r, strict=True)) for r in body}
    leaders = by_key[("Team", "A", "leaders")]
    assert leaders["n"] == leaders["mean"] == leaders["sd"] == ""
    assert leaders["ci95_low"] == leaders["ci95_high"] == ""
    assert leaders["note"].startswith("Not shown to protect anonymity: fewer than 5")
    assert leaders["place_name"] == "Team A" and leaders["instrument_name"] == "One question"
    hidden = {(c.level, c.place_id, c.audience) for c in results.cells.values() if c.suppressed}
    assert len(hidden) >= 2  # the small group and its complement
    for level, place, audience in hidden:
        row = by_key[
            (
                {"team": "Team", "site": "Site", "organization": "Organization"}[level],
                "" if place is None else place,
                audience,
            )
        ]
        assert row["n"] == row["mean"] == "" and row["note"]
        # Same note for the small cell and its complement.
        assert row["note"] == leaders["note"]
    shown = next(c for c in results.cells.values() if c.shown and c.level == "team")
    row = by_key[("Team", shown.place_id, shown.audience)]
    assert row["n"] == str(shown.n) and row["mean"] == f"{shown.mean:.2f}" and row["note"] == ""
    org = by_key[("Organization", "", "all")]
    assert org["place_name"] == "NW"
    # No leader figure appears anywhere in the file.
    assert "2.00" not in {r[10] for r in body if r[7] == "leaders"}


def test_french_rows_and_writer():
    results = _results()
    rows = csv_rows(results, lang="fr", header=True)
    assert rows[0][1] == "Questionnaire"
    hidden = next(r for r in rows[1:] if r[-1] and r[9] == "")
    assert hidden[-1].startswith("Non affiché pour protéger l'anonymat : moins de 5")
    assert rows[1][4] == "Organisation"
    stream = io.StringIO()
    write_csv(stream, results, lang="en")
    parsed = list(csv.reader(io.StringIO(stream.getvalue())))
    assert parsed == csv_rows(results, lang="en")


def test_text_that_a_spreadsheet_would_run_is_neutralized():
    results = _results()
    rows = csv_rows(results, place_names={("team", "A"): '=HYPERLINK("x")'}, header=False)
    names = {r[6] for r in rows}
    assert '\'=HYPERLINK("x")' in names and '=HYPERLINK("x")' not in names


def test_no_analysis_module_imports_django():
    package = Path(analysis.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "django" for n in names), path.name
    code = (
        "import sys\n"
        "import peerway.assessments.analysis as a\n"
        "from peerway.instruments.engine import load_library\n"
        "lib = load_library()\n"
        "a.barrier_profile([], lib, teams={1: 1})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=package.parents[2],
    )
    assert out.stdout.strip() == "[]"

"""`peerway match --input FILE.json` solves the documented example offline."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

EXAMPLE = Path(__file__).with_name("match_example.json")


def test_match_command_prints_the_assignment_as_json():
    out = io.StringIO()
    call_command("match", "--input", str(EXAMPLE), "--lang", "en", stdout=out)
    result = json.loads(out.getvalue())
    pairs = {a["referral_id"]: a["worker_id"] for a in result["assignments"]}
    assert pairs["R-101"] == "W-3"
    assert pairs["R-102"] == "W-7"
    assert [u["referral_id"] for u in result["unassigned"]] == ["R-103"]
    # The worker's matching-only attribute is never named.
    assert "psychosis" not in json.dumps(result["assignments"][0]["reasons"][-1])
    assert "matches a preference you recorded" in out.getvalue()


def test_match_command_names_the_bad_field(tmp_path):
    data = json.loads(EXAMPLE.read_text())
    data["workers"][1]["remaining_capacity"] = -1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"workers\[1\]\.remaining_capacity"):
        call_command("match", "--input", str(bad))


def test_match_command_reports_an_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="--input"):
        call_command("match", "--input", str(tmp_path / "missing.json"))

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


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("caf\u00e9".encode("latin-1") + b'{"referrals": [], "workers": []}', "not UTF-8"),
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b'{"referrals": [], "workers": [], "weights": ' + b"9" * 5000 + b"}", "input"),
        (b"\x00\x00\x00", "input"),
        (b"", "input"),
    ],
)
def test_match_command_answers_a_malformed_file_with_a_message(tmp_path, content, named):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(CommandError, match=named):
        call_command("match", "--input", str(bad))


@pytest.mark.parametrize("capacity", [10**30, 2**63, 10_001, 1.5, "3"])
def test_match_command_refuses_an_absurd_capacity_naming_the_worker(tmp_path, capacity):
    data = json.loads(EXAMPLE.read_text())
    data["workers"][0]["remaining_capacity"] = capacity
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"workers\[0\]\.remaining_capacity: must be a whole"):
        call_command("match", "--input", str(bad))


def test_match_command_refuses_a_batch_too_large_for_memory(tmp_path):
    data = json.loads(EXAMPLE.read_text())
    data["referrals"] = [dict(data["referrals"][0], id=f"R-{n}") for n in range(2001)]
    bad = tmp_path / "big.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="referrals: at most 2000"):
        call_command("match", "--input", str(bad))


def test_match_command_refuses_a_file_over_the_size_limit(tmp_path, monkeypatch):
    from peerway.support.management.commands import match

    monkeypatch.setattr(match, "MAX_INPUT_BYTES", 100)
    with pytest.raises(CommandError, match="larger than"):
        call_command("match", "--input", str(EXAMPLE))

"""``peerway export deidentified --out DIR --purpose TEXT``."""

from __future__ import annotations

import pytest

from peerway import cli
from peerway.core.models import AuditEvent
from peerway.research.dictionary import DICTIONARY_FILE, FILES, SUMMARY_FILE
from peerway.research.models import DeidentifiedExport, ExportSource

from .conftest import SECRETS, read_csv

PURPOSE = "Annual evaluation of readmissions for the board"


def run(*args) -> int:
    return cli.main(["export", "deidentified", "--organization", "northwind", *args])


def test_writes_csv_files_and_a_data_dictionary(world, crowd, tmp_path, capsys):
    out = tmp_path / "export"
    assert run("--out", str(out), "--purpose", PURPOSE) == 0
    assert {p.name for p in out.iterdir()} == {*FILES, DICTIONARY_FILE, SUMMARY_FILE}
    assert len(read_csv((out / "people.csv").read_bytes())) == 22
    for path in out.iterdir():
        text = path.read_text()
        assert "P-" not in text and not any(s in text for s in SECRETS)
    export = DeidentifiedExport.objects.get()
    assert export.source == ExportSource.COMMAND and export.purpose == PURPOSE
    assert bytes(export.archive) == b""  # the files live in DIR only
    assert AuditEvent.objects.filter(action="research.export_created").exists()
    assert "22 people" in capsys.readouterr().out


def test_missing_purpose_is_named(world, crowd, tmp_path, capsys):
    assert run("--out", str(tmp_path)) == 1
    assert "--purpose is required" in capsys.readouterr().err
    assert not DeidentifiedExport.objects.exists()
    assert list(tmp_path.iterdir()) == []


def test_missing_out_is_named(world, crowd, capsys):
    assert run("--purpose", PURPOSE) != 0
    assert "--out" in capsys.readouterr().err


def test_unwritable_directory_is_named(world, crowd, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert run("--out", str(blocker / "sub"), "--purpose", PURPOSE) == 1
    assert f"--out {blocker / 'sub'}" in capsys.readouterr().err
    assert not DeidentifiedExport.objects.exists()


def test_a_directory_holding_an_earlier_export_is_not_overwritten(world, crowd, tmp_path, capsys):
    (tmp_path / "people.csv").write_text("old")
    assert run("--out", str(tmp_path), "--purpose", PURPOSE) == 1
    assert "already holds people.csv" in capsys.readouterr().err
    assert (tmp_path / "people.csv").read_text() == "old"


def test_a_failed_write_leaves_no_export_record(world, crowd, tmp_path, monkeypatch, capsys):
    from pathlib import Path

    real = Path.write_bytes

    def failing(self, data):
        if self.name == "outcomes.csv":
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    assert run("--out", str(tmp_path), "--purpose", PURPOSE) == 1
    assert "cannot write" in capsys.readouterr().err
    assert not DeidentifiedExport.objects.exists()
    assert not AuditEvent.objects.filter(action="research.export_created").exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_a_refused_export_writes_nothing_and_exits_1(world, tmp_path, capsys):
    assert run("--out", str(tmp_path), "--purpose", PURPOSE) == 1
    assert "Nothing was exported" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("k", ["3", "0"])
def test_k_below_5_is_refused(world, crowd, tmp_path, capsys, k):
    assert run("--out", str(tmp_path), "--purpose", PURPOSE, "--k", k) == 1
    assert "--k must be at least 5" in capsys.readouterr().err


def test_usage_without_a_kind(capsys):
    assert cli.main(["export"]) == 2
    assert "export deidentified" in capsys.readouterr().err


def test_the_organization_must_be_named_when_there_are_several(world, crowd, tmp_path, capsys):
    assert cli.main(["export", "deidentified", "--out", str(tmp_path), "--purpose", PURPOSE]) == 1
    assert "--organization" in capsys.readouterr().err

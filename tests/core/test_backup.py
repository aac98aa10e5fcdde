"""Backup and restore: a copy that comes back whole, is checked when it does, and never
replaces a database in use by accident (docs/backup.md).

The SQLite tests run in the normal run; the PostgreSQL test runs when the suite runs on
PostgreSQL (DATABASE_URL) and pg_dump is installed, restoring into a scratch database it
creates and drops."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from peerway import cli
from peerway.core import audit
from peerway.core import backup as backups
from peerway.core.models import AuditEvent
from peerway.support.models import Person

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and the backup API see commits


@pytest.fixture
def records(world):
    """People with encrypted names and an audit trail, committed."""
    people = [
        Person.objects.create(
            organization=world.org, team=world.team_a, name=f"Robin Example {i}", language="en"
        )
        for i in range(3)
    ]
    for person in people:
        audit.record(actor=world.manager, action="support.person_created", obj=person)
    return people


def manage(*args, database_url: str) -> subprocess.CompletedProcess:
    """Run a management command in a fresh process against another database."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite backup path; this run uses another database")


def test_a_backup_is_a_private_file_with_a_manifest_of_what_it_holds(records, tmp_path):
    sqlite_only()
    out = tmp_path / "peerway.backup"
    call_command("backup", "--out", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    manifest = json.loads(backups.manifest_path(out).read_text())
    assert manifest["engine"] == "sqlite"
    assert manifest["row_counts"]["support_person"] == 3
    assert manifest["audit_last_sequence"] == AuditEvent.objects.count() - 1  # + the backup's
    copy = sqlite3.connect(out)
    assert copy.execute("SELECT COUNT(*) FROM support_person").fetchone() == (3,)
    (name,) = copy.execute("SELECT name FROM support_person LIMIT 1").fetchone()
    copy.close()
    assert name.startswith("fernet:")  # a backup holds ciphertext, never the names
    event = AuditEvent.objects.get(action="system.backup_created")
    assert event.details["file"] == "peerway.backup"


def test_a_backup_restores_into_an_empty_database_and_is_verified(records, tmp_path):
    sqlite_only()
    out = tmp_path / "peerway.backup"
    call_command("backup", "--out", str(out))
    target = tmp_path / "restored.sqlite3"
    url = f"sqlite:///{target}"
    done = manage("restore", str(out), database_url=url)
    assert done.returncode == 0, done.stderr
    for check in ["audit trail", "decryption", "row counts", "last audit event"]:
        assert f"ok: {check}" in done.stdout
    restored = sqlite3.connect(target)
    assert restored.execute("SELECT COUNT(*) FROM support_person").fetchone() == (3,)
    actions = [a for (a,) in restored.execute("SELECT action FROM core_auditevent")]
    restored.close()
    assert actions[-1] == "system.restored"
    # A second restore into what is now a database in use is refused without --force.
    again = manage("restore", str(out), database_url=url)
    assert again.returncode == 1
    assert "--force" in again.stderr


def test_restore_refuses_a_database_in_use_unless_forced_and_then_brings_the_backup_back(
    records, world, tmp_path
):
    out = tmp_path / "peerway.backup"
    call_command("backup", "--out", str(out))
    Person.objects.create(organization=world.org, team=world.team_a, name="After the backup")
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(out))
    assert Person.objects.count() == 4
    call_command("restore", str(out), "--force")
    assert Person.objects.count() == 3
    assert sorted(p.name for p in Person.objects.all()) == [f"Robin Example {i}" for i in range(3)]
    assert audit.verify().ok


def test_verification_names_a_lost_key_a_rewritten_audit_event_and_changed_rows(
    records, world, tmp_path, settings
):
    out = tmp_path / "peerway.backup"
    call_command("backup", "--out", str(out))
    manifest = backups.read_manifest(out)
    assert not backups.verify(manifest).ok  # the backup's own audit event came after it
    assert backups.restore(out, force=True).ok  # now the database is the backup again
    settings.PEERWAY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    result = backups.verify(manifest)
    failed = {c.name: c.detail for c in result.checks if not c.ok}
    assert "support_person.name" in failed["decryption"]
    settings.PEERWAY_ENCRYPTION_KEYS = django_settings.PEERWAY_ENCRYPTION_KEYS
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'nothing.happened' WHERE sequence = 1")
    Person.objects.create(organization=world.org, team=world.team_a)
    with pytest.raises(CommandError, match="does not match"):
        call_command("backup", "verify", str(out))
    failed = {c.name: c.detail for c in backups.verify(manifest).checks if not c.ok}
    assert "#1" in failed["audit trail"]
    assert "support_person: 4 here, 3 in the backup" in failed["row counts"]


def test_a_damaged_backup_or_a_missing_manifest_restores_nothing(records, world, tmp_path):
    out = tmp_path / "peerway.backup"
    call_command("backup", "--out", str(out))
    Person.objects.create(organization=world.org, team=world.team_a)
    damaged = bytearray(out.read_bytes())
    damaged[-100] ^= 0xFF
    out.write_bytes(bytes(damaged))
    with pytest.raises(CommandError, match="checksum"):
        call_command("restore", str(out), "--force")
    backups.manifest_path(out).unlink()
    with pytest.raises(CommandError, match="manifest"):
        call_command("restore", str(out), "--force")
    assert Person.objects.count() == 4


def test_a_backup_never_overwrites_a_file(records, tmp_path, capsys):
    out = tmp_path / "peerway.backup"
    out.write_text("an older backup")
    assert cli.main(["backup", "--out", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == "an older backup"
    assert cli.main(["backup"]) == 1
    assert "usage: peerway backup --out FILE" in capsys.readouterr().err


def test_missing_postgresql_client_tools_are_named(monkeypatch):
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    with pytest.raises(backups.BackupError, match="pg_dump was not found.*postgresql-client"):
        backups._pg_tool("pg_dump")


def test_postgresql_backup_restores_into_a_scratch_database_and_is_verified(records, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("runs when the suite runs on PostgreSQL (DATABASE_URL)")
    if not backups.shutil.which("pg_dump") or not backups.shutil.which("pg_restore"):
        pytest.skip("pg_dump / pg_restore are not installed")
    out = tmp_path / "peerway.dump"
    call_command("backup", "--out", str(out))
    assert backups.read_manifest(out)["row_counts"]["support_person"] == 3
    scratch = f"peerway_restore_{secrets.token_hex(4)}"
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{scratch}"
    if s.get("PASSWORD"):
        url = url.replace(f"{s['USER']}@", f"{s['USER']}:{s['PASSWORD']}@")
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    try:
        done = manage("restore", str(out), database_url=url)
        assert done.returncode == 0, done.stderr
        for check in ["audit trail", "decryption", "row counts", "last audit event"]:
            assert f"ok: {check}" in done.stdout
        again = manage("restore", str(out), database_url=url)
        assert again.returncode == 1 and "--force" in again.stderr
        forced = manage("restore", str(out), "--force", database_url=url)
        assert forced.returncode == 0, forced.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')

"""Backup and restore of the whole database, with a verification step (docs/backup.md).

- SQLite: the online backup API (``sqlite3.Connection.backup``): a consistent copy while
  the application runs, page by page.
- PostgreSQL: ``pg_dump --format=custom`` / ``pg_restore``. The row counts of the
  manifest are read in the same snapshot that pg_dump copies (``pg_export_snapshot``),
  so they describe exactly what is in the file.

Every backup FILE gets a manifest beside it (FILE.manifest.json): when and from which
engine it was made, the SHA-256 of the file, the number of rows of every table and the
last audit event. A restore checks the file against the manifest first, then verifies
the restored database: the audit trail (``audit.verify``), a decryption check of a sample
of every encrypted column with the configured keys, and the row counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection
from django.utils import timezone

from peerway.core import audit, crypto
from peerway.core.crypto import EncryptedTextField

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1
DECRYPTION_SAMPLE = 50  # values per encrypted column
# Tables whose rows mean the database is in use: a restore over them needs --force.
IN_USE_MODELS = ("core.User", "core.Organization", "core.AuditEvent")


class BackupError(Exception):
    """A backup or restore could not be made; the message says why and what to do."""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def lines(self) -> list[str]:
        return [f"{'ok' if c.ok else 'FAILED'}: {c.name}: {c.detail}" for c in self.checks]


def manifest_path(file: Path) -> Path:
    return file.with_name(file.name + MANIFEST_SUFFIX)


def _engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else connection.vendor


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    names = set(connection.introspection.django_table_names(only_existing=True))
    names |= {"django_migrations"} & existing
    return sorted(names)


def row_counts() -> dict[str, int]:
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")  # noqa: S608 (introspected names)
            counts[table] = cursor.fetchone()[0]
    return counts


def _last_audit_event() -> dict[str, Any]:
    from peerway.core.models import AuditEvent

    last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
    return last or {"sequence": 0, "hash": ""}


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _create_private(file: Path) -> None:
    """Create ``file`` readable by its owner only; refuse to replace anything."""
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise BackupError(f"--out {file}: the file already exists; choose a new name.") from exc
    except OSError as exc:
        raise BackupError(f"--out {file}: cannot create the file ({exc.strerror}).") from exc
    os.close(fd)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} was not found. Install the PostgreSQL client tools of the server's "
            "version (Debian/Ubuntu: apt-get install postgresql-client) and try again."
        )
    return path


def _pg_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    args += ["--dbname", str(settings_dict["NAME"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])  # never on the command line
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.returncode}")


def backup(out: Path) -> dict[str, Any]:
    """Write a backup of the default database to ``out`` and its manifest beside it."""
    out = Path(out)
    manifest_file = manifest_path(out)
    if manifest_file.exists():
        raise BackupError(f"--out {out}: {manifest_file.name} already exists; choose a new name.")
    engine = _engine()
    if engine not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")
    if engine == "postgresql":
        _pg_tool("pg_dump")
    _create_private(out)
    try:
        if engine == "sqlite":
            counts, last = _backup_sqlite(out)
        else:
            counts, last = _backup_postgresql(out)
        manifest = {
            "format": MANIFEST_FORMAT,
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "file": out.name,
            "sha256": _sha256(out),
            "row_counts": counts,
            "audit_last_sequence": last["sequence"],
            "audit_last_hash": last["hash"],
        }
        fd = os.open(manifest_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, sort_keys=True)
    except BaseException:
        out.unlink(missing_ok=True)
        manifest_file.unlink(missing_ok=True)
        raise
    return manifest


def _backup_sqlite(out: Path) -> tuple[dict[str, int], dict[str, Any]]:
    connection.ensure_connection()
    target = sqlite3.connect(out)
    try:
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        target.close()
    # Counts from the copy itself: exactly what the file holds.
    copy = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    try:
        tables = _tables()
        counts = {t: copy.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
        row = copy.execute(
            "SELECT sequence, hash FROM core_auditevent ORDER BY sequence DESC LIMIT 1"
        ).fetchone()
    finally:
        copy.close()
    return counts, {"sequence": row[0], "hash": row[1]} if row else {"sequence": 0, "hash": ""}


def _backup_postgresql(out: Path) -> tuple[dict[str, int], dict[str, Any]]:
    from django.db import transaction

    args, env = _pg_args(connection.settings_dict)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts = row_counts()
        last = _last_audit_event()
        # pg_dump copies the very snapshot the counts were read in (kept open until done).
        command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
        command += ["--snapshot", snapshot, "--file", str(out), *args]
        _run(command, env, "pg_dump")
    return counts, last


def read_manifest(file: Path) -> dict[str, Any]:
    file = Path(file)
    manifest_file = manifest_path(file)
    if not file.is_file():
        raise BackupError(f"{file}: no such backup file.")
    if not manifest_file.is_file():
        raise BackupError(
            f"{manifest_file}: the manifest written beside every backup is missing; without "
            "it the restore cannot be verified."
        )
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        manifest["row_counts"], manifest["sha256"], manifest["engine"]  # noqa: B018
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{manifest_file}: not a Peerway backup manifest.") from exc
    return manifest


def holds_data() -> bool:
    """Whether the default database holds accounts, organizations or audit events."""
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    for label in IN_USE_MODELS:
        model = apps.get_model(label)
        if model._meta.db_table in existing and model._base_manager.exists():
            return True
    return False


def restore(file: Path, *, force: bool = False) -> Verification:
    """Replace the default database with the backup ``file``, then verify it."""
    file = Path(file)
    manifest = read_manifest(file)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(
            f"{file} is a {manifest['engine']} backup; this database is {engine}. "
            "Restore it into a database of the same kind."
        )
    if _sha256(file) != manifest["sha256"]:
        raise BackupError(
            f"{file} does not match the checksum in its manifest: the file is damaged or "
            "was changed. Nothing was restored."
        )
    if not force and holds_data():
        raise BackupError(
            "This database already holds data (accounts, organizations or audit events). "
            "Restoring replaces all of it; add --force if that is what you want."
        )
    if engine == "sqlite":
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        connection.ensure_connection()
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        pg_restore = _pg_tool("pg_restore")
        args, env = _pg_args(connection.settings_dict)
        connection.close()  # pg_restore needs the tables without our locks
        command = [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges"]
        command += ["--single-transaction", "--exit-on-error", *args, str(file)]
        _run(command, env, "pg_restore")
    return verify(manifest)


def _decryption_check() -> Check:
    qn = connection.ops.quote_name
    checked, failures = 0, []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            for f in model._meta.concrete_fields:
                if not isinstance(f, EncryptedTextField):
                    continue
                table, column = model._meta.db_table, f.column
                cursor.execute(
                    f"SELECT {qn(column)} FROM {qn(table)} "  # noqa: S608 (model metadata)
                    f"WHERE {qn(column)} IS NOT NULL AND {qn(column)} <> '' "
                    f"ORDER BY RANDOM() LIMIT {DECRYPTION_SAMPLE}"
                )
                for (value,) in cursor.fetchall():
                    checked += 1
                    try:
                        crypto.decrypt(value)
                    except ValueError:
                        failures.append(f"{table}.{column}")
    if failures:
        where = ", ".join(sorted(set(failures)))
        return Check(
            "decryption",
            False,
            f"{len(failures)} of {checked} sampled values cannot be decrypted with the "
            f"configured PEERWAY_ENCRYPTION_KEYS ({where}). Restore the keys of the backup.",
        )
    return Check("decryption", True, f"{checked} sampled encrypted values decrypted.")


def verify(manifest: dict[str, Any]) -> Verification:
    """Check the default database against a backup's manifest."""
    result = Verification()
    try:
        trail = audit.verify()
        result.checks.append(Check("audit trail", trail.ok, trail.message()))
    except Exception as exc:  # a broken restore must be reported, not crash the check
        result.checks.append(Check("audit trail", False, f"could not be checked: {exc}"))
    last = _last_audit_event()
    expected = (manifest.get("audit_last_sequence", 0), manifest.get("audit_last_hash", ""))
    same = (last["sequence"], last["hash"]) == tuple(expected)
    result.checks.append(
        Check(
            "last audit event",
            same,
            f"#{last['sequence']}, as in the backup."
            if same
            else f"#{last['sequence']} here, #{expected[0]} in the backup (or their hashes "
            "differ).",
        )
    )
    result.checks.append(_decryption_check())
    counts = row_counts()
    wrong = [
        f"{table}: {counts.get(table, 'missing')} here, {n} in the backup"
        for table, n in sorted(manifest["row_counts"].items())
        if counts.get(table) != n
    ]
    if wrong:
        shown = "; ".join(wrong[:10]) + (f"; and {len(wrong) - 10} more" if len(wrong) > 10 else "")
        result.checks.append(Check("row counts", False, shown))
    else:
        result.checks.append(Check("row counts", True, f"{len(counts)} tables match the manifest."))
    return result


def verify_file(file: Path) -> Verification:
    """Check the backup file's checksum, then the default database against its manifest."""
    manifest = read_manifest(Path(file))
    ok = _sha256(Path(file)) == manifest["sha256"]
    checksum = Check(
        "checksum", ok, "the file matches its manifest." if ok else "the file was changed."
    )
    result = verify(manifest)
    result.checks.insert(0, checksum)
    return result

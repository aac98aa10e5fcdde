"""``peerway backup --out FILE`` and ``peerway backup verify FILE`` (docs/backup.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from peerway.core import audit
from peerway.core import backup as backups


class Command(BaseCommand):
    help = (
        "Back up the database to FILE (with FILE.manifest.json beside it), or verify this "
        "database against a backup's manifest: backup --out FILE | backup verify FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["verify"], help="verify FILE")
        parser.add_argument("file", nargs="?", help="The backup to verify against.")
        parser.add_argument("--out", help="The backup file to write (never overwritten).")

    def handle(self, *args, action=None, file=None, out=None, **options):
        if action == "verify":
            if not file or out:
                raise CommandError("usage: peerway backup verify FILE")
            try:
                result = backups.verify_file(Path(file))
            except backups.BackupError as exc:
                raise CommandError(str(exc)) from exc
            for line in result.lines():
                self.stdout.write(line)
            if not result.ok:
                raise CommandError("The database does not match the backup (see above).")
            self.stdout.write(self.style.SUCCESS("The database matches the backup."))
            return
        if not out or file:
            raise CommandError("usage: peerway backup --out FILE | peerway backup verify FILE")
        try:
            manifest = backups.backup(Path(out))
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit.record(
            actor=None,
            action="system.backup_created",
            details={
                "file": Path(out).name,
                "engine": manifest["engine"],
                "sha256": manifest["sha256"],
                "via": "command line",
            },
        )
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {out} ({rows} rows in {len(manifest['row_counts'])} "
                f"tables); manifest: {backups.manifest_path(Path(out))}. Keep both, and the "
                "encryption keys, off this server."
            )
        )

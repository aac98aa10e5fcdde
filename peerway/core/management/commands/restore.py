"""``peerway restore FILE [--force]`` (docs/backup.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from peerway.core import audit
from peerway.core import backup as backups


class Command(BaseCommand):
    help = (
        "Replace this database with a backup made by 'peerway backup', then verify it "
        "(audit trail, decryption with the configured keys, row counts)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file (its .manifest.json must be beside it).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already holds data.",
        )

    def handle(self, *args, file, force=False, **options):
        try:
            result = backups.restore(Path(file), force=force)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in result.lines():
            self.stdout.write(line)
        audit.record(
            actor=None,
            action="system.restored",
            details={"file": Path(file).name, "verified": result.ok, "via": "command line"},
        )
        if not result.ok:
            raise CommandError(
                "Restored, but the verification failed (see above): do not put this "
                "database into service until the cause is understood."
            )
        self.stdout.write(self.style.SUCCESS(f"Restored {file} and verified it."))

import json
import sys
from datetime import datetime, time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from peerway.core import audit


class Command(BaseCommand):
    help = (
        "Check the audit trail's keyed hash chain (and signed checkpoints), write a signed "
        "checkpoint, or export the trail as CSV for compliance review."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Check every link; name the first broken one.")
        verify.add_argument(
            "--checkpoints",
            metavar="DIR",
            help="Directory of signed checkpoints; also detects a cut tail or deleted trail.",
        )
        verify.add_argument(
            "--public-key",
            action="append",
            default=[],
            metavar="FILE",
            help="Extra checkpoint verification key (PEM), e.g. from before a rotation.",
        )
        checkpoint = sub.add_parser(
            "checkpoint", help="Sign the trail's current head into a file outside the database."
        )
        checkpoint.add_argument(
            "--out", metavar="DIR", help="Directory (default: PEERWAY_AUDIT_CHECKPOINT_DIR)."
        )
        sub.add_parser("public-key", help="Print the checkpoint verification key (PEM).")
        sub.add_parser("keygen", help="Print a new chain key and checkpoint signing key.")
        export = sub.add_parser("export", help="Write events as CSV.")
        export.add_argument("--since", help="First day to include (YYYY-MM-DD).")
        export.add_argument("--out", help="File to write (default: standard output).")

    def handle(self, *args, action, **options):
        if action in {"verify", "checkpoint", "public-key", "keygen"}:
            try:
                return getattr(self, "handle_" + action.replace("-", "_"))(**options)
            except audit.AuditIntegrityError as exc:
                raise CommandError(str(exc)) from exc
        since = None
        if options.get("since"):
            try:
                day = datetime.strptime(options["since"], "%Y-%m-%d").date()
            except ValueError as exc:
                raise CommandError(
                    f"--since: '{options['since']}' is not a date in the form YYYY-MM-DD."
                ) from exc
            since = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
        out_path = options.get("out")
        if out_path:
            try:
                with open(out_path, "w", newline="", encoding="utf-8") as fh:
                    count = audit.export_csv(fh, since=since)
            except OSError as exc:
                raise CommandError(f"--out: cannot write {out_path}: {exc.strerror}") from exc
            self.stderr.write(f"{count} events written to {out_path}.")
        else:
            count = audit.export_csv(sys.stdout, since=since)
        audit.record(
            actor=None,
            action="audit.exported",
            details={"since": options.get("since"), "events": count, "via": "command line"},
        )

    def handle_verify(self, *, checkpoints=None, public_key=(), **options):
        keys = []
        for name in public_key:
            try:
                keys.append(Path(name).read_bytes())
            except OSError as exc:
                raise CommandError(f"--public-key: cannot read {name} ({exc.strerror}).") from exc
        result = audit.verify(checkpoints=checkpoints, public_keys=keys)
        if not result.ok:
            raise CommandError(result.message())
        self.stdout.write(self.style.SUCCESS(result.message()))
        if checkpoints is None:
            self.stdout.write(
                "Without --checkpoints, a cut tail or a deleted trail cannot be detected."
            )

    def handle_checkpoint(self, *, out=None, **options):
        path = audit.write_checkpoint(out)
        self.stdout.write(f"Checkpoint written: {path}")

    def handle_public_key(self, **options):
        self.stdout.write(audit.public_key_pem().rstrip())

    def handle_keygen(self, **options):
        self.stdout.write(
            "# Keep these outside the database (environment or *_FILE); docs/security.md.\n"
            "# Rotating the chain key: put the new id:secret FIRST, keep the old ones after.\n"
            + json.dumps(audit.generate_keys(), indent=2)
        )

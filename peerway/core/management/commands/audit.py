import sys
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from peerway.core import audit


class Command(BaseCommand):
    help = "Check the audit trail's hash chain, or export it as CSV for compliance review."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Check every link; name the first broken one.")
        export = sub.add_parser("export", help="Write events as CSV.")
        export.add_argument("--since", help="First day to include (YYYY-MM-DD).")
        export.add_argument("--out", help="File to write (default: standard output).")

    def handle(self, *args, action, **options):
        if action == "verify":
            result = audit.verify()
            if not result.ok:
                raise CommandError(result.message())
            self.stdout.write(self.style.SUCCESS(result.message()))
            return
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

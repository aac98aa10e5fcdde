"""``peerway import hospital-events FILE.csv``: import admissions, discharges and
emergency visits (format: docs/hospital-events.md). Nothing is written if any row is
wrong; the report names each bad row on stderr, and the exit code is 1."""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand, CommandError

from peerway.core.models import Organization
from peerway.hospital.models import ImportSource
from peerway.hospital.services import import_hospital_events


class ProgressBar:
    """A one-line progress bar on stderr, redrawn at most every 0.2 s."""

    def __init__(self, stream, total_bytes: int, width: int = 30):
        self.stream, self.total, self.width = stream, max(total_bytes, 1), width
        self._last = 0.0

    def __call__(self, rows: int, bytes_read: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < 0.2:
            return
        self._last = now
        share = min(bytes_read / self.total, 1.0)
        filled = int(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {share:4.0%}  {rows:,} rows")
        if final:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import hospital events (admissions, discharges, emergency visits) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8), format in docs/hospital-events.md")
        parser.add_argument(
            "--organization",
            metavar="SLUG",
            help="Organization the people belong to (needed when there are several).",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--progress", action="store_true", help="Show a progress bar even when not a TTY."
        )
        group.add_argument("--no-progress", action="store_true", help="Never show one.")

    def handle(self, *args, file, organization=None, progress=False, no_progress=False, **kw):
        org = self._organization(organization)
        try:
            size = os.path.getsize(file)
            handle = open(file, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        stderr = self.stderr._out
        show = progress or (not no_progress and getattr(stderr, "isatty", lambda: False)())
        bar = ProgressBar(stderr, size) if show else None
        with handle:
            report = import_hospital_events(
                actor=None,
                organization=org,
                stream=handle,
                source=ImportSource.COMMAND,
                progress=bar,
            )
        if bar:
            bar(report.rows, report.bytes_read, final=True)
        if report.ok:
            self.stdout.write(
                f"Imported {report.rows} rows: {report.created} new, "
                f"{report.already_present} already present."
            )
            return
        for e in report.errors:
            where = f"row {e.row}" if e.row else "file"
            column = f", column {e.column}" if e.column else ""
            self.stderr.write(f"{where}{column}: {e.message}")
        if report.errors_not_shown:
            self.stderr.write(f"... and {report.errors_not_shown} more problems.")
        raise CommandError(
            f"Nothing was imported: {report.error_count} problem(s) in {report.rows} rows."
        )

    def _organization(self, slug: str | None) -> Organization:
        if slug:
            org = Organization.objects.filter(slug=slug).first()
            if org is None:
                raise CommandError(f"No organization with the slug {slug!r}.")
            return org
        orgs = list(Organization.objects.all()[:2])
        if len(orgs) != 1:
            raise CommandError("Name the organization with --organization SLUG.")
        return orgs[0]

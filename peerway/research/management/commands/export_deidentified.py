"""``peerway export deidentified --out DIR --purpose TEXT``: write the de-identified CSV
files and their data dictionary to DIR (docs/deidentified-export.md). The export is
recorded and audited with its purpose; a refused export writes nothing and exits 1."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from peerway.core.models import Organization
from peerway.research import deid, services
from peerway.research.dictionary import DICTIONARY_FILE, FILES, SUMMARY_FILE
from peerway.research.models import ExportSource

OUTPUT_FILES = [*FILES, DICTIONARY_FILE, SUMMARY_FILE]


class Command(BaseCommand):
    help = "Write a k-anonymous, de-identified export (CSV files and a data dictionary)."

    def add_arguments(self, parser):
        parser.add_argument("--out", metavar="DIR", required=True, help="Directory to write.")
        parser.add_argument(
            "--purpose", help="Why the data are needed (required; kept with the export log)."
        )
        parser.add_argument(
            "--organization",
            metavar="SLUG",
            help="Organization to export (needed when there are several).",
        )
        parser.add_argument(
            "--k", type=int, default=deid.K_DEFAULT, help="Minimum class size (at least 5)."
        )

    def handle(self, *args, out, purpose=None, organization=None, k=deid.K_DEFAULT, **kw):
        if not (purpose or "").strip():
            raise CommandError("--purpose is required: state why the data are needed.")
        try:
            purpose = services.clean_purpose(purpose)
        except ValidationError as exc:
            raise CommandError(f"--purpose: {exc.message_dict['purpose'][0]}") from exc
        if k < deid.K_DEFAULT:
            raise CommandError(f"--k must be at least {deid.K_DEFAULT}.")
        org = self._organization(organization)
        directory = self._directory(out)

        def deliver(files: dict[str, bytes]) -> None:
            try:
                for name, content in files.items():
                    (directory / name).write_bytes(content)
            except OSError as exc:
                for name in files:
                    (directory / name).unlink(missing_ok=True)
                raise CommandError(f"--out {out}: cannot write: {exc.strerror}") from exc

        try:
            result = services.create_export(
                actor=None,
                organization=org,
                purpose=purpose,
                source=ExportSource.COMMAND,
                k=k,
                deliver=deliver,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        export = result.export
        self.stdout.write(
            f"Export {export.pk} written to {directory}: {export.people_exported} people, "
            f"{export.people_suppressed} suppressed (k = {export.k}, level {export.level})."
        )

    def _directory(self, out: str) -> Path:
        directory = Path(out)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"--out {out}: cannot create the directory: {exc.strerror}") from exc
        if not directory.is_dir():
            raise CommandError(f"--out {out}: not a directory.")
        probe = directory / ".peerway-write-test"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise CommandError(
                f"--out {out}: the directory is not writable: {exc.strerror}"
            ) from exc
        if not os.access(directory, os.W_OK):
            raise CommandError(f"--out {out}: the directory is not writable.")
        present = [name for name in OUTPUT_FILES if (directory / name).exists()]
        if present:
            raise CommandError(
                f"--out {out}: already holds {present[0]}; choose an empty directory."
            )
        return directory

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

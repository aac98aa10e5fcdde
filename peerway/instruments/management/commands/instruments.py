import json

from django.core.management.base import BaseCommand, CommandError

from peerway.core import audit
from peerway.instruments.engine.cli import list_library_json
from peerway.instruments.engine.errors import InstrumentError
from peerway.instruments.library import current_library, install_supplied


class Command(BaseCommand):
    help = "List the questionnaire library, or load an organization-supplied definition."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Print the library as JSON.")
        load = sub.add_parser("load", help="Validate and install a definition file (YAML/JSON).")
        load.add_argument("file")

    def handle(self, *args, action, **options):
        try:
            if action == "list":
                entries = list_library_json(library=current_library())
                self.stdout.write(json.dumps(entries, indent=2, ensure_ascii=False))
                return
            target, library = install_supplied(options["file"])
        except InstrumentError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"{options.get('file', '')}: {exc.strerror}") from exc
        audit.record(
            actor=None,
            action="instrument.loaded",
            object_type="instrument",
            object_id=target.stem,
            details={"file": target.name},
        )
        self.stdout.write(
            self.style.SUCCESS(f"Installed {target.name}: {len(library)} instruments.")
        )

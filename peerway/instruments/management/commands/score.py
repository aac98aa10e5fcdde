import json

from django.core.management.base import BaseCommand, CommandError

from peerway.instruments.engine.cli import score_json
from peerway.instruments.engine.errors import InstrumentError
from peerway.instruments.library import current_library


class Command(BaseCommand):
    help = "Score answers: score CODE --answers '{\"item\": value, ...}' (JSON out)."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--answers", required=True, help="JSON object: item id -> value.")
        parser.add_argument(
            "--instrument-version", dest="instrument_version", help="Instrument version."
        )

    def handle(self, *args, code, answers, instrument_version, **options):
        try:
            result = score_json(
                code, answers, version=instrument_version, library=current_library()
            )
        except InstrumentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))

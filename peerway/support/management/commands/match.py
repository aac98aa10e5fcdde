import json
import sys

from django.core.management.base import BaseCommand, CommandError

from peerway.support.matching import MatchingInputError, solve_json

MAX_INPUT_BYTES = 10 * 2**20


class Command(BaseCommand):
    help = (
        "Solve a batch of referrals offline and print the assignment as JSON "
        "(input format: docs/matching.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="JSON file, or - for standard input.")
        parser.add_argument("--lang", choices=["en", "fr"], help="Add explanations in a language.")

    def handle(self, *args, input, lang, **options):
        try:
            if input == "-":
                stream = getattr(sys.stdin, "buffer", None)
                raw = (
                    stream.read(MAX_INPUT_BYTES + 1)
                    if stream is not None
                    else sys.stdin.read(MAX_INPUT_BYTES + 1).encode("utf-8")
                )
            else:
                with open(input, "rb") as fh:
                    raw = fh.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"--input: cannot read {input}: {exc.strerror}") from exc
        if len(raw) > MAX_INPUT_BYTES:
            raise CommandError(f"--input: {input} is larger than {MAX_INPUT_BYTES // 2**20} MB.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"--input: {input} is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8."
            ) from exc
        try:
            result = solve_json(text, lang=lang)
        except MatchingInputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))

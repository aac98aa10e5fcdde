import json
import sys

from django.core.management.base import BaseCommand, CommandError

from peerway.support.matching import MatchingInputError, solve_json


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
                text = sys.stdin.read()
            else:
                with open(input, encoding="utf-8") as fh:
                    text = fh.read()
        except OSError as exc:
            raise CommandError(f"--input: cannot read {input}: {exc.strerror}") from exc
        try:
            result = solve_json(text, lang=lang)
        except MatchingInputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))

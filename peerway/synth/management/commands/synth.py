import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ... import generator
from ...load import DEFAULT_BATCH_SIZE, DEFAULT_SLUG, SynthError, load

# Plausible bounds (docs/security.md, input bounds): outside them dates overflow.
EARLIEST_END = dt.date(2000, 1, 1)
LATEST_END = dt.date(2999, 12, 31)
MAX_DAYS = 36_600


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--end: {text!r} is not a date (YYYY-MM-DD).") from exc
    if not EARLIEST_END <= day <= LATEST_END:
        raise CommandError(f"--end: give a date from {EARLIEST_END} to {LATEST_END}.")
    return day


class Command(BaseCommand):
    help = (
        "Create a synthetic organization (fictional; slug 'synth' by default) with sites, "
        "teams, peer workers, people supported, referrals, relationships and contacts, "
        "written in batches, with its contact rollups. Deterministic for a seed and end date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, required=True, help="People supported.")
        parser.add_argument("--contacts", type=int, required=True, help="Contacts to log.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--end", help="Last day of the contacts (YYYY-MM-DD; default today).")
        parser.add_argument(
            "--days", type=int, default=730, help="Days of contacts up to --end (default 730)."
        )
        parser.add_argument("--workers", type=int, default=0, help="Default: people / 20.")
        parser.add_argument("--teams", type=int, default=0, help="Default: workers / 8.")
        parser.add_argument("--sites", type=int, default=0, help="Default: teams / 5.")
        parser.add_argument("--slug", default=DEFAULT_SLUG, help="Organization slug.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows per insert (default {DEFAULT_BATCH_SIZE}); bounds memory.",
        )

    def handle(self, *args, **o):
        if o["days"] > MAX_DAYS:
            raise CommandError(f"--days: at most {MAX_DAYS:,} (about a century).")
        try:
            shape = generator.Shape(
                people=o["people"],
                contacts=o["contacts"],
                seed=o["seed"],
                end=_date(o["end"]) if o["end"] else timezone.localdate(),
                days=o["days"],
                workers=o["workers"],
                teams=o["teams"],
                sites=o["sites"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        began = time.perf_counter()
        step = max(o["batch_size"], shape.contacts // 20)
        shown = [0]

        def progress(done: int) -> None:
            if done - shown[0] >= step or done == shape.contacts:
                shown[0] = done
                self.stderr.write(f"  {done:,} / {shape.contacts:,} contacts")

        try:
            counts = load(
                shape=shape, slug=o["slug"], batch_size=o["batch_size"], progress=progress
            )
        except SynthError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - began
        self.stdout.write(
            f"Synthetic organization {o['slug']!r}: {counts['sites']} sites, "
            f"{counts['teams']} teams, {counts['workers']} peer workers, "
            f"{counts['people']} people, {counts['contacts']} contacts "
            f"({counts['attendances']} attendances), {counts['rollup_rows']} daily and "
            f"{counts['monthly_rollup_rows']} monthly rollup rows in {seconds:.1f} s."
        )

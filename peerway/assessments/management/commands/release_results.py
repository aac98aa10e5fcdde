"""Decide which results of closed survey waves are published; schedule it daily (or hourly).

Waves close by date, with no request to hook onto: this decides the disclosure of every
closed wave that has no current decision, so no reader waits for it. ``--enqueue`` queues
it for ``peerway worker`` instead of running it here.
"""

from django.core.management.base import BaseCommand

from peerway.assessments.tasks import release_closed_waves


class Command(BaseCommand):
    help = "Decide and store the disclosure of closed survey waves' results (run daily)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the decision for the task worker instead of running it now",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = release_closed_waves.enqueue()
            self.stdout.write(f"Queued the release of closed survey waves (task {result.id}).")
            return
        decided = release_closed_waves.call()
        self.stdout.write(f"{decided} survey wave(s) released")

"""Escalate safety tasks not acknowledged by their deadline; schedule every five minutes.

It runs the escalation here and now by default, so escalations never wait for a task
worker; ``--enqueue`` queues it for ``peerway worker`` instead.
"""

from django.core.management.base import BaseCommand

from peerway.outcomes.tasks import escalate_safety_tasks


class Command(BaseCommand):
    help = "Escalate safety tasks not acknowledged by their deadline (run every 5 minutes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the escalation for the task worker instead of running it now",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = escalate_safety_tasks.enqueue()
            self.stdout.write(f"Queued safety escalations (task {result.id}).")
            return
        escalated = escalate_safety_tasks.call()
        self.stdout.write(f"{escalated} safety task(s) escalated")

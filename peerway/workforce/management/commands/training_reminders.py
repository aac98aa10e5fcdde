"""Queue the training expiry reminders; schedule daily (cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from peerway.workforce.tasks import send_training_reminders


class Command(BaseCommand):
    help = "Queue the training expiry reminders task (run it daily)."

    def handle(self, *args, **options):
        result = send_training_reminders.enqueue()
        self.stdout.write(f"Queued training reminders (task {result.id}).")

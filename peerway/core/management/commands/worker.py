"""``peerway worker``: the background task worker, ready before its first task.

The same as ``django_tasks_db``'s ``db_worker`` (same options), except that it first loads
what the first report of a process would otherwise wait for: the statistics, the chart
engine and WeasyPrint with the report's font (``peerway.core.warm``). Reports are built by
this worker, so the first report of the day costs what the next ones do.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from peerway.core.warm import warm


class Command(DbWorkerCommand):
    help = "Run background tasks from the database queue (warmed up for reports first)."

    def handle(self, *args, **options):
        if getattr(settings, "PEERWAY_WARM_CHARTS", False):
            seconds = warm(pdf=True)
            if seconds is not None and options.get("verbosity", 1) >= 1:
                self.stdout.write(f"Worker ready for reports in {seconds:.1f} s.")
        return super().handle(*args, **options)

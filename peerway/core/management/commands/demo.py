import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from peerway.core import demo

from .seed_demo import print_logins


class Command(BaseCommand):
    help = "Migrate, seed the demo region when the database is empty, and serve it locally."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-serve", action="store_true", help="Prepare only.")

    def handle(self, *args, port, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not demo.exists():
            self.stdout.write("Seeding the demo region (first run)...")
            demo.seed()
        else:
            self.stdout.write("Existing data kept.")
        print_logins(self.stdout)
        if no_serve:
            return
        self.stdout.write(f"Serving on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, skip_checks=True)

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from peerway.core import demo, supervise

from .seed_demo import print_logins


def serve_commands(port: str) -> dict[str, list[str]]:
    """The demo's two processes: the web server and the background task worker."""
    return {
        "web server": supervise.django_command(
            "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"
        ),
        "task worker": supervise.django_command("worker", "--no-reload", "--interval", "1"),
    }


class Command(BaseCommand):
    help = (
        "Migrate, seed the demo region when the database is empty, and serve it locally with "
        "its background task worker (Ctrl+C or SIGTERM stops both)."
    )

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
        self.stdout.write(
            f"Serving on http://127.0.0.1:{port}/ with the background task worker "
            "(reports, result releases, imports). Ctrl+C stops both."
        )
        self.stdout.flush()
        code = supervise.run(serve_commands(port), out=self.stdout)
        if code:
            raise CommandError(f"The demo stopped (exit code {code}).", returncode=code)

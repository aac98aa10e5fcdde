from django.core.management.base import BaseCommand

from peerway.core import demo


class Command(BaseCommand):
    help = "Build the fictional demo region (kept as it is if it already exists)."

    def handle(self, *args, **options):
        existed = demo.exists()
        demo.seed()
        if existed:
            self.stdout.write("The demo region already exists: kept as it is.")
        else:
            self.stdout.write(self.style.SUCCESS("Demo region created."))
        print_logins(self.stdout)


def print_logins(out) -> None:
    out.write("")
    out.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
    out.write(f"{'Role':<22} {'E-mail':<34} {'Two-factor secret (TOTP)'}")
    for row in demo.logins():
        out.write(f"{row['role']:<22} {row['email']:<34} {row['totp_secret'] or '-'}")
    out.write("")
    out.write(
        "Roles marked with a secret must enter a six-digit code: add the secret to an "
        "authenticator app, or run 'peerway demo-code EMAIL' for the current code."
    )
    out.write("These accounts and secrets are for the fictional demo only.")

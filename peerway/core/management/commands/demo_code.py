from django.core.management.base import BaseCommand, CommandError

from peerway.core import demo
from peerway.core.models import User


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (demo region only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(
            email__iexact=email, memberships__organization__is_demo=True
        ).first()
        if user is None:
            raise CommandError(f"{email}: no demo account with this address.")
        if any(not m.organization.is_demo for m in user.memberships.all()):
            raise CommandError(f"{email}: this account is not demo-only.")
        self.stdout.write(demo.current_code(demo.demo_totp_secret(user.email)))

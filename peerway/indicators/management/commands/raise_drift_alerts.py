from django.core.management.base import BaseCommand, CommandError

from peerway.core.models import Organization
from peerway.indicators.services import raise_drift_alerts


class Command(BaseCommand):
    help = "Alert supervisors of peer workers whose drift is above the role threshold."

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="organization slug (default: all)")

    def handle(self, *args, organization=None, **options):
        orgs = Organization.objects.all()
        if organization:
            orgs = orgs.filter(slug=organization)
            if not orgs.exists():
                raise CommandError(f"--organization: no organization with slug {organization!r}")
        created = sum(raise_drift_alerts(organization=org) for org in orgs)
        self.stdout.write(f"{created} drift alert(s) raised")

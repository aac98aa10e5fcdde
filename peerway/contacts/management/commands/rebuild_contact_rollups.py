from django.core.management.base import BaseCommand, CommandError

from peerway.core.models import Organization

from ... import rollups


class Command(BaseCommand):
    help = (
        "Rebuild the daily and monthly contact rollups from raw contacts (all organizations, "
        "or one), one day at a time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="SLUG", help="Only this organization.")

    def handle(self, *args, organization=None, **options):
        org = None
        if organization:
            org = Organization.objects.filter(slug=organization).first()
            if org is None:
                raise CommandError(
                    f"--organization: no organization with the slug {organization!r}."
                )
        result = rollups.rebuild(org)
        self.stdout.write(
            f"Rebuilt contact rollups: {result['contacts']} contacts, {result['rows']} rows."
        )

"""``peerway report --period 2026Q3 --pdf out.pdf``: the leadership and funder report."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from peerway.core import audit
from peerway.core.models import Organization, Site, Team
from peerway.evaluation import analysis, report
from peerway.evaluation.forms import default_period
from peerway.evaluation.periods import FORMATS, PeriodError, parse_period


class Command(BaseCommand):
    help = "Write the leadership and funder report for a period as a PDF."

    def add_arguments(self, parser):
        parser.add_argument(
            "--period", help=f"The period: {FORMATS}. Default: the current quarter."
        )
        parser.add_argument("--pdf", required=True, help="Where to write the PDF.")
        parser.add_argument(
            "--organization", help="Organization slug (needed when there are several)."
        )
        parser.add_argument("--site", help="Limit to one site (its name).")
        parser.add_argument("--team", help="Limit to one team (its name).")
        parser.add_argument("--lang", choices=["en", "fr"], default="en")

    def handle(self, *args, period, pdf, organization=None, site=None, team=None, lang="en", **kw):
        if period is None:
            period = default_period()
        try:
            parsed = parse_period(period)
        except PeriodError as exc:
            raise CommandError(f"--period: {exc}") from None
        org = self._organization(organization)
        scope = analysis.Scope(org, site=self._site(org, site), team=self._team(org, team))
        out = Path(pdf)
        if not out.parent.exists():
            raise CommandError(f"--pdf: the folder {out.parent} does not exist")
        if out.is_dir():
            raise CommandError(f"--pdf: {out} is a directory; give a file name")
        data = report.render_pdf(scope, parsed, today=timezone.localdate(), lang=lang)
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"--pdf: cannot write {out}: {exc.strerror}") from exc
        audit.record(
            actor=None,
            action="evaluation.report_written",
            obj=scope.team or scope.site or org,
            details={"period": parsed.code, "level": scope.level, "source": "command"},
        )
        self.stdout.write(f"Wrote {out} ({len(data)} bytes): {scope.name}, {parsed.code}")

    def _organization(self, slug):
        if slug:
            org = Organization.objects.filter(slug=slug).first()
            if org is None:
                raise CommandError(f"--organization: no organization {slug!r}")
            return org
        orgs = list(Organization.objects.all()[:2])
        if not orgs:
            raise CommandError("No organization in the database.")
        if len(orgs) > 1:
            raise CommandError("--organization: several organizations exist; name one (slug)")
        return orgs[0]

    def _site(self, org, name):
        if not name:
            return None
        found = Site.objects.filter(organization=org, name=name).first()
        if found is None:
            raise CommandError(f"--site: no site {name!r} in {org.slug}")
        return found

    def _team(self, org, name):
        if not name:
            return None
        found = Team.objects.filter(site__organization=org, name=name).select_related("site")
        if found.count() != 1:
            raise CommandError(f"--team: no single team {name!r} in {org.slug}")
        return found.first()

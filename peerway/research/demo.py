"""Demo: one de-identified export made by the demo evaluator, so the export log has an
entry and the evaluator can download its files (for 7 days after seeding).

Runs after the service, outcome and hospital demos (app order). Does nothing when the
region has no people supported yet or already has an export. If the demo people cannot
be made k-anonymous within the suppression limit, the refusal is what the log shows.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError

from peerway.support.models import Person

from .models import DeidentifiedExport, ExportSource
from .services import create_export

DEMO_PURPOSE = (
    "Demo: evaluate days from referral to first contact and outcome change for the annual "
    "review (fictional data)."
)


def seed(region) -> None:
    organization = region.organization
    if DeidentifiedExport.objects.filter(organization=organization).exists():
        return
    if not Person.objects.filter(organization=organization).exists():
        return
    if float(getattr(settings, "PEERWAY_DEMO_SCALE", 1.0)) < 1:
        return  # the reduced demo of the browser tests skips this slow step
    evaluator = getattr(region, "users", {}).get("evaluator")
    # A refusal is recorded and audited by the service; the demo goes on.
    with contextlib.suppress(ValidationError):
        create_export(
            actor=evaluator,
            organization=organization,
            purpose=DEMO_PURPOSE,
            source=ExportSource.SCREEN,
        )

"""Writes: asking for a report, and generating it (in the background task)."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from peerway.core import audit
from peerway.core.models import Organization, Site, Team, User

from . import analysis, report
from .models import InstrumentReliability, Report, ReportStatus
from .periods import parse_period

log = logging.getLogger(__name__)


def request_report(
    *,
    actor: User,
    organization: Organization,
    period: str,
    site: Site | None = None,
    team: Team | None = None,
    language: str = "en",
) -> Report:
    """Record the request and queue its generation (the task row is written in the same
    transaction, so a worker never sees a request that was rolled back)."""
    from .tasks import generate_report

    code = parse_period(period).code
    with transaction.atomic():
        created = Report.objects.create(
            organization=organization,
            site=site,
            team=team,
            period=code,
            language=language,
            requested_by=actor,
        )
        audit.record(
            actor=actor,
            action="evaluation.report_requested",
            obj=created,
            details={"period": code, "level": created.level},
        )
        generate_report.enqueue(created.pk)
    created.refresh_from_db()
    return created


def scope_of(item: Report) -> analysis.Scope:
    return analysis.Scope(item.organization, site=item.site, team=item.team)


def generate(report_id: int) -> str:
    """Render one requested report to PDF and store it. Returns its status."""
    updated = Report.objects.filter(pk=report_id, status=ReportStatus.PENDING).update(
        status=ReportStatus.RUNNING
    )
    if not updated:
        return "skipped"
    item = Report.objects.select_related("organization", "site", "team__site").get(pk=report_id)
    try:
        pdf = report.render_pdf(
            scope_of(item),
            parse_period(item.period),
            today=timezone.localdate(),
            lang=item.language,
        )
    except Exception as exc:  # the request must end failed, not stay "being prepared"
        log.exception("report %s failed", report_id)
        with transaction.atomic():
            Report.objects.filter(pk=report_id).update(
                status=ReportStatus.FAILED, error=type(exc).__name__, finished_at=timezone.now()
            )
            audit.record(actor=None, action="evaluation.report_failed", obj=item)
        return ReportStatus.FAILED
    with transaction.atomic():
        Report.objects.filter(pk=report_id).update(
            status=ReportStatus.READY, pdf=pdf, finished_at=timezone.now()
        )
        audit.record(
            actor=None, action="evaluation.report_generated", obj=item, details={"bytes": len(pdf)}
        )
    return ReportStatus.READY


def set_reliability(
    *,
    actor: User,
    organization: Organization,
    instrument: str,
    test_retest: Decimal,
    source: str,
) -> InstrumentReliability:
    """Record (or replace) the organization's test–retest reliability for a questionnaire."""
    if not actor.has_perm("evaluation.set_reliability", organization):
        raise PermissionDenied
    with transaction.atomic():
        found, created = InstrumentReliability.objects.select_for_update().update_or_create(
            organization=organization,
            instrument=instrument,
            defaults={
                "test_retest": test_retest,
                "source": source,
                "updated_by": actor,
                "updated_at": timezone.now(),
            },
        )
        audit.record(
            actor=actor,
            action="evaluation.reliability_set",
            obj=organization,
            details={"instrument": instrument, "test_retest": str(test_retest), "new": created},
        )
    return found


def remove_reliability(*, actor: User, organization: Organization, instrument: str) -> bool:
    """Remove it: the published internal consistency (if any) applies again."""
    if not actor.has_perm("evaluation.set_reliability", organization):
        raise PermissionDenied
    with transaction.atomic():
        deleted, _detail = InstrumentReliability.objects.filter(
            organization=organization, instrument=instrument
        ).delete()
        if deleted:
            audit.record(
                actor=actor,
                action="evaluation.reliability_removed",
                obj=organization,
                details={"instrument": instrument},
            )
    return bool(deleted)

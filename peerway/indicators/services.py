"""Writes of the indicators app: drift alerts to supervisors (docs/indicators.md)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from peerway.core import audit
from peerway.core.models import Organization, Team, User

from . import selectors
from .models import DriftAlert


def raise_drift_alerts(*, organization: Organization, today: dt.date | None = None) -> int:
    """Alert each worker's supervisors when the worker's drift on a team is above the
    threshold in the current or the previous month. One alert per supervisor, worker,
    team and month: running it again adds nothing (it refreshes the figures of alerts not
    yet read). Run by the ``raise_drift_alerts`` task and command; returns alerts created."""
    from peerway.workforce.selectors import load_worker, worker_supervisor_ids

    today = today or timezone.localdate()
    period = selectors.Period(selectors.add_months(selectors.month_start(today), -1), today)
    teams = {t.pk: t for t in Team.objects.filter(site__organization=organization)}
    rows = [
        r
        for r in selectors.drift(organization, teams.values(), period, by="worker")
        if r.over_threshold
    ]
    created = 0
    supervisors: dict[int, set[int]] = {}
    for row in rows:
        if row.worker_id not in supervisors:
            user = User.objects.get(pk=row.worker_id)
            supervisors[row.worker_id] = worker_supervisor_ids(load_worker(user, organization))
        month_end = selectors.add_months(row.month, 1) - dt.timedelta(days=1)
        tasks = selectors.out_of_scope_tasks(
            organization,
            teams[row.team_id],
            selectors.Period(row.month, min(month_end, today)),
            worker=row.worker_id,
        )
        figures = {
            "minutes": row.minutes,
            "out_of_scope_minutes": row.out_of_scope_minutes,
            "threshold_percent": row.threshold_percent,
            "tasks": [[code, minutes] for code, minutes in tasks],
        }
        for recipient_id in sorted(supervisors[row.worker_id]):
            with transaction.atomic():
                alert, new = DriftAlert.objects.get_or_create(
                    recipient_id=recipient_id,
                    worker_id=row.worker_id,
                    team_id=row.team_id,
                    month=row.month,
                    defaults={"organization": organization, **figures},
                )
                if new:
                    created += 1
                    audit.record(
                        actor=None,
                        action="indicators.drift_alert_raised",
                        obj=alert,
                        details={
                            "worker_id": row.worker_id,
                            "team_id": row.team_id,
                            "month": row.month.isoformat(),
                            "recipient_id": recipient_id,
                        },
                    )
                elif alert.read_at is None:
                    DriftAlert.objects.filter(pk=alert.pk).update(**figures)
    return created


def mark_alerts_read(*, actor: User, organization: Organization) -> int:
    with transaction.atomic():
        count = DriftAlert.objects.filter(
            organization=organization, recipient=actor, read_at__isnull=True
        ).update(read_at=timezone.now())
        audit.record(
            actor=actor,
            action="indicators.drift_alerts_read",
            obj=organization,
            details={"count": count},
        )
    return count

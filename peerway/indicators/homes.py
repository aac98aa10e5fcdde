"""Home page piece: a supervisor's unread drift alerts."""

from __future__ import annotations

from peerway.core.models import Organization, User

from .models import DriftAlert


def home_context(user: User, organization: Organization) -> dict:
    unread = DriftAlert.objects.filter(
        organization=organization, recipient=user, read_at__isnull=True
    ).select_related("worker", "team")
    alerts = list(unread[:3])
    if not alerts:
        return {}
    return {"drift_alerts_home": {"alerts": alerts, "count": unread.count()}}

"""Background tasks (Django Tasks; the database backend runs them in ``peerway worker``)."""

from django.tasks import task


@task
def raise_drift_alerts() -> int:
    """Alert supervisors of workers whose drift is above the threshold (safe to run daily)."""
    from peerway.core.models import Organization

    from .services import raise_drift_alerts as raise_alerts

    return sum(raise_alerts(organization=org) for org in Organization.objects.all())

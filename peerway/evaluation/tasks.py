"""Background tasks (Django Tasks; the database backend runs them in ``peerway worker``)."""

from django.tasks import task


@task
def generate_report(report_id: int) -> str:
    """Generate a requested leadership and funder report (may take a while at regional scale)."""
    from .services import generate

    return str(generate(report_id))

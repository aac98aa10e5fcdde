"""Background tasks (Django Tasks; the database backend runs them in ``peerway worker``)."""

from django.tasks import task


@task
def run_hospital_import(job_id: int) -> str:
    """Check, stage and import an uploaded hospital events file (may take minutes)."""
    from .services import run_import

    report = run_import(job_id)
    return "imported" if report.ok else "rejected"

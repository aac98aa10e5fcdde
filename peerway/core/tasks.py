"""Background tasks (Django Tasks; the database backend runs them in ``peerway worker``)."""

from django.tasks import task


@task
def write_audit_checkpoint() -> str:
    """Sign the audit trail's current head into PEERWAY_AUDIT_CHECKPOINT_DIR (run hourly)."""
    from .audit import write_checkpoint

    return str(write_checkpoint())

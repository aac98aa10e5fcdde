"""Background tasks (Django Tasks; the database backend runs them in ``peerway worker``)."""

from django.tasks import task


@task
def escalate_safety_tasks() -> int:
    """Escalate safety tasks not acknowledged by their deadline (safe to run often: each
    task escalates once)."""
    from .services import escalate_overdue_tasks

    return escalate_overdue_tasks()

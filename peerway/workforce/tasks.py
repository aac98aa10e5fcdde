"""Background tasks (Django Tasks; the database backend runs them in ``peerway worker``)."""

from django.tasks import task


@task
def send_training_reminders() -> int:
    """Notify people of training that expires soon or has lapsed (safe to run daily)."""
    from .services import send_training_reminders as send

    return send()

"""Outcome pieces of the home page (called by ``peerway.core.views.home``): measures due
and open safety tasks, for peer workers, supervisors and managers."""

from __future__ import annotations

from django.utils import timezone

from peerway.core.models import Organization, User
from peerway.core.permissions import roles_anywhere_in
from peerway.core.roles import Role

from . import selectors
from .models import SafetyStatus
from .services import is_missing_trigger

HOME_ROLES = {Role.PEER_WORKER, Role.SUPERVISOR, Role.MANAGER}


def due_and_tasks(user: User, organization: Organization, *, limit: int = 5) -> dict:
    """Measures due or overdue and open safety tasks this user follows."""
    summary = selectors.due_summary(user, organization, timezone.localdate(), limit)
    open_tasks = selectors.open_safety_tasks_for(user, organization)
    tasks = list(open_tasks[:limit])
    for task in tasks:
        # Shown on the home: the worker is told to ask the missing safety question now.
        task.asks_safety_item = any(is_missing_trigger(t) for t in task.triggers or [])
    return {
        "due": summary.first,
        "due_count": summary.count,
        "overdue_count": summary.overdue_count,
        "tasks": tasks,
        "task_count": open_tasks.count(),
        # Unacknowledged past the deadline (escalated or about to be).
        "overdue_task_count": open_tasks.filter(
            status=SafetyStatus.OPEN, due_at__lte=timezone.now()
        ).count(),
    }


def home_context(user: User, organization: Organization) -> dict:
    if not roles_anywhere_in(user, organization) & HOME_ROLES:
        return {}
    return {"outcomes_home": due_and_tasks(user, organization)}

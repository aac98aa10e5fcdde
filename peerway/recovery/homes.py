"""Recovery pieces of the home page (called by ``peerway.core.views.home``)."""

from __future__ import annotations

from peerway.core.models import Organization, User
from peerway.core.permissions import roles_anywhere_in
from peerway.core.roles import Role

from . import selectors


def home_context(user: User, organization: Organization) -> dict:
    """A supervisor's events to review in supervision (nothing for other roles)."""
    if Role.SUPERVISOR not in roles_anywhere_in(user, organization):
        return {}
    queue = list(selectors.review_queue(user, organization)[:10])
    return {"recovery_queue": queue} if queue else {}

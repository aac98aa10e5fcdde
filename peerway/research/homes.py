"""Home page piece: the latest de-identified exports, for the people who may see the log."""

from __future__ import annotations

from django.utils import timezone

from peerway.core.models import Organization, User

from . import selectors

HOME_EXPORTS = 3


def home_context(user: User, organization: Organization) -> dict:
    if not user.has_perm("research.view_exports", organization):
        return {}
    exports = list(selectors.exports_for(organization)[:HOME_EXPORTS])
    now = timezone.now()
    return {
        "research_home": {
            "exports": exports,
            "downloadable": {
                e.pk
                for e in exports
                if e.archive_expires_at
                and e.archive_expires_at > now
                and user.has_perm("research.download_export", e)
            },
            "can_request": user.has_perm("research.request_export", organization),
            "can_report": user.has_perm("evaluation.use", organization),
        }
    }

"""Who may request, list and download de-identified exports (docs/deidentified-export.md,
docs/permissions.md). Objects checked: the organization, or one export (whose place is
its organization, so only organization-wide memberships count)."""

from __future__ import annotations

import rules

from peerway.core.permissions import has_role_over
from peerway.core.roles import Role


@rules.predicate
def is_requester(user, export=None) -> bool:
    return export is not None and export.requested_by_id == getattr(user, "pk", None)


# An export covers the whole organization: organization-wide evaluators request it.
# Managers are left out on purpose: they already see identifiable records, and keeping
# the evaluation data set with the evaluation role keeps the two uses apart.
rules.add_perm("research.request_export", has_role_over(Role.EVALUATOR))
# The log (who, when, purpose, counts) holds nothing about people supported: evaluators
# see it, and organization-wide managers and administrators oversee it.
rules.add_perm("research.view_exports", has_role_over(Role.EVALUATOR, Role.MANAGER, Role.ADMIN))
# The files: only the evaluator who asked for them, while still an evaluator.
rules.add_perm("research.download_export", is_requester & has_role_over(Role.EVALUATOR))

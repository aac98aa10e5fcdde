"""Who may use the FHIR interface at all. What each resource shows is then decided by the
same selectors and rules as the pages (peerway.fhir.scope)."""

from __future__ import annotations

import rules

from peerway.core.permissions import _memberships


@rules.predicate
def has_any_role(user, obj=None) -> bool:
    return bool(_memberships(user))


rules.add_perm("fhir.use", has_any_role)

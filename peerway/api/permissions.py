"""Who may hold and issue API tokens (docs/permissions.md, docs/api.md).

A token acts with exactly its user's roles and places: every endpoint checks the same
`rules` permissions as the pages. Creating one's own token needs only an account (and a
second factor in the session, checked by the service); service accounts are issued by
administrators of the organization.
"""

from __future__ import annotations

import rules

from peerway.core.permissions import has_role_over, is_member
from peerway.core.roles import Role

# One's own tokens: any member of an organization (a token without a role reaches nothing).
rules.add_perm("api.own_tokens", is_member)
# Service accounts bound to a role and a place, and their tokens: organization administrators.
rules.add_perm("api.manage_service_accounts", has_role_over(Role.ADMIN))
# The API's own description (OpenAPI schema, browsable docs): any member.
rules.add_perm("api.view_schema", is_member)

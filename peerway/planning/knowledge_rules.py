"""Who may browse the evidence library (see docs/permissions.md)."""

import rules

from peerway.core.permissions import has_role_in_org
from peerway.core.roles import Role

if not rules.perm_exists("planning.view_knowledge"):
    # The factor -> strategy library holds no personal data: any member may read it.
    rules.add_perm("planning.view_knowledge", has_role_in_org(*Role.values))

"""Who may import hospital events, configure the eligibility trigger and act on its
suggestions (docs/hospital-events.md, docs/permissions.md).

Objects checked: the organization (import, trigger settings, suggestion list) or a person
(refer from a suggestion, set a hospital identifier); a person's place is their team.
"""

from __future__ import annotations

import rules

from peerway.core.permissions import has_role_in_org, has_role_over
from peerway.core.roles import Role

# A hospital file names people anywhere in the organization, and its validation report
# says which rows match nobody: only organization-wide managers import.
rules.add_perm("hospital.import_events", has_role_over(Role.MANAGER))
# The trigger applies to the whole organization: organization-wide managers set it.
rules.add_perm("hospital.manage_trigger", has_role_over(Role.MANAGER))
# The suggestion list (scoped to the teams each reader leads).
rules.add_perm("hospital.view_suggestions", has_role_in_org(Role.MANAGER, Role.SUPERVISOR))
# Act on a suggestion for one person: a manager or supervisor over the person's team.
rules.add_perm("hospital.refer_from_trigger", has_role_over(Role.MANAGER, Role.SUPERVISOR))
# Record a person's hospital identifier (kept only as a keyed hash): staff over the team.
rules.add_perm(
    "hospital.set_hospital_id", has_role_over(Role.MANAGER, Role.SUPERVISOR, Role.CLINICIAN)
)

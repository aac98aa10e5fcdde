"""Survey permissions (see docs/permissions.md)."""

import rules

from peerway.core.permissions import has_role_in_org, has_role_over
from peerway.core.roles import Role

# Create, open and close waves; see links and response counts: organization-wide managers.
rules.add_perm("assessments.manage_waves", has_role_over(Role.MANAGER))
# Aggregate, suppressed results: managers and evaluators of the organization.
rules.add_perm("assessments.view_results", has_role_over(Role.MANAGER, Role.EVALUATOR))
# The questionnaire library (definitions and licence notices): any member.
rules.add_perm("instruments.view_library", has_role_in_org(*Role.values))

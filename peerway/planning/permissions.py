"""Role definition and capacity planning permissions (see docs/permissions.md).

Role definitions and capacity scenarios belong to an organization: the object checked is
the organization, or a role definition version (whose place is its organization).
"""

import rules

from peerway.core.permissions import has_role_in_org, has_role_over
from peerway.core.roles import Role

from .models import RoleDefinitionVersion

_READERS = (Role.MANAGER, Role.SUPERVISOR, Role.PEER_WORKER, Role.CLINICIAN, Role.EVALUATOR)


@rules.predicate
def is_approved_version(user, version=None) -> bool:
    """Approved now or in the past (superseded versions stay readable as history)."""
    return isinstance(version, RoleDefinitionVersion) and version.was_approved


@rules.predicate
def is_co_producer(user, version=None) -> bool:
    if not isinstance(version, RoleDefinitionVersion) or not user.is_authenticated:
        return False
    return version.co_producers.filter(pk=user.pk).exists()


org_wide_manager = has_role_over(Role.MANAGER)

# The list of role definitions: managers, supervisors, peer workers, clinicians and
# evaluators of the organization (what each may open is decided per version below).
rules.add_perm("planning.view_role_definitions", has_role_in_org(*_READERS))
# One version: organization-wide managers see every version; readers see approved (and
# superseded) versions; co-producers who are members of the organization see the drafts
# they co-produce.
rules.add_perm(
    "planning.view_role_version",
    org_wide_manager
    | (has_role_in_org(*_READERS) & is_approved_version)
    | (has_role_in_org(*Role.values) & is_co_producer),
)
# Create a definition, start and edit drafts: organization-wide managers.
rules.add_perm("planning.manage_role_definitions", org_wide_manager)
# Approve a draft (needs a peer worker among its co-producers): organization-wide managers.
rules.add_perm("planning.approve_role_definitions", org_wide_manager)

# Capacity scenarios: read by managers, supervisors and evaluators of the organization;
# created and edited by organization-wide managers.
rules.add_perm(
    "planning.view_capacity", has_role_in_org(Role.MANAGER, Role.SUPERVISOR, Role.EVALUATOR)
)
rules.add_perm("planning.manage_capacity", org_wide_manager)

# Implementation plan (docs/implementation-plan.md). The object checked is the
# organization, or an action (whose place is its team, else its site, else the plan's
# organization).


@rules.predicate
def is_action_owner(user, action=None) -> bool:
    from .models import PlanAction

    return (
        isinstance(action, PlanAction)
        and user.is_authenticated
        and action.owner_id is not None
        and action.owner_id == user.pk
        and user.is_active
    )


# Read the plan: managers, supervisors, peer workers and evaluators of the organization.
rules.add_perm(
    "planning.view_plan",
    has_role_in_org(Role.MANAGER, Role.SUPERVISOR, Role.PEER_WORKER, Role.EVALUATOR),
)
# Start the plan, add phases, actions and milestones, set the gate: organization-wide
# managers.
rules.add_perm("planning.manage_plan", org_wide_manager)
# Change every field of an action: managers over the action's place (a site manager for
# actions at their site or its teams).
rules.add_perm("planning.change_action", has_role_over(Role.MANAGER))
# Status, notes and evidence of completion: the action's owner too.
rules.add_perm(
    "planning.update_action_progress",
    has_role_over(Role.MANAGER) | (has_role_in_org(*Role.values) & is_action_owner),
)
# The readiness gate shows survey figures: the same readers as survey results.
rules.add_perm("planning.view_gate", has_role_over(Role.MANAGER, Role.EVALUATOR))

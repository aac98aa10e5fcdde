"""Workforce permissions (see docs/permissions.md and docs/workforce.md).

Most rules are checked against a ``selectors.Worker``: a peer worker with their placement
teams. "Over a placement" means the user holds the role over one of the worker's teams.
The worker's supervisors are those assigned on the profile, or, when none is assigned,
the peer supervisors over one of the worker's teams.
"""

from __future__ import annotations

import rules

from peerway.core.permissions import has_role_in_org, has_role_over, roles_over
from peerway.core.roles import Role

from .models import Accommodation, SupervisionSession
from .selectors import StaffMember, Worker, worker_supervisor_ids


@rules.predicate
def is_self(user, worker=None) -> bool:
    return isinstance(worker, Worker) and user.is_authenticated and user.pk == worker.user.pk


def role_over_placement(*roles_needed: str):
    wanted = set(roles_needed)

    @rules.predicate(name=f"role_over_placement({','.join(sorted(wanted))})")
    def predicate(user, worker=None) -> bool:
        if not isinstance(worker, Worker):
            return False
        places = worker.teams or [worker.organization]
        return any(roles_over(user, place) & wanted for place in places)

    return predicate


@rules.predicate
def is_workers_supervisor(user, worker=None) -> bool:
    if not isinstance(worker, Worker) or not user.is_authenticated:
        return False
    return user.pk in worker_supervisor_ids(worker)


@rules.predicate
def writes_or_receives_session(user, session=None) -> bool:
    return isinstance(session, SupervisionSession) and user.pk in (
        session.worker_id,
        session.supervisor_id,
    )


@rules.predicate
def is_accommodation_party(user, accommodation=None) -> bool:
    return isinstance(accommodation, Accommodation) and user.pk == accommodation.worker_id


@rules.predicate
def is_staff_self(user, member=None) -> bool:
    return isinstance(member, StaffMember) and user.is_authenticated and user.pk == member.pk


def role_over_staff(*roles_needed: str):
    """The user holds one of the roles over one of the places of the member's roles."""
    wanted = set(roles_needed)

    @rules.predicate(name=f"role_over_staff({','.join(sorted(wanted))})")
    def predicate(user, member=None) -> bool:
        if not isinstance(member, StaffMember):
            return False
        return any(roles_over(user, place) & wanted for place in member.places)

    return predicate


manager_over = role_over_placement(Role.MANAGER)
supervisor_over = role_over_placement(Role.SUPERVISOR)
colleague_over = role_over_placement(Role.PEER_WORKER, Role.CLINICIAN)
hr_over = role_over_placement(Role.HR)

# A worker's profile page: the worker, managers and supervisors over a placement, the
# worker's supervisors, colleagues on a placement team (who see only what the worker shares
# with the team) and human resources over a placement (who see no lived-experience answer).
# Administrators and evaluators: no.
rules.add_perm(
    "workforce.view_profile",
    is_self | manager_over | supervisor_over | is_workers_supervisor | colleague_over | hr_over,
)
# Employment details (FTE, contract, pay band, dates, status).
rules.add_perm(
    "workforce.view_employment",
    is_self | manager_over | supervisor_over | is_workers_supervisor | hr_over,
)
rules.add_perm("workforce.manage_employment", manager_over | hr_over)
# Lived-experience and identity attributes: set by the worker alone.
rules.add_perm("workforce.edit_disclosure", is_self)
# Supervision list (never the notes): worker, managers and supervisors over a placement.
rules.add_perm(
    "workforce.view_supervision", is_self | manager_over | supervisor_over | is_workers_supervisor
)
rules.add_perm("workforce.log_supervision", is_workers_supervisor & ~is_self)
# Supervision notes: the supervisor who wrote them and the worker they are about.
rules.add_perm("workforce.read_supervision_notes", writes_or_receives_session)
# Wellbeing: the worker checks in and sees results; their supervisors see completion (and
# results or an alert only when the worker chose so).
rules.add_perm("workforce.check_in", is_self)
rules.add_perm("workforce.view_wellbeing_status", is_self | is_workers_supervisor)
# The support resources offered after a high-burnout check-in: managers and administrators.
rules.add_perm("workforce.manage_wellbeing_resources", has_role_over(Role.MANAGER, Role.ADMIN))
# Accommodations: the worker, their supervisors and human resources over a placement.
rules.add_perm("workforce.view_accommodations", is_self | is_workers_supervisor | hr_over)
rules.add_perm("workforce.manage_accommodations", (is_workers_supervisor | hr_over) & ~is_self)
rules.add_perm("workforce.request_accommodation", is_self)
# Overview of the workforce: managers, supervisors and human resources of the org (the
# lists are scoped to the teams they oversee). Supervision overview: managers and
# supervisors.
rules.add_perm("workforce.view_workforce", has_role_in_org(Role.MANAGER, Role.SUPERVISOR, Role.HR))
rules.add_perm(
    "workforce.view_team_workforce", has_role_over(Role.MANAGER, Role.SUPERVISOR, Role.HR)
)
rules.add_perm(
    "workforce.view_supervision_overview", has_role_in_org(Role.MANAGER, Role.SUPERVISOR)
)
# Own workforce pages (my profile, disclosure, wellbeing): peer workers of the org.
rules.add_perm("workforce.own_pages", has_role_in_org(Role.PEER_WORKER))
# A supervisor's own setting (peer experience, used only in aggregate shares).
rules.add_perm("workforce.supervisor_settings", has_role_in_org(Role.SUPERVISOR))

# Training and certifications: the person, and managers, human resources and supervisors
# over one of the places where the person holds a role; recorded by managers and human
# resources. Compliance per team: managers, supervisors and human resources over the team.
rules.add_perm(
    "workforce.view_training",
    is_staff_self | role_over_staff(Role.MANAGER, Role.HR, Role.SUPERVISOR),
)
rules.add_perm("workforce.manage_training", role_over_staff(Role.MANAGER, Role.HR))
rules.add_perm("workforce.view_compliance", has_role_over(Role.MANAGER, Role.SUPERVISOR, Role.HR))
# One's own in-app notifications: any member of the organization.
rules.add_perm("workforce.own_notifications", has_role_in_org(*Role.values))
# Peer network events: seen by peer workers, supervisors, managers and human resources of
# the organization; created, and attendance recorded, by managers and supervisors.
rules.add_perm(
    "workforce.view_network",
    has_role_in_org(Role.PEER_WORKER, Role.SUPERVISOR, Role.MANAGER, Role.HR),
)
rules.add_perm("workforce.manage_network", has_role_in_org(Role.MANAGER, Role.SUPERVISOR))

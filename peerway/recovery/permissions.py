"""Who may see and change recovery plans and boundary and risk events
(docs/permissions.md, docs/recovery-and-safety-events.md).

A plan's place is the person's team; an event's place is the team recorded on it.
"""

from __future__ import annotations

import rules

from peerway.core.permissions import has_role_in_org, has_role_over
from peerway.core.roles import Role
from peerway.support.models import ConsentPurpose, Person
from peerway.support.permissions import in_caseload


def _person_of(obj) -> Person | None:
    if isinstance(obj, Person):
        return obj
    return getattr(obj, "person", None)


@rules.predicate
def shares_notes(user, obj=None) -> bool:
    """The person's latest decision on sharing notes with the clinical team is 'given'."""
    from peerway.support.selectors import has_consent

    person = _person_of(obj)
    return person is not None and has_consent(person, ConsentPurpose.SHARE_NOTES)


@rules.predicate
def is_event_worker(user, event=None) -> bool:
    from .models import SafetyEvent

    return isinstance(event, SafetyEvent) and user.is_authenticated and event.worker_id == user.pk


@rules.predicate
def supervises_event_worker(user, event=None) -> bool:
    """The user is one of the worker's supervisors (assigned, else over a worker's team)."""
    from .models import SafetyEvent
    from .selectors import supervisor_ids_of

    if not isinstance(event, SafetyEvent) or not user.is_authenticated:
        return False
    return user.pk in supervisor_ids_of(event.worker, event.organization)


team_leads = has_role_over(Role.MANAGER, Role.SUPERVISOR)
peer_on_team = has_role_over(Role.PEER_WORKER)
clinician_on_team = has_role_over(Role.CLINICIAN)
caseload_worker = peer_on_team & in_caseload

# A person's recovery plan (every view audited): the person's peer worker, supervisors and
# managers over the person's team; clinicians over the team only while the person's
# consent to share notes with the clinical team holds. Evaluators and admins never.
rules.add_perm(
    "recovery.view_plan", team_leads | caseload_worker | (clinician_on_team & shares_notes)
)
# Goals, steps and progress are written with the person by their peer worker.
rules.add_perm("recovery.change_plan", caseload_worker)
# The list of plans: roles that work with people.
rules.add_perm(
    "recovery.view_plans",
    has_role_in_org(Role.PEER_WORKER, Role.SUPERVISOR, Role.MANAGER, Role.CLINICIAN),
)

# Boundary and risk events are about a worker's practice: recorded by the person's peer
# worker; seen by that worker, the worker's supervisors and managers over the team;
# reviewed by the worker's supervisors (never by the worker); the follow-up (resolution,
# outcome, debrief) is kept up to date by the worker and their supervisors.
rules.add_perm("recovery.record_event", caseload_worker)
rules.add_perm(
    "recovery.view_event",
    is_event_worker | supervises_event_worker | has_role_over(Role.MANAGER),
)
rules.add_perm("recovery.update_event", is_event_worker | supervises_event_worker)
rules.add_perm("recovery.review_event", supervises_event_worker & ~is_event_worker)
# The events screen (own events, the supervision queue, the team's events).
rules.add_perm(
    "recovery.view_events", has_role_in_org(Role.PEER_WORKER, Role.SUPERVISOR, Role.MANAGER)
)

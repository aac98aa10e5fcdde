"""Who may see and do what in the peer support service (docs/permissions.md).

Objects checked: a team (for creating records there), a person, a referral, a match, a
contact. Their place is their team.
"""

from __future__ import annotations

import rules

from peerway.core.permissions import has_role_in_org, has_role_over
from peerway.core.roles import Role


@rules.predicate
def in_caseload(user, obj=None) -> bool:
    """The user is the peer worker of an open relationship with the person."""
    from .models import PeerRelationship, Person

    person = getattr(obj, "person", None) if not isinstance(obj, Person) else obj
    if person is None or not user.is_authenticated:
        return False
    return PeerRelationship.objects.filter(
        person=person, worker=user, ended_on__isnull=True
    ).exists()


@rules.predicate
def created_by_user(user, obj=None) -> bool:
    from .models import Person

    person = getattr(obj, "person", None) if not isinstance(obj, Person) else obj
    return person is not None and user.is_authenticated and person.created_by_id == user.pk


team_staff = has_role_over(Role.MANAGER, Role.SUPERVISOR, Role.CLINICIAN)
team_leads = has_role_over(Role.MANAGER, Role.SUPERVISOR)
peer_on_team = has_role_over(Role.PEER_WORKER)

# A person's record (always audited when opened): managers, supervisors and clinicians
# over the person's team; a peer worker for their caseload and for people they recorded.
rules.add_perm("support.view_person", team_staff | (peer_on_team & (in_caseload | created_by_user)))
# Edit identifiers, preferences, record consent: the same, except clinicians record consent
# and preferences too (they refer); evaluators and admins never.
rules.add_perm(
    "support.change_person", team_staff | (peer_on_team & (in_caseload | created_by_user))
)
# Refer someone to a team: clinicians (referrals in) and peer workers (self and family
# referrals) over the team; managers and supervisors too.
rules.add_perm(
    "support.refer", has_role_over(Role.CLINICIAN, Role.PEER_WORKER, Role.MANAGER, Role.SUPERVISOR)
)
# Triage, match and move referrals: supervisors and managers over the team.
rules.add_perm("support.manage_referrals", team_leads)
# A clinician follows the referrals they made.
rules.add_perm("support.view_referral", team_leads | has_role_over(Role.CLINICIAN) | in_caseload)
# The service lists (people, referrals) at all: roles that work with people.
rules.add_perm(
    "support.use_service",
    has_role_in_org(Role.MANAGER, Role.SUPERVISOR, Role.CLINICIAN, Role.PEER_WORKER),
)
# The matching screen (open referrals of the teams one leads): managers and supervisors
# anywhere in the organization; each list is then scoped to the teams they lead.
rules.add_perm("support.use_matching", has_role_in_org(Role.MANAGER, Role.SUPERVISOR))
# Declare that a peer worker must never be matched with a person: supervisors, managers
# and clinicians over the person's team.
rules.add_perm("support.manage_conflicts", team_staff)
# Response targets per urgency (the organization's policy): organization-wide managers.
rules.add_perm("support.manage_settings", has_role_over(Role.MANAGER))
# A person's name (decision 28: Partial name search within the user's own scope): those who
# work with the person directly: supervisors and clinicians over the team, peer workers for
# their caseload and for the people they recorded. Managers (implementation leads and
# program managers) follow the service by code; they never see or search names.
names_staff = has_role_over(Role.SUPERVISOR, Role.CLINICIAN)
rules.add_perm("support.see_names", names_staff | (peer_on_team & (in_caseload | created_by_user)))

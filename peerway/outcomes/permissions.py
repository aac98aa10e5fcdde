"""Who may give, see and follow up outcome measures (docs/outcomes.md, docs/permissions.md).

Objects checked: an organization (lists, settings), a team (its schedule), a person (their
measures), a safety task. Their place is their team.
"""

from __future__ import annotations

import rules

from peerway.core.permissions import has_role_in_org, has_role_over
from peerway.core.roles import Role
from peerway.support.permissions import in_caseload


@rules.predicate
def is_assignee(user, task=None) -> bool:
    if task is None or not user.is_authenticated:
        return False
    return task.assignments.filter(user=user).exists()


@rules.predicate
def notes_shared_with_clinicians(user, obj=None) -> bool:
    """The person's latest decision on sharing with the clinical team is 'given'."""
    from peerway.support.models import ConsentPurpose, Person
    from peerway.support.selectors import has_consent

    person = obj if isinstance(obj, Person) else getattr(obj, "person", None)
    return person is not None and has_consent(person, ConsentPurpose.SHARE_NOTES)


team_leads = has_role_over(Role.MANAGER, Role.SUPERVISOR)
peer_on_team = has_role_over(Role.PEER_WORKER)
clinician_on_team = has_role_over(Role.CLINICIAN)

# Due lists and safety task lists (then scoped to what each user may see).
rules.add_perm("outcomes.use", has_role_in_org(Role.MANAGER, Role.SUPERVISOR, Role.PEER_WORKER))
# Give a measure (in the app or by one-time link): the person's peer worker, and supervisors
# and managers over the person's team.
rules.add_perm("outcomes.administer", team_leads | (peer_on_team & in_caseload))
# Answers item by item and every score: the same people.
rules.add_perm("outcomes.view_answers", team_leads | (peer_on_team & in_caseload))
# Totals and bands only (never answers): also clinicians over the person's team, while the
# person agrees to share with the clinical team. Evaluators never see individual results.
rules.add_perm(
    "outcomes.view_scores",
    team_leads | (peer_on_team & in_caseload) | (clinician_on_team & notes_shared_with_clinicians),
)
# A safety task: its assignees, and supervisors and managers over the person's team.
rules.add_perm("outcomes.view_safety_task", is_assignee | team_leads)
rules.add_perm("outcomes.act_on_safety_task", is_assignee | team_leads)
# The organization's safety protocol text: organization-wide managers.
rules.add_perm("outcomes.manage_settings", has_role_over(Role.MANAGER))
# A team's schedule: see it (anyone who gives measures in the org), change it (managers
# over the team).
rules.add_perm("outcomes.manage_schedule", has_role_over(Role.MANAGER))

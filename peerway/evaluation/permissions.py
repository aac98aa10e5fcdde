"""Who may see outcome evaluation and reports (docs/evaluation-and-reports.md,
docs/permissions.md).

Everything here is aggregate: figures over at least ``MIN_N`` people, never a person.
Managers see the places they manage; evaluators the places of their membership (normally
the whole organization). Supervisors, peer workers and clinicians do not: they have their
own people's records, and a place-wide figure adds nothing to their work but exposure of
small groups. Objects checked: an organization (screens, lists), a site or team (the scope
asked for), a report (its scope).
"""

from __future__ import annotations

import rules

from peerway.core.permissions import has_role_in_org, has_role_over
from peerway.core.roles import Role

READER_ROLES = (Role.MANAGER, Role.EVALUATOR)

# The screens and the list of reports: a manager or evaluator anywhere in the organization
# (then scoped to the places they hold that role over).
rules.add_perm("evaluation.use", has_role_in_org(*READER_ROLES))
# Figures or a report for one place (organization, site or team; for a report, its scope).
rules.add_perm("evaluation.view_scope", has_role_over(*READER_ROLES))
# An organization's own test–retest reliabilities for the reliable change index: managers and
# evaluators of the whole organization (checked against the organization: the figure applies
# to every place). No person's data is involved.
rules.add_perm("evaluation.set_reliability", has_role_over(*READER_ROLES))

"""Who may see which dashboard (docs/permissions.md, docs/indicators.md).

- Organization, site and team dashboards: managers and supervisors over the place, and
  evaluators over it, who see aggregates only, with small cells suppressed.
- A worker's dashboard: the worker, the worker's supervisors, and managers over one of the
  worker's teams. Evaluators never see a worker.
- The supervision dashboard and drift alerts: supervisors and managers (each sees their own).
- Clinicians, administrators and other organizations see no dashboard.
"""

from __future__ import annotations

import rules

from peerway.core.permissions import has_role_in_org, has_role_over, roles_over
from peerway.core.roles import Role


def _is_worker(obj) -> bool:
    from peerway.workforce.selectors import Worker

    return isinstance(obj, Worker)


@rules.predicate
def is_the_worker(user, worker=None) -> bool:
    return _is_worker(worker) and user.is_authenticated and worker.user.pk == user.pk


@rules.predicate
def supervises_worker(user, worker=None) -> bool:
    if not _is_worker(worker) or not user.is_authenticated:
        return False
    from peerway.workforce.selectors import worker_supervisor_ids

    return user.pk in worker_supervisor_ids(worker)


@rules.predicate
def manages_worker(user, worker=None) -> bool:
    return _is_worker(worker) and any(Role.MANAGER in roles_over(user, t) for t in worker.teams)


# Figures about places (aggregates; evaluators get them with small cells suppressed).
rules.add_perm(
    "indicators.view_dashboard", has_role_over(Role.MANAGER, Role.SUPERVISOR, Role.EVALUATOR)
)
# Person-level rows (workers by name, links to records): managers and supervisors only.
rules.add_perm("indicators.view_people", has_role_over(Role.MANAGER, Role.SUPERVISOR))
rules.add_perm("indicators.view_worker", is_the_worker | supervises_worker | manages_worker)
rules.add_perm("indicators.view_own", has_role_in_org(Role.PEER_WORKER))
rules.add_perm("indicators.view_supervision", has_role_in_org(Role.SUPERVISOR, Role.MANAGER))
rules.add_perm(
    "indicators.use_dashboards",
    has_role_in_org(Role.MANAGER, Role.SUPERVISOR, Role.EVALUATOR, Role.PEER_WORKER),
)
rules.add_perm("indicators.view_definitions", has_role_in_org(*Role.values))

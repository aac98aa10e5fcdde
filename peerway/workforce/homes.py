"""Workforce pieces of the home page, per role (called by ``peerway.core.views.home``)."""

from __future__ import annotations

from django.utils import timezone, translation

from peerway.core.models import Organization, User
from peerway.core.permissions import roles_anywhere_in
from peerway.core.roles import Role

from . import selectors
from .models import WellbeingCheckIn


def _peer_piece(user: User, organization: Organization) -> dict:
    worker = selectors.own_worker(user, organization)
    training = selectors.training_status(user, organization, {Role.PEER_WORKER})
    return {
        "supervision": selectors.supervision_status(worker),
        "sessions": list(selectors.sessions_of(worker)[:3]),
        "training": training,
        "checkin_due": selectors.checkin_due(worker),
        "checkin_overdue": selectors.checkin_due(worker) <= timezone.localdate(),
        "unread": selectors.notifications_for(user, organization)
        .filter(read_at__isnull=True)
        .count(),
    }


def _supervisor_piece(user: User, organization: Organization) -> dict:
    workers = [
        w
        for w in selectors.supervisees(user, organization)
        if user.has_perm("workforce.log_supervision", w)
    ]
    statuses = selectors.supervision_statuses(workers)
    records = selectors.training_records([w.user for w in workers], organization)
    # An alert only when the worker opted in, and only that: never scores.
    opted_in = [w.user.pk for w in workers if w.profile and w.profile.wellbeing_alert]
    last_checkins: dict[int, object] = {}
    if opted_in:
        for checkin in WellbeingCheckIn.objects.filter(
            organization=organization, worker_id__in=opted_in
        ):  # newest first: the first of each worker is their last
            last_checkins.setdefault(checkin.worker_id, checkin)
    expiring = []
    alerts = []
    for w in workers:
        status = selectors.training_status(
            w.user, organization, {Role.PEER_WORKER}, records=records[w.user.pk]
        )
        if status.expiring or status.expired:
            expiring.append((w, status))
        last = last_checkins.get(w.user.pk)
        if last and last.alert_raised:
            alerts.append((w, last.completed_on))
    return {
        "count": len(workers),
        "overdue": [s for s in statuses if s.overdue],
        "expiring": expiring,
        "alerts": alerts,
    }


def _manager_piece(user: User, organization: Organization) -> dict:
    """Each team the user oversees, with its peer workers' numbers and training compliance:
    figures per team only, kept under the organization's core and workforce data versions
    (``indicators.cache.remember``), so a manager's home does not load every worker of a
    region at each visit. It depends on the user only through the teams they oversee."""
    from peerway.indicators import cache
    from peerway.indicators.versions import WORKFORCE

    # The value is computed for exactly the teams in its key: a team opened between reading
    # them and computing would otherwise be stored under another reader's key.
    teams = tuple(selectors.workforce_teams(user, organization).values_list("pk", flat=True))
    return cache.remember(
        "workforce-home",
        organization,
        (WORKFORCE,),
        lambda: _manager_figures(user, organization, teams),
        extra=(teams, translation.get_language()),
    )


def _manager_figures(user: User, organization: Organization, team_ids=None) -> dict:
    """The summary for ``team_ids`` (by default, the teams the user oversees now)."""
    from peerway.core.models import Team

    rows = []
    if team_ids is None:
        overview = selectors.workforce_overview(user, organization)
    else:
        overview = selectors.workforce_overview(
            user, organization, teams=Team.objects.filter(pk__in=team_ids)
        )
    compliances = selectors.teams_compliance([row.team for row in overview])
    for row in overview:
        compliance = compliances[row.team.pk]
        contracts: dict[str, int] = {}
        for w in row.workers:
            if w.profile:
                label = str(w.profile.get_contract_type_display())
                contracts[label] = contracts.get(label, 0) + 1
        rows.append(
            {
                "team": row.team,
                "peers": len(row.workers),
                "fte": row.total_fte,
                "contracts": sorted(contracts.items()),
                "lone": row.lone_peer,
                "compliant": sum(1 for s in compliance.rows if s.compliant),
                "staff": len(compliance.rows),
            }
        )
    return {"rows": rows, "lone_teams": sum(1 for r in rows if r["lone"])}


def home_context(user: User, organization: Organization) -> dict:
    roles = roles_anywhere_in(user, organization)
    context: dict = {}
    if Role.PEER_WORKER in roles:
        context["workforce_peer"] = _peer_piece(user, organization)
    if Role.SUPERVISOR in roles:
        context["workforce_supervisor"] = _supervisor_piece(user, organization)
    if roles & {Role.MANAGER, Role.HR}:
        context["workforce_manager"] = _manager_piece(user, organization)
    return context

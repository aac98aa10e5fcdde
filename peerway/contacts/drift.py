"""Peer drift from the rollups: the share of logged minutes in out-of-scope tasks.

Definition (docs/contacts.md, "Drift"): for a worker on a team (or a whole team) and a
calendar month, out-of-scope minutes ÷ all minutes attributed to activities, where
"out of scope" and the threshold come from the role definition version approved for the
team *now* (else the taxonomy's default scope and the default threshold). A row is
flagged when its share is above the threshold. Reads rollups only (monthly rows for whole
months, daily rows for partial ones), never raw contacts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peerway.core.models import Organization, Team
from peerway.planning import taxonomy
from peerway.planning.models import DEFAULT_DRIFT_THRESHOLD_PERCENT
from peerway.planning.roles.selectors import approved_version_for_team

from . import rollups
from .models import ALL_ACTIVITIES


@dataclass(frozen=True)
class Scope:
    out_of_scope: frozenset[str]
    threshold_percent: int
    approved: bool


@dataclass(frozen=True)
class DriftRow:
    month: dt.date
    team_id: int
    worker_id: int | None  # None: the whole team
    minutes: int
    out_of_scope_minutes: int
    threshold_percent: int
    approved: bool

    @property
    def percent(self) -> float:
        return round(100 * self.out_of_scope_minutes / self.minutes, 1) if self.minutes else 0.0

    @property
    def over_threshold(self) -> bool:
        # Compared exactly (not the rounded percent): above means strictly above.
        return self.out_of_scope_minutes * 100 > self.threshold_percent * self.minutes


def scope_for(team: Team) -> Scope:
    version = approved_version_for_team(team)
    if version is None:
        _in, out = taxonomy.default_scope()
        return Scope(frozenset(out), DEFAULT_DRIFT_THRESHOLD_PERCENT, False)
    return Scope(frozenset(version.out_of_scope), version.drift_threshold_percent, True)


def drift(
    organization: Organization,
    *,
    by: str = "worker",
    start: dt.date | None = None,
    end: dt.date | None = None,
    teams=None,
) -> list[DriftRow]:
    """Drift per month and per worker on a team (``by="worker"``) or per team
    (``by="team"``), for days in [start, end]."""
    if by not in ("worker", "team"):
        raise ValueError(by)
    keys = ["team_id", "activity"] + (["worker_id"] if by == "worker" else [])
    filters = {} if teams is None else {"team__in": teams}
    grouped = rollups.totals(
        organization,
        start=start,
        end=end,
        keys=keys,
        exclude={"activity": ALL_ACTIVITIES},
        **filters,
    )
    scopes: dict[int, Scope] = {}
    team_objects = {t.pk: t for t in Team.objects.filter(site__organization=organization)}
    sums: dict[tuple, list[int]] = {}
    for (month, team_id, activity, *worker), row in grouped.items():
        if team_id not in scopes:
            scopes[team_id] = scope_for(team_objects[team_id])
        key = (month, team_id, worker[0] if worker else None)
        total = sums.setdefault(key, [0, 0])
        total[0] += row["minutes"]
        if activity in scopes[team_id].out_of_scope:
            total[1] += row["minutes"]
    result = [
        DriftRow(
            month=month,
            team_id=team_id,
            worker_id=worker_id,
            minutes=minutes,
            out_of_scope_minutes=out,
            threshold_percent=scopes[team_id].threshold_percent,
            approved=scopes[team_id].approved,
        )
        for (month, team_id, worker_id), (minutes, out) in sums.items()
    ]
    result.sort(key=lambda r: (r.month, r.team_id, r.worker_id or 0))
    return result

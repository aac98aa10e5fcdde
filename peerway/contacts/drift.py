"""Peer drift from the rollups: the share of logged minutes in out-of-scope tasks.

Definition (docs/contacts.md, "Drift"): for a worker on a team (or a whole team) and a
calendar month, out-of-scope minutes ÷ all minutes attributed to activities, where
"out of scope" and the threshold come from the role definition version approved for the
team *now* (else the taxonomy's default scope and the default threshold); a definition not
written for the team's type leaves that type's core work in scope (family peer support on a
family support team). A row is
flagged when its share is above the threshold. Reads rollups only (monthly rows for whole
months, daily rows for partial ones), never raw contacts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When

from peerway.core.models import Organization, Team
from peerway.planning.models import DEFAULT_DRIFT_THRESHOLD_PERCENT
from peerway.planning.roles.selectors import approved_versions_by_type, in_force, scope_codes

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
    """One team's out-of-scope codes and threshold (``scopes_for`` for many teams)."""
    return scopes_for(team.site.organization, [team])[team.pk]


def scopes_for(organization: Organization, teams) -> dict[int, Scope]:
    """Out-of-scope codes and threshold per team, from the role definition version approved
    for the team's type, else the organization-wide one, else the taxonomy's default scope
    and the default threshold (one query for all teams)."""
    by_type = approved_versions_by_type(organization)
    scopes = {}
    for team in teams:
        version = in_force(by_type, team.team_type)
        _in, out_codes = scope_codes(version, team.team_type)
        if version is None:
            scopes[team.pk] = Scope(frozenset(out_codes), DEFAULT_DRIFT_THRESHOLD_PERCENT, False)
        else:
            scopes[team.pk] = Scope(frozenset(out_codes), version.drift_threshold_percent, True)
    return scopes


def out_of_scope_minutes(scopes: dict[int, Scope]):
    """An aggregate of the minutes logged on each team's out-of-scope codes, or None when
    no team has any (teams sharing a scope share one condition: one per role definition,
    not one per team)."""
    teams_by_codes: dict[frozenset[str], list[int]] = {}
    for team_id, scope in scopes.items():
        if scope.out_of_scope:
            teams_by_codes.setdefault(scope.out_of_scope, []).append(team_id)
    condition = None
    for codes, team_ids in teams_by_codes.items():
        part = Q(team_id__in=sorted(team_ids), activity__in=sorted(codes))
        condition = part if condition is None else condition | part
    if condition is None:
        return None
    return Sum(
        Case(When(condition, then=F("minutes")), default=Value(0), output_field=IntegerField())
    )


def drift_rows(
    organization: Organization,
    scopes: dict[int, Scope],
    *,
    by: str,
    start: dt.date | None,
    end: dt.date | None,
    **filters,
) -> list[DriftRow]:
    """Drift rows for the teams in ``scopes`` (their out-of-scope codes and thresholds),
    summed in the database: one row per month, team (and worker) comes back, whatever the
    number of activity codes."""
    if by not in ("worker", "team"):
        raise ValueError(by)
    out = out_of_scope_minutes(scopes)
    grouped = rollups.totals(
        organization,
        start=start,
        end=end,
        keys=["team_id"] + (["worker_id"] if by == "worker" else []),
        exclude={"activity": ALL_ACTIVITIES},
        extra={"out": out} if out is not None else None,
        team__in=list(scopes),
        **filters,
    )
    result = [
        DriftRow(
            month=month,
            team_id=team_id,
            worker_id=worker[0] if worker else None,
            minutes=row["minutes"],
            out_of_scope_minutes=row.get("out", 0),
            threshold_percent=scopes[team_id].threshold_percent,
            approved=scopes[team_id].approved,
        )
        for (month, team_id, *worker), row in grouped.items()
    ]
    result.sort(key=lambda r: (r.month, r.team_id, r.worker_id or 0))
    return result


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
    places = Team.objects.filter(site__organization=organization)
    if teams is not None:
        places = places.filter(pk__in=[getattr(t, "pk", t) for t in teams])
    scopes = scopes_for(organization, places)
    return drift_rows(organization, scopes, by=by, start=start, end=end)

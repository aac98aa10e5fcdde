"""Indicators of a place: the dashboard's aggregate figures, from the dashboard's selector
(``place_dashboard``) and suppressed by the dashboard's own cell rule, so the API never
shows a figure the page hides. Never any worker or person."""

import datetime as dt

from django.http import Http404
from ninja import Field, Query, Router, Schema

from peerway.core.models import Site, Team
from peerway.indicators import cache as indicator_cache
from peerway.indicators import disclosure, selectors
from peerway.indicators.views import DEFAULT_MONTHS, PERIOD_CHOICES, acceptance_cell, cell
from peerway.support.models import ReferralSource

from .access import requires
from .common import RecordId, answers, organization

router = Router(tags=["indicators"])


class IndicatorFilters(Schema):
    site: RecordId | None = None
    team: RecordId | None = None
    months: int = Field(
        DEFAULT_MONTHS,
        description="Whole months up to today: " + ", ".join(map(str, PERIOD_CHOICES)),
    )


def place(request, slug: str, filters: IndicatorFilters, **_kwargs):
    """The organization, or one of its sites or teams (404 for any other)."""
    org = organization(request, slug)
    if filters.team is not None:
        found = Team.objects.filter(pk=filters.team, site__organization=org).first()
    elif filters.site is not None:
        found = Site.objects.filter(pk=filters.site, organization=org).first()
    else:
        found = org
    if found is None:
        raise Http404
    return found


class Cell(Schema):
    value: float | None = Field(description="null when suppressed or when there is no data")
    suppressed: bool


class MonthSourceCell(Cell):
    month: dt.date
    source: str


class TeamSourceCell(Cell):
    team: int
    source: str


class TeamMonthCell(Cell):
    team: int
    month: dt.date


class DriftCell(TeamMonthCell):
    threshold_percent: float | None
    over_threshold: bool


class TeamWorkforce(Schema):
    team: int
    team_name: str
    headcount: Cell
    fte: Cell


class IndicatorsOut(Schema):
    level: str
    place_id: int
    start: dt.date
    end: dt.date
    k: int | None = Field(description="Cells with 0 < n < k are suppressed; null: none are.")
    referrals_by_month: list[MonthSourceCell]
    referrals_by_team: list[TeamSourceCell]
    acceptance_percent: Cell
    median_days_to_first_contact: Cell
    contacts_per_person: list[TeamMonthCell]
    drift: list[DriftCell]
    workforce: list[TeamWorkforce]


def _num(c: dict) -> dict:
    value = c["value"]
    return {"value": float(value) if value is not None else None, "suppressed": c["suppressed"]}


@router.get(
    "/o/{slug}/indicators", response=answers(IndicatorsOut), summary="Indicators of a place"
)
@requires("indicators.view_dashboard", obj=place, audit_read="indicators.dashboard_viewed")
def indicators(request, slug: str, filters: Query[IndicatorFilters]):
    target = request.permission_object
    org = organization(request, slug)
    if isinstance(target, Team):
        level, teams = "team", [target]
    elif isinstance(target, Site):
        level, teams = "site", list(Team.objects.filter(site=target).order_by("name"))
    else:
        level = "organization"
        teams = list(Team.objects.filter(site__organization=org).order_by("site__name", "name"))
    months = filters.months if filters.months in PERIOD_CHOICES else DEFAULT_MONTHS
    period = selectors.Period.last_months(months)
    # As on the dashboard: aggregate-only readers (evaluators) get suppressed small cells.
    k = (
        None
        if request.user.has_perm("indicators.view_people", target)
        else (selectors.k_for_evaluators())
    )
    data = indicator_cache.place_dashboard(org, teams=teams, period=period, k=k)
    sources = list(ReferralSource.values)
    # The dashboard's rule (decisions 26 and 36): a source with a small count of any team in
    # any month is hidden by team and by month, here and at every place above the team.
    by_team, by_month = disclosure.referral_cells(
        data.referrals, [t.pk for t in teams], period.months, sources, k
    )
    cpp = []
    for t in teams:
        for m in period.months:
            rate = data.contacts_per_person.get((m, t.pk))
            if rate is not None:
                cpp.append(
                    {"team": t.pk, "month": m, **_num(cell(rate.value, rate.denominator, k))}
                )
    drift = []
    for r in data.drift_by_team:
        c = cell(r.percent, data.drift_workers.get((r.month, r.team_id), 0), k)
        drift.append(
            {
                "team": r.team_id,
                "month": r.month,
                **_num(c),
                "threshold_percent": r.threshold_percent,
                "over_threshold": bool(r.over_threshold and not c["suppressed"]),
            }
        )
    return {
        "level": level,
        "place_id": target.pk,
        "start": period.start,
        "end": period.end,
        "k": k,
        "referrals_by_month": [
            {"month": m, "source": s, **_num(by_month[(m, s)])}
            for m in period.months
            for s in sources
        ],
        "referrals_by_team": [
            {"team": t.pk, "source": s, **_num(by_team[(t.pk, s)])} for t in teams for s in sources
        ],
        "acceptance_percent": _num(acceptance_cell(org, teams, period, data.acceptance, k)),
        "median_days_to_first_contact": _num(cell(data.wait.median_days, data.wait.n, k)),
        "contacts_per_person": cpp,
        "drift": drift,
        "workforce": [
            {
                "team": ts.team.pk,
                "team_name": ts.team.name,
                "headcount": _num(cell(ts.headcount, k=k)),
                "fte": _num(cell(float(ts.fte), ts.headcount, k)),
            }
            for ts in data.structure
        ],
    }

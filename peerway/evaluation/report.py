"""The leadership and funder report: readiness, plan progress, utilization, fidelity,
outcomes, workforce and safety for a period and a scope, with charts, definitions and a methods
appendix, rendered to PDF by WeasyPrint from a self-contained template.

Charts are inline SVG (no image is fetched) and the URL fetcher refuses every URL, so
rendering never touches the disk or the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from peerway.contacts import rollups as contact_rollups
from peerway.contacts.models import ALL_ACTIVITIES
from peerway.core.models import Team
from peerway.indicators import disclosure
from peerway.indicators import selectors as indicators
from peerway.support.models import ReferralSource

from . import analysis, figures
from .periods import Period

# Counts of people or referrals from 1 to 4 are shown as "fewer than 5" (small cells).
SMALL_CELL = 5


def small(n: int) -> int | None:
    """The count, or None when it is a small cell (1 to 4)."""
    return None if 0 < n < SMALL_CELL else n


def _lang() -> str:
    return "fr" if (translation.get_language() or "").startswith("fr") else "en"


# --- readiness ----------------------------------------------------------------------------


def readiness(scope: analysis.Scope, period: Period) -> dict:
    """Closed survey waves up to the period's end (the last four), oldest first: each
    instrument's scales for the whole organization, all audiences together, one column per
    wave. A group below the wave's anonymity threshold shows no figure at all. Organization
    reports only."""
    from peerway.assessments import reports
    from peerway.assessments.models import Wave

    empty = {"waves": [], "rows": []}
    if scope.level != "organization":
        # Survey results are for organization-wide readers (assessments.view_results); a
        # site or team report may be read by a site manager.
        return empty
    lang = _lang()
    waves = Wave.objects.filter(organization=scope.organization, closes_on__lte=period.end)
    waves = [w for w in waves.order_by("-closes_on", "-pk") if w.status() == "closed"][:4]
    waves.reverse()
    rows: dict[tuple[str, str], dict] = {}
    for i, wave in enumerate(waves):
        results = reports.wave_results(wave)
        for code in results.instruments:
            for scale in results.scales.get(code, ()):
                try:
                    cell = results.cell(code, scale)
                except KeyError:
                    continue
                row = rows.setdefault(
                    (code, scale),
                    {
                        "instrument": results.instrument_name(code, lang),
                        "scale": results.scale_name(code, scale, lang),
                        "cells": [None] * len(waves),
                    },
                )
                row["cells"][i] = {
                    "shown": cell.shown,
                    "n": cell.n if cell.shown else None,
                    "mean": cell.mean if cell.shown else None,
                    "k": wave.k,
                }
    if not rows:
        return empty
    return {"waves": waves, "rows": list(rows.values())}


# --- plan progress ------------------------------------------------------------------------


def plan_progress(scope: analysis.Scope, today: date):
    """Progress by phase of the actions that apply to the scope (its team, its site, or the
    whole organization)."""
    from peerway.planning.plan import selectors as plan_selectors

    plan = plan_selectors.plan_for(scope.organization)
    if plan is None:
        return None, []
    actions = list(plan_selectors.actions_for(plan))
    if scope.team:
        actions = [
            a
            for a in actions
            if a.team_id == scope.team.pk
            or (a.team_id is None and a.site_id in (None, scope.team.site_id))
        ]
    elif scope.site:
        actions = [
            a
            for a in actions
            if a.site_id in (None, scope.site.pk)
            and (a.team_id is None or a.team.site_id == scope.site.pk)
        ]
    return plan, plan_selectors.progress_by_phase(plan, actions, today)


# --- utilization, fidelity and workforce (the indicators' definitions) -------------------


def _teams(scope: analysis.Scope) -> list[Team]:
    return list(
        Team.objects.filter(pk__in=scope.team_ids())
        .select_related("site")
        .order_by("site__name", "name")
    )


def _team_name(team: Team) -> str:
    return f"{team.name} ({team.site.name})"


@dataclass(frozen=True)
class Utilization:
    by_source: list[dict]
    referrals: int | None
    # The total is hidden because a source below 5 could be worked out from it.
    referrals_hidden_by_source: bool
    accepted: int | None
    decided: int | None
    # Accepted (and the rate) hidden because offers answered minus accepted would give a
    # count of 1 to 4 declined.
    accepted_hidden_by_declined: bool
    # Hidden because a team under the scope has a small count of its own (decision 36).
    decided_hidden_by_parts: bool
    accepted_hidden_by_parts: bool
    acceptance_rate: float | None
    days_to_first_contact_median: float | None
    days_to_first_contact_p90: float | None
    by_team: list[dict]


def utilization(scope: analysis.Scope, period: Period) -> Utilization:
    """Referrals by source, acceptance, days to first contact and contacts per person per
    month, as peerway.indicators defines them; counts of 1 to 4 are small cells."""
    teams = _teams(scope)
    window = indicators.Period(period.start, period.end)
    org = scope.organization
    counts = indicators.referrals_by_source(org, teams, window)
    sources: dict[str, int] = {}
    for (_month, _team, source), n in counts.items():
        sources[source] = sources.get(source, 0) + n
    # A source's total is the sum of its counts by team and month, which the teams' and
    # places' dashboards publish: it is hidden, as they hide it (decision 36), when any of
    # those counts is small, or a monthly report minus the other teams' dashboards would
    # give a small team's count back.
    team_cells, _month_cells = disclosure.referral_cells(
        counts, [t.pk for t in teams], window.months, sources, SMALL_CELL
    )
    labels = dict(ReferralSource.choices)
    by_source = []
    for code, n in sorted(sources.items()):
        if small(n) is None:
            state = "small"
        elif any(team_cells[(t.pk, code)]["suppressed"] for t in teams):
            state = "parts"
        else:
            state = "shown"
        by_source.append(
            {
                "source": str(labels.get(code, code)),
                "n": n if state == "shown" else None,
                "state": state,
            }
        )
    # Hidden means hidden in every column: the total minus the sources shown would give a
    # hidden source back, and the acceptance rate times the offers answered the accepted.
    any_small_source = any(r["n"] is None for r in by_source)
    rate = indicators.acceptance(org, teams, window)
    wait = indicators.time_to_first_contact(org, teams, window)
    enough = wait.n >= analysis.MIN_N
    rollups = {
        team_id: row
        for (team_id,), row in contact_rollups.totals(
            org,
            start=period.start,
            end=period.end,
            keys=["team_id"],
            sums=["contacts", "minutes"],
            monthly=False,
            team__in=[t.pk for t in teams],
            activity=ALL_ACTIVITIES,
        ).items()
    }
    per_person = indicators.contacts_per_person(org, teams, window)
    by_team = []
    for team in teams:
        months = [r for (_m, t), r in per_person.items() if t == team.pk]
        people_months = sum(r.denominator for r in months)
        row = rollups.get(team.pk)
        if row is None and not people_months:
            continue
        by_team.append(
            {
                "team": _team_name(team),
                "contacts": row["contacts"] if row else 0,
                "hours": round(row["minutes"] / 60, 1) if row else 0,
                # Attendances per person-month with an open relationship (small cells hidden).
                "per_person": round(sum(r.numerator for r in months) / people_months, 1)
                if people_months >= SMALL_CELL
                else None,
            }
        )
    accepted = small(rate.numerator)
    decided = small(rate.denominator)
    # The offers declined are the answered minus the accepted: both shown would give a small
    # count of declines back, so the accepted count (and the rate, accepted ÷ answered) go.
    declined_small = (
        accepted is not None and decided is not None and small(decided - accepted) is None
    )
    if declined_small:
        accepted = None
    # Each team's report prints its own counts, and its dashboard the rate: a count of the
    # scope is hidden when a team under it has 1 to 4 offers answered (for the answered), or
    # answered, accepted or declined (for the accepted and the rate), or the scope's figure
    # less the other teams' would give that team's back (decision 36).
    parts = [
        (r.numerator, r.denominator)
        for r in indicators.acceptance_by_team(org, teams, window).values()
    ]
    decided_by_parts = decided is not None and any(
        disclosure.small(answered, SMALL_CELL) for _accepted, answered in parts
    )
    accepted_by_parts = accepted is not None and disclosure.rate_parts_small(parts, SMALL_CELL)
    if decided_by_parts:
        decided = None
    if accepted_by_parts:
        accepted = None
    return Utilization(
        by_source=by_source,
        referrals=None if any_small_source else small(sum(sources.values())),
        referrals_hidden_by_source=any_small_source and sum(sources.values()) >= SMALL_CELL,
        accepted=accepted,
        decided=decided,
        accepted_hidden_by_declined=declined_small,
        decided_hidden_by_parts=decided_by_parts,
        accepted_hidden_by_parts=accepted_by_parts,
        acceptance_rate=rate.value
        if rate.denominator >= analysis.MIN_N and accepted is not None
        else None,
        days_to_first_contact_median=wait.median_days if enough else None,
        days_to_first_contact_p90=wait.p90_days if enough else None,
        by_team=by_team,
    )


def fidelity(scope: analysis.Scope, period: Period, *, today: date | None = None) -> list[dict]:
    """Drift per team and month from the contact rollups (peerway.indicators.drift), one
    entry per team (its name and threshold said once) with its months in order. The month
    holding ``today``, when the period runs past it, is marked partial (month to date)."""
    teams = _teams(scope)
    names = {t.pk: _team_name(t) for t in teams}
    rows = indicators.drift(
        scope.organization, teams, indicators.Period(period.start, period.end), by="team"
    )
    partial = None
    if today is not None and period.start <= today < period.end:
        partial = indicators.month_start(today)
    by_team: dict[int, dict] = {}
    for r in rows:
        entry = by_team.setdefault(
            r.team_id,
            {
                "team": names.get(r.team_id, str(r.team_id)),
                "threshold": r.threshold_percent,
                "approved": r.approved,
                "months": [],
            },
        )
        entry["months"].append(
            {
                "month": r.month,
                "hours": round(r.minutes / 60, 1),
                "percent": r.percent,
                "threshold": r.threshold_percent,
                "over": r.over_threshold,
                "partial": r.month == partial,
            }
        )
    order = {t.pk: i for i, t in enumerate(teams)}
    out = [by_team[key] for key in sorted(by_team, key=lambda key: order.get(key, len(order)))]
    for entry in out:
        entry["months"].sort(key=lambda m: m["month"])
    return out


def _rate_cell(rate, *, hidden_by: int | None = None, parts=()) -> dict:
    """A rate over workers for the report: ``none`` when there is no worker to count (no peer
    workers is not the same as fewer than 5), ``small`` when 1 to 4, ``hidden_by`` when a
    count it is computed from (``hidden_by``, e.g. leavers) is 1 to 4, ``parts`` when a
    team's count under the place (``parts``) is 1 to 4, which the place's rate would give
    back with the other teams' (decision 36, as on the dashboards), else the value."""
    if not rate.denominator:
        return {"state": "none", "value": None}
    if rate.denominator < SMALL_CELL:
        return {"state": "small", "value": None}
    if hidden_by is not None and small(hidden_by) is None:
        return {"state": "hidden_by", "value": None}
    if any(n and small(n) is None for n in parts):
        return {"state": "parts", "value": None}
    return {"state": "shown", "value": rate.value}


def workforce(scope: analysis.Scope, period: Period) -> dict:
    """Structure per team and workforce figures (peerway.indicators)."""
    teams = _teams(scope)
    window = indicators.Period(period.start, period.end)
    info = indicators.workers(scope.organization, teams, window, include_leavers=True)
    figures_ = indicators.workforce(info, window)
    structure = indicators.structure(teams, info)
    parts = indicators.place_parts(structure, figures_, window)
    # Turnover and retention give the leavers and the workers at the start back: hidden
    # where any team's are small, as on the dashboards (decision 36).
    counts = [n for p in parts for n in (p.leavers, p.employed_at_start)]
    rows = [
        {
            "team": _team_name(row.team),
            "workers": row.headcount,
            "fte": row.fte,
            "lone": row.lone_peer,
            "training": _rate_cell(row.training()),
            "supervision": _rate_cell(row.supervision(period.end)),
        }
        for row in structure
    ]
    return {
        "teams": rows,
        # With no team of 5 or more workers, the two rate columns would be all "not shown".
        "team_rates_shown": any(
            r[key]["state"] == "shown" for r in rows for key in ("training", "supervision")
        ),
        "checkins": _rate_cell(figures_.checkins, parts=[p.checkins.denominator for p in parts]),
        # Turnover times the workers at the start gives the leavers back: hidden with them.
        "turnover": _rate_cell(figures_.turnover, hidden_by=figures_.leavers, parts=counts),
        "retention": _rate_cell(figures_.retention, hidden_by=figures_.leavers, parts=counts),
    }


def safety(scope: analysis.Scope, period: Period) -> dict:
    """Safety tasks raised in the period (peerway.indicators.safety_tasks): how many, median
    minutes to acknowledge and hours to close, escalated, open and overdue. Counts of 1 to
    4 are small cells; a median over fewer than 5 tasks is not shown."""
    teams = _teams(scope)
    window = indicators.Period(period.start, period.end)
    by_team = indicators.safety_tasks(scope.organization, teams, window)
    figures = indicators.SafetyTaskFigures.merged(by_team.values())
    # Each team's dashboard shows its own counts: a count of the scope is hidden when a team
    # under it has 1 to 4, or the scope's less the other teams' would give it (decision 36).
    counts = {
        "tasks": lambda f: f.tasks,
        "escalated": lambda f: f.escalated,
        "open_overdue": lambda f: f.open_overdue,
    }
    parts = {
        key: True
        for key, count in counts.items()
        if small(count(figures)) is not None
        and any(disclosure.small(count(f), SMALL_CELL) for f in by_team.values())
    }
    return {
        "parts": parts,
        "tasks": None if "tasks" in parts else small(figures.tasks),
        "ack_minutes": figures.median_ack_minutes
        if len(figures.ack_minutes) >= SMALL_CELL
        else None,
        "acknowledged": small(len(figures.ack_minutes)),
        "close_hours": figures.median_close_hours
        if len(figures.close_hours) >= SMALL_CELL
        else None,
        "closed": small(len(figures.close_hours)),
        "escalated": None if "escalated" in parts else small(figures.escalated),
        "open_overdue": None if "open_overdue" in parts else small(figures.open_overdue),
    }


# --- the whole report ---------------------------------------------------------------------


def context(scope: analysis.Scope, period: Period, *, today: date) -> dict:
    lang = _lang()
    changes = analysis.outcome_changes(scope, period, lang=lang)
    hospital = analysis.readmission(scope, period, today=today)
    plan, progress = plan_progress(scope, today)
    use = utilization(scope, period)
    changes_chart = figures.change_chart(changes, lang=lang)
    # A chart with no source shown would draw nothing: the table below says why.
    referrals = (
        figures.referrals_chart(use.by_source, lang=lang)
        if any(r["n"] is not None for r in use.by_source)
        else None
    )
    hospital_view = figures.readmission_view(hospital, lang=lang)
    return {
        "scope": scope,
        "period": period,
        "today": today,
        "min_n": analysis.MIN_N,
        "small_cell": SMALL_CELL,
        "readiness": readiness(scope, period),
        "plan": plan,
        "progress": progress,
        "utilization": use,
        "utilization_chart": referrals,
        "referrals_svg": svg_of(referrals),
        "fidelity": fidelity(scope, period, today=today),
        "changes": changes,
        "changes_chart": changes_chart,
        "changes_svg": svg_of(changes_chart),
        "hospital": hospital_view,
        "km_svg": svg_of(hospital_view["chart"]),
        # Every group below the minimum: the section says so once instead of row by row.
        "hospital_all_hidden": bool(hospital_view["groups"])
        and all(g.suppressed for _name, g in hospital_view["groups"]),
        "workforce": workforce(scope, period),
        "safety": safety(scope, period),
        "paired_method": changes[0].result.method if changes else analysis.PAIRED_METHOD,
        "label": analysis.label_text(),
    }


def inline_svg(svg: str) -> str:
    """An SVG document as an element to place in HTML (no XML declaration or doctype)."""
    return re.sub(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", "", svg)


def svg_of(chart) -> str:
    # The SVG comes from vl-convert (our own chart specs), not from user input.
    return mark_safe(inline_svg(chart.svg)) if chart else ""  # noqa: S308


def render_html(scope: analysis.Scope, period: Period, *, today: date, lang: str) -> str:
    code = "fr-ca" if lang.startswith("fr") else "en"
    with translation.override(code):
        return render_to_string(
            "evaluation/report_pdf.html",
            {**context(scope, period, today=today), "LANGUAGE_CODE": code},
        )


def _no_fetching():
    """A WeasyPrint URL fetcher that refuses every URL (the template is self-contained)."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"fetching is disabled: {url}")

    return NoFetching()


def render_pdf(scope: analysis.Scope, period: Period, *, today: date, lang: str) -> bytes:
    from weasyprint import HTML

    html = render_html(scope, period, today=today, lang=lang)
    return HTML(string=html, url_fetcher=_no_fetching()).write_pdf()

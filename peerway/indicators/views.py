"""Dashboards (namespace "indicators"): organization, site, team, supervision and worker
views, and the indicator definitions. Figures come from ``selectors``; this module turns
them into tables and charts, suppressing small cells for aggregate-only readers."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core import selectors as core_selectors
from peerway.core.access import requires
from peerway.core.models import Site, Team
from peerway.planning import taxonomy

from . import cache, disclosure, registry, selectors, services
from .disclosure import derived, total
from .models import DriftAlert

PERIOD_CHOICES = (1, 3, 6, 12)
DEFAULT_MONTHS = 6


def _lang() -> str:
    return "fr" if (get_language() or "").startswith("fr") else "en"


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _site(request, slug, pk, **kwargs):
    org = core_selectors.get_organization(request.user, slug)
    site = Site.objects.filter(organization=org, pk=pk).select_related("organization").first()
    if site is None:
        raise Http404
    return site


def _team(request, slug, pk, **kwargs):
    org = core_selectors.get_organization(request.user, slug)
    team = Team.objects.filter(site__organization=org, pk=pk).select_related("site").first()
    if team is None:
        raise Http404
    return team


def _worker(request, slug, pk, **kwargs):
    from peerway.workforce.selectors import get_worker

    org = core_selectors.get_organization(request.user, slug)
    return get_worker(request.user, org, pk)


def _months(request) -> int:
    try:
        months = int(request.GET.get("months", DEFAULT_MONTHS))
    except ValueError:
        months = DEFAULT_MONTHS
    return months if months in PERIOD_CHOICES else DEFAULT_MONTHS


def _month_label(month: dt.date) -> str:
    # The month abbreviations of the language's DATE_FORMAT (Sept. 2026; sept. 2026), short
    # enough for a chart axis of twelve months.
    return date_format(month, "N Y")


# --- Cells and definitions -----------------------------------------------------------------


def cell(value, n=None, k=None) -> dict:
    """A figure for a template: suppressed when ``0 < n < k`` (aggregate-only readers).
    Columns computed from it go through ``disclosure.derived``/``total``."""
    return disclosure.cell(value, n, k)


def definition(request, organization, code: str, query: str = "") -> dict:
    ind = registry.get(code)
    link = None
    if ind.records and request.user.has_perm(ind.records.perm, organization):
        link = reverse(ind.records.url_name, args=[organization.slug])
        q = "&".join(x for x in (ind.records.query, query) if x)
        if q:
            link += "?" + q
    return {"indicator": ind, "link": link}


# --- Charts --------------------------------------------------------------------------------


def _bar(rows, *, category, value, title, value_label, category_label, lang, decimals=1):
    from peerway.insights.charts import bar_chart_with_ci

    if not rows:
        return None
    return bar_chart_with_ci(
        rows,
        category=category,
        value=value,
        title=title,
        value_label=value_label,
        category_label=category_label,
        decimals=decimals,
        lang=lang,
    )


def _line(rows, *, x, y, series, title, x_label, y_label, series_label, lang, decimals=1):
    """A trend from zero; rows with a true ``partial`` (the month to date) are drawn as an
    open point on a dashed line and labelled, not as a fall."""
    from peerway.insights.charts import line_chart

    if not rows:
        return None
    has_partial = any(r.get("partial") for r in rows)
    return line_chart(
        rows,
        x=x,
        y=y,
        series=series,
        title=title,
        x_label=x_label,
        y_label=y_label,
        series_label=series_label,
        partial="partial" if has_partial else None,
        partial_label=_("month to date") if has_partial else None,
        decimals=decimals,
        lang=lang,
    )


# --- Place dashboards ----------------------------------------------------------------------


def acceptance_cell(organization, teams, period, rate, k) -> dict:
    """The acceptance rate of a place: a rate over each team's offers, whose counts the
    teams' reports print, so hidden where a team's are small (decision 36)."""
    parts = (
        [
            (r.numerator, r.denominator)
            for r in selectors.acceptance_by_team(organization, teams, period).values()
        ]
        if k is not None
        else []
    )
    return disclosure.rate_cell(rate.value, parts, n=rate.denominator, k=k)


def _place_context(
    request, organization, place, teams, *, level: str, safety_tasks: dict | None = None
) -> dict:
    lang = _lang()
    months = _months(request)
    period = selectors.Period.last_months(months)
    people = request.user.has_perm("indicators.view_people", place)
    k = None if people else selectors.k_for_evaluators()
    data = cache.place_dashboard(
        organization, teams=teams, period=period, k=k, lang=lang, safety_tasks=safety_tasks
    )
    names = {t.pk: t.name for t in teams}
    month_labels = {m: _month_label(m) for m in period.months}
    partial = period.partial_month
    not_shown = _("not shown")
    month_to_date = _("month to date")

    # Drift: per team and month (suppressed below k workers for aggregate readers).
    drift_rows = []
    for r in data.drift_by_team:
        contributors = data.drift_workers.get((r.month, r.team_id), 0)
        c = cell(r.percent, contributors, k)
        drift_rows.append(
            {
                "team": names[r.team_id],
                "month": month_labels.get(r.month, r.month),
                "percent": c,
                "threshold": r.threshold_percent,
                # A hidden percentage hides its flag too: "No" would be an answer about it.
                "over": derived(r.over_threshold, c),
                "approved": r.approved,
                "partial": r.month == partial,
            }
        )
    last_month = period.months[-1]
    latest = {r.team_id: r for r in data.drift_by_team if r.month == last_month}
    drift_chart_rows = []
    for t in teams:
        r = latest.get(t.pk)
        if r is None:
            continue
        c = cell(r.percent, data.drift_workers.get((r.month, t.pk), 0), k)
        drift_chart_rows.append(
            {"team": t.name, "percent": c["value"], "note": not_shown if c["suppressed"] else None}
        )
    latest_title = (
        _("Share of minutes on out-of-scope tasks in %(month)s (month to date)")
        if last_month == partial
        else _("Share of minutes on out-of-scope tasks in %(month)s")
    )
    if level == "team" and data.drift_by_team:
        drift_chart = _line(
            [
                {
                    "month": month_labels.get(d.month, str(d.month)),
                    "percent": d.percent,
                    "partial": d.month == partial,
                    "note": month_to_date if d.month == partial else None,
                }
                for d in data.drift_by_team
                if not selectors.small(data.drift_workers.get((d.month, d.team_id), 0), k)
            ],
            x="month",
            y="percent",
            series=None,
            title=_("Share of minutes on out-of-scope tasks, by month"),
            x_label=_("Month"),
            y_label=_("Percent of minutes"),
            series_label=None,
            lang=lang,
        )
    else:
        drift_chart = _bar(
            drift_chart_rows,
            category="team",
            value="percent",
            title=latest_title % {"month": month_labels[last_month]},
            value_label=_("Percent of minutes"),
            category_label=_("Team"),
            lang=lang,
        )
    # One address built per page, not one ``{% url %}`` per row: a region has thousands.
    worker_url = reverse("indicators:worker", args=[organization.slug, 0]).removesuffix("0/")
    worker_rows = [
        {
            "worker": data.workers_by_id.get(r.worker_id),
            "url": f"{worker_url}{r.worker_id}/",
            "team": names[r.team_id],
            "month": month_labels.get(r.month, r.month),
            "partial": r.month == partial,
            "percent": r.percent,
            "threshold": r.threshold_percent,
            "over": r.over_threshold,
        }
        # A site or the organization lists the worker-months above threshold: a region's
        # every worker and month is thousands of rows; each team's dashboard lists all of
        # its own (decision 37).
        for r in data.drift_by_worker
        if level == "team" or r.over_threshold
    ]
    worker_months = len(data.drift_by_worker)

    # Referrals by source and month.
    from peerway.support.models import ReferralSource

    source_labels = dict(ReferralSource.choices)
    sources = list(ReferralSource.values)
    # The team table and the monthly chart are two margins of each source's counts by team
    # and month, and other places' dashboards show the same counts: a source with a small
    # count of any team in any month is hidden in both (decisions 26 and 36).
    team_cells, month_cells = disclosure.referral_cells(
        data.referrals, [t.pk for t in teams], period.months, sources, k
    )
    referral_table = [
        {"month": month_labels[m], "cells": [month_cells[(m, s)] for s in sources]}
        for m in period.months
    ]
    referral_team_table = [
        {"team": t.name, "cells": [team_cells[(t.pk, s)] for s in sources]} for t in teams
    ]
    referral_chart_rows = []
    if data.referrals:
        for s in sources:
            for m in period.months:
                c = month_cells[(m, s)]
                referral_chart_rows.append(
                    {
                        "month": month_labels[m],
                        "source": str(source_labels[s]),
                        "referrals": c["value"],
                        "partial": m == partial,
                        "note": not_shown
                        if c["suppressed"]
                        else (month_to_date if m == partial else None),
                    }
                )
    referral_chart = _line(
        referral_chart_rows,
        x="month",
        y="referrals",
        series="source",
        title=_("Referrals by source and month"),
        x_label=_("Month"),
        y_label=_("Referrals"),
        series_label=_("Source"),
        lang=lang,
        decimals=0,
    )

    # Contacts per person per month.
    cpp_table = []
    for t in teams:
        row = []
        for m in period.months:
            rate = data.contacts_per_person.get((m, t.pk))
            if rate is None:
                row.append({"value": None, "suppressed": False, "empty": True})
            else:
                row.append(cell(rate.value, rate.denominator, k))
        cpp_table.append({"team": t.name, "cells": row})

    # Structure.
    structure_rows = []
    fte_chart_rows = []
    for ts in data.structure:
        n = ts.headcount
        fte = cell(float(ts.fte), n, k)
        structure_rows.append(
            {
                "team": ts.team,
                "headcount": cell(n, k=k),
                "fte": fte,
                "lone": ts.lone_peer,
                "training": cell(ts.training().value, n, k),
                "supervision": cell(ts.supervision(period.end).value, n, k),
                "workers": [] if k is not None else ts.active,
            }
        )
        fte_chart_rows.append(
            {
                "team": ts.team.name,
                "fte": fte["value"],
                "note": not_shown if fte["suppressed"] else None,
            }
        )
    fte_chart = _bar(
        fte_chart_rows,
        category="team",
        value="fte",
        title=_("Peer worker FTE per team"),
        value_label=_("FTE"),
        category_label=_("Team"),
        lang=lang,
        decimals=2,
    )

    # Safety.
    from peerway.recovery.models import ResponsePath

    paths = list(ResponsePath.choices)
    safety_rows = []
    for t in teams:
        s = data.safety[t.pk]
        events = cell(s.boundary.numerator, k=k)
        relationships = cell(s.boundary.denominator, k=k)
        safety_rows.append(
            {
                "team": t.name,
                "events": events,
                "relationships": relationships,
                # rate × relationships / 100 would give a hidden count of events back.
                "rate": derived(s.boundary.value, events, relationships),
                "paths": [cell(s.risk_by_path.get(p, 0), k=k) for p, _label in paths],
            }
        )

    # Safety tasks: medians need k tasks behind them for aggregate-only readers; the "All
    # teams" counts are totals of the team rows, hidden when a team's count is.
    def task_row(label, figures):
        return {
            "team": label,
            "tasks": cell(figures.tasks, k=k),
            "ack": cell(figures.median_ack_minutes, len(figures.ack_minutes) or None, k),
            "close": cell(figures.median_close_hours, len(figures.close_hours) or None, k),
            "escalated": cell(figures.escalated, k=k),
            "overdue": cell(figures.open_overdue, k=k),
        }

    task_rows = [task_row(t.name, data.safety_tasks[t.pk]) for t in teams]
    all_tasks = task_row(
        _("All teams"), selectors.SafetyTaskFigures.merged(data.safety_tasks.values())
    )
    for key in ("tasks", "escalated", "overdue"):
        all_tasks[key] = total(
            all_tasks[key]["value"], [r[key] for r in task_rows], n=all_tasks[key]["value"], k=k
        )
    task_rows.append(all_tasks)

    # Workforce. Each team's dashboard shows its own counts: the place's are hidden when a
    # team's is small (decision 36), and, organization-wide, when those of leavers no longer
    # placed on a team are.
    wf = data.workforce
    parts = selectors.place_parts(data.structure, wf, period) if k is not None else []
    leavers = disclosure.place_cell(wf.leavers, [p.leavers for p in parts], k=k)
    employed_at_start = disclosure.place_cell(
        wf.employed_at_start, [p.employed_at_start for p in parts], k=k
    )
    workforce_figures = {
        # The completion rate times the active workers gives how many checked in: hidden at
        # a place where a team's is (decision 36), as counts are.
        "checkins": disclosure.place_cell(
            wf.checkins.value,
            [p.checkins.denominator for p in parts],
            n=wf.checkins.denominator,
            k=k,
        ),
        "checkins_rate": wf.checkins,
        # Turnover × workers at the start gives the leavers back: hidden with them.
        "turnover": derived(
            cell(wf.turnover.value, wf.turnover.denominator, k)["value"],
            leavers,
            employed_at_start,
            cell(wf.turnover.value, wf.turnover.denominator, k),
        ),
        "retention": derived(
            cell(wf.retention.value, wf.retention.denominator, k)["value"],
            leavers,
            employed_at_start,
            cell(wf.retention.value, wf.retention.denominator, k),
        ),
        "leavers": leavers,
        "employed_at_start": employed_at_start,
    }

    # Readiness and plan.
    readiness_rows = [{"wave": p.wave, "scale": p.scale, "mean": p.mean} for p in data.readiness]
    scales = list(dict.fromkeys(p.scale for p in data.readiness))[:5]
    readiness_chart = _line(
        [r for r in readiness_rows if r["scale"] in scales],
        x="wave",
        y="mean",
        series="scale",
        title=_("Readiness by survey wave (organization, all respondents)"),
        x_label=_("Survey wave"),
        y_label=_("Mean score"),
        series_label=_("Scale"),
        lang=lang,
        decimals=2,
    )

    # Flags with explanations.
    flag_rows = []
    for f in data.flags:
        if f.kind == "drift":
            flag_rows.append(
                {
                    "kind": "drift",
                    "team": f.team,
                    "text": _(
                        "%(team)s: %(percent)s %% of logged minutes went to tasks outside the"
                        " peer role in %(month)s, above the role definition's threshold of"
                        " %(threshold)s %%."
                    )
                    % {
                        "team": f.team.name,
                        "percent": _number(f.row.percent),
                        "month": month_labels.get(f.month, str(f.month)),
                        "threshold": f.row.threshold_percent,
                    },
                    "tasks": [
                        {"label": taxonomy.label(code, lang), "minutes": minutes}
                        for code, minutes in f.tasks
                    ],
                    "factor": _(
                        "Raises the role drift and role clarity factors in the recommendations."
                    ),
                }
            )
        else:
            flag_rows.append(
                {
                    "kind": "lone_peer",
                    "team": f.team,
                    "text": _(
                        "%(team)s has a lone peer worker: no peer colleague on the team to turn"
                        " to for support and advice."
                    )
                    % {"team": f.team.name},
                    "tasks": [],
                    "factor": _(
                        "Raises the peer network and isolation factor in the recommendations."
                    ),
                }
            )
    if k is not None:
        # Aggregate readers see drift flags only where the team's figure is shown.
        shown = {
            (r.team_id, r.month)
            for r in data.drift_by_team
            if not selectors.small(data.drift_workers.get((r.month, r.team_id), 0), k)
        }
        flag_rows = [
            f
            for f, raw in zip(flag_rows, data.flags, strict=True)
            if raw.kind != "drift" or (raw.team.pk, raw.month) in shown
        ]

    acceptance = acceptance_cell(organization, teams, period, data.acceptance, k)
    wait_cell = cell(data.wait.median_days, data.wait.n, k)
    # Referrals counted: a count of each team's too (decision 36).
    wait_n = disclosure.place_cell(
        data.wait.n,
        selectors.first_contacts_by_team(organization, teams, period).values()
        if k is not None
        else [],
        k=k,
    )
    drift_flags = sum(1 for f in flag_rows if f["kind"] == "drift")
    # Where a team's drift is hidden, so is whether it is flagged: the count of drift flags
    # is no answer then (0 would say that no hidden team drifts).
    drift_hidden = any(r["percent"]["suppressed"] for r in drift_rows)
    drift_flag_cell = derived(drift_flags, *(r["percent"] for r in drift_rows))
    lone_teams = sum(1 for ts in data.structure if ts.lone_peer)
    summary = [
        {
            "label": _("Teams above their drift threshold"),
            "cell": drift_flag_cell,
            "decimals": 0,
            "anchor": "flags-h",
            "alert": drift_flags > 0 and not drift_flag_cell["suppressed"],
        },
        {
            "label": _("Teams with a lone peer worker"),
            "cell": disclosure.shown(lone_teams),
            "decimals": 0,
            "anchor": "structure-h",
            "alert": lone_teams > 0,
        },
        {
            "label": _("Acceptance rate"),
            "cell": acceptance,
            "decimals": 1,
            "suffix": "\u00a0%",
            "anchor": "util-h",
        },
        {
            "label": _("Median days from referral to first contact"),
            "cell": wait_cell,
            "decimals": 1,
            "anchor": "util-h",
        },
        {
            "label": _("Safety tasks open and overdue"),
            "cell": task_rows[-1]["overdue"],
            "decimals": 0,
            "anchor": "safety-h",
            "alert": bool(task_rows[-1]["overdue"]["value"]),
        },
        {
            "label": _("Turnover"),
            "cell": workforce_figures["turnover"],
            "decimals": 1,
            "suffix": "\u00a0%",
            "anchor": "workforce-h",
        },
    ]
    if data.plan:
        summary.append(
            {
                "label": _("Plan actions done"),
                "text": _("%(done)s of %(total)s")
                % {
                    "done": sum(p.done for p in data.plan),
                    "total": sum(p.total for p in data.plan),
                },
                "anchor": "readiness-h",
            }
        )
    sections = [
        ("flags-h", _("Flags")),
        ("drift-h", _("Drift")),
        ("util-h", _("Utilization")),
        ("structure-h", _("Structure")),
        ("safety-h", _("Safety")),
        ("workforce-h", _("Workforce")),
        ("readiness-h", _("Readiness and plan")),
    ]

    user = request.user
    sites = [
        site
        for site in Site.objects.filter(organization=organization).order_by("name")
        if user.has_perm("indicators.view_dashboard", site)
    ]
    all_teams = [
        team
        for team in Team.objects.filter(site__organization=organization)
        .select_related("site")
        .order_by("site__name", "name")
        if user.has_perm("indicators.view_dashboard", team)
    ]
    return {
        "organization": organization,
        "level": level,
        "place": place,
        "period": period,
        "months": months,
        "period_choices": PERIOD_CHOICES,
        "k": k,
        "aggregate_only": k is not None,
        "flags": flag_rows,
        "drift_rows": drift_rows,
        "drift_chart": drift_chart,
        "worker_rows": worker_rows,
        "worker_months": worker_months,
        "referral_sources": [source_labels[s] for s in sources],
        "referral_table": referral_table,
        "referral_team_table": referral_team_table,
        "referral_chart": referral_chart,
        "summary": summary,
        "drift_hidden": drift_hidden,
        "sections": sections,
        "partial_month": month_labels.get(partial) if partial else None,
        "acceptance": acceptance,
        "acceptance_rate": data.acceptance,
        "wait": data.wait,
        "wait_cell": wait_cell,
        "wait_n": wait_n,
        "wait_p90": cell(data.wait.p90_days, data.wait.n, k),
        "month_labels": [month_labels[m] for m in period.months],
        "cpp_table": cpp_table,
        "structure_rows": structure_rows,
        "fte_chart": fte_chart,
        "lone_teams": lone_teams,
        "teams_with_peers": sum(1 for ts in data.structure if ts.headcount),
        "safety_rows": safety_rows,
        "safety_task_rows": task_rows,
        "paths": [label for _p, label in paths],
        "workforce": workforce_figures,
        "readiness_rows": readiness_rows,
        "readiness_chart": readiness_chart,
        "plan": data.plan,
        "defs": {code: definition(request, organization, code) for code in registry.BY_CODE},
        "sites": sites,
        "all_teams": all_teams,
        "selected_site": place.pk if level == "site" else None,
        "selected_team": place.pk if level == "team" else None,
        "can_org": user.has_perm("indicators.view_dashboard", organization),
    }


def _number(value) -> str:
    from django.utils.formats import number_format

    return number_format(value, 1)


def _render_place(request, organization, place, teams, level):
    """The dashboard's body is drawn once per reader, place, period and language and kept
    until a write, a new day or a change of the reader's memberships (``cache.dashboard_page``).
    Open safety tasks fall overdue with the clock, not with a write: they are read on every
    request and are part of the key. The audit event is recorded on every view."""
    teams = list(teams)
    months = _months(request)
    period = selectors.Period.last_months(months)
    tasks = selectors.safety_tasks(organization, teams, period)

    def draw() -> str:
        context = _place_context(
            request, organization, place, teams, level=level, safety_tasks=tasks
        )
        return render_to_string("indicators/_dashboard_body.html", context, request=request)

    body = cache.dashboard_page(
        organization,
        request.user,
        extra=(
            level,
            place.pk,
            tuple(t.pk for t in teams),
            period.start.isoformat(),
            period.end.isoformat(),
            get_language(),
            request.get_full_path(),
            selectors.k_for_evaluators(),
            settings.PEERWAY_SUPERVISION_EVERY_DAYS,
            tuple(sorted(tasks.items())),
        ),
        draw=draw,
    )
    audit.record(
        actor=request.user,
        action="indicators.dashboard_viewed",
        obj=place,
        details={"level": level, "months": months},
    )
    context = {"organization": organization, "place": place, "level": level, "body": body}
    return render(request, "indicators/dashboard.html", context)


def _filters_redirect(request, organization):
    """The filter form sends site and team: go to the matching dashboard."""
    months = _months(request)
    team = request.GET.get("team", "")
    site = request.GET.get("site", "")
    if team.isdigit():
        url = reverse("indicators:team", args=[organization.slug, int(team)])
    elif site.isdigit():
        url = reverse("indicators:site", args=[organization.slug, int(site)])
    else:
        return None
    return redirect(f"{url}?months={months}")


@requires("indicators.view_dashboard", obj=_org)
def organization_dashboard(request, slug):
    organization = request.permission_object
    moved = _filters_redirect(request, organization)
    if moved is not None:
        return moved
    teams = Team.objects.filter(site__organization=organization).select_related("site")
    teams = teams.order_by("site__name", "name")
    return _render_place(request, organization, organization, teams, "organization")


@requires("indicators.view_dashboard", obj=_site, audit_read="indicators.dashboard_viewed")
def site_dashboard(request, slug, pk):
    site = request.permission_object
    organization = site.organization
    if "site" in request.GET or "team" in request.GET:
        moved = _filters_redirect(request, organization)
        if moved is not None and moved.url.split("?")[0] != request.path:
            return moved
        if moved is None:
            url = reverse("indicators:organization", args=[organization.slug])
            return redirect(f"{url}?months={_months(request)}")
    teams = Team.objects.filter(site=site).select_related("site").order_by("name")
    return _render_place(request, organization, site, teams, "site")


@requires("indicators.view_dashboard", obj=_team, audit_read="indicators.dashboard_viewed")
def team_dashboard(request, slug, pk):
    team = request.permission_object
    organization = team.site.organization
    if "site" in request.GET or "team" in request.GET:
        moved = _filters_redirect(request, organization)
        if moved is not None and moved.url.split("?")[0] != request.path:
            return moved
        if moved is None:
            url = reverse("indicators:organization", args=[organization.slug])
            return redirect(f"{url}?months={_months(request)}")
    return _render_place(request, organization, team, [team], "team")


# --- Index, worker and supervision ---------------------------------------------------------


@requires("indicators.use_dashboards", obj=_org)
def index(request, slug):
    organization = request.permission_object
    user = request.user
    sites = [
        s
        for s in Site.objects.filter(organization=organization).order_by("name")
        if user.has_perm("indicators.view_dashboard", s)
    ]
    teams = [
        t
        for t in Team.objects.filter(site__organization=organization)
        .select_related("site")
        .order_by("site__name", "name")
        if user.has_perm("indicators.view_dashboard", t)
    ]
    return render(
        request,
        "indicators/index.html",
        {
            "organization": organization,
            "can_org": user.has_perm("indicators.view_dashboard", organization),
            "sites": sites,
            "teams": teams,
            "can_supervise": user.has_perm("indicators.view_supervision", organization),
            "can_own": user.has_perm("indicators.view_own", organization),
        },
    )


@requires("indicators.view_own", obj=_org)
def my_dashboard(request, slug):
    return redirect("indicators:worker", slug=slug, pk=request.user.pk)


@requires("indicators.view_worker", obj=_worker, audit_read="indicators.worker_dashboard_viewed")
def worker_dashboard(request, slug, pk):
    worker = request.permission_object
    organization = worker.organization
    lang = _lang()
    months = _months(request)
    period = selectors.Period.last_months(months)
    data = selectors.worker_dashboard(organization, worker, period=period)
    names = {t.pk: t.name for t in data.teams}
    partial = period.partial_month
    drift_rows = [
        {
            "team": names.get(r.team_id, ""),
            "month": _month_label(r.month),
            "partial": r.month == partial,
            "percent": r.percent,
            "minutes": r.minutes,
            "out": r.out_of_scope_minutes,
            "threshold": r.threshold_percent,
            "over": r.over_threshold,
        }
        for r in data.drift
    ]
    activity_rows = [
        {
            "month": _month_label(m),
            "partial": m == partial,
            "contacts": data.activity.get(m, (0, 0))[0],
            "minutes": data.activity.get(m, (0, 0))[1],
        }
        for m in period.months
    ]
    chart = None
    if len(data.teams) <= 5 and data.drift:
        chart = _line(
            [
                {
                    "month": r["month"],
                    "team": r["team"],
                    "percent": r["percent"],
                    "partial": r["partial"],
                    "note": _("month to date") if r["partial"] else None,
                }
                for r in drift_rows
            ],
            x="month",
            y="percent",
            series="team",
            title=_("Share of my minutes on out-of-scope tasks, by month"),
            x_label=_("Month"),
            y_label=_("Percent of minutes"),
            series_label=_("Team"),
            lang=lang,
        )
    audit.record(
        actor=request.user,
        action="indicators.worker_dashboard_viewed",
        obj=organization,
        details={"worker_id": worker.user.pk, "months": months},
    )
    return render(
        request,
        "indicators/worker.html",
        {
            "organization": organization,
            "worker": worker,
            "own": worker.user.pk == request.user.pk,
            "months": months,
            "period_choices": PERIOD_CHOICES,
            "drift_rows": drift_rows,
            "chart": chart,
            "tasks": [
                {"label": taxonomy.label(code, lang), "minutes": minutes}
                for code, minutes in data.tasks
            ],
            "activity_rows": activity_rows,
            "info": data.info,
            "cadence_met": data.info.cadence_met(period.end) if data.info else False,
            "defs": {c: definition(request, organization, c) for c in ("drift", "supervision")},
        },
    )


@requires("indicators.view_supervision", obj=_org)
def supervision(request, slug):
    organization = request.permission_object
    if request.method == "POST":
        services.mark_alerts_read(actor=request.user, organization=organization)
        return redirect("indicators:supervision", slug=organization.slug)
    lang = _lang()
    months = _months(request)
    period = selectors.Period.last_months(months)
    rows = cache.supervision_dashboard(organization, request.user, period=period)
    alerts = list(
        DriftAlert.objects.filter(organization=organization, recipient=request.user).select_related(
            "worker", "team"
        )[:50]
    )
    team_names = dict(
        Team.objects.filter(site__organization=organization).values_list("pk", "name")
    )
    return render(
        request,
        "indicators/supervision.html",
        {
            "organization": organization,
            "months": months,
            "period_choices": PERIOD_CHOICES,
            "rows": [
                {
                    "worker": r.worker,
                    "drift": r.latest_drift,
                    "drift_team": team_names.get(r.latest_drift.team_id) if r.latest_drift else "",
                    "drift_month": _month_label(r.latest_drift.month) if r.latest_drift else "",
                    "cadence_met": r.cadence_met,
                }
                for r in rows
            ],
            "alerts": [
                {
                    "alert": a,
                    "month": _month_label(a.month),
                    "tasks": [
                        {"label": taxonomy.label(code, lang), "minutes": minutes}
                        for code, minutes in a.tasks
                    ],
                }
                for a in alerts
            ],
            "unread": sum(1 for a in alerts if a.read_at is None),
            "defs": {c: definition(request, organization, c) for c in ("drift", "supervision")},
        },
    )


@requires("indicators.view_definitions", obj=_org)
def definitions(request, slug):
    organization = request.permission_object
    groups = [
        (
            label,
            [
                definition(request, organization, i.code)
                for i in registry.INDICATORS
                if i.group == key
            ],
        )
        for key, label in registry.GROUPS.items()
    ]
    return render(
        request,
        "indicators/definitions.html",
        {"organization": organization, "groups": groups},
    )

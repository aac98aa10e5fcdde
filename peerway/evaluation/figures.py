"""Charts (server-rendered SVG, peerway.insights.charts) and their data tables for the
evaluation screen and the report."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from peerway.insights.charts import bar_chart_with_ci, line_chart
from peerway.insights.stats import ReadmissionResult

from . import analysis

# How far before a drop the previous level is repeated, in days (invisible at chart scale).
STEP = 0.01


def short_name(name: str) -> str:
    """The abbreviation in a questionnaire's name ("... (PHQ-9)" -> "PHQ-9"), else the name:
    long category labels crowd the chart."""
    match = re.search(r"\(([^()]{1,20})\)\s*$", name)
    return match.group(1) if match else name


def change_chart(changes: list[analysis.InstrumentChange], *, lang: str):
    if not changes:
        return None
    rows = []
    for c in changes:
        r = c.result
        rows.append(
            {
                "instrument": short_name(c.name),
                "change": None if r.suppressed else round(r.mean_change, 2),
                "low": None if r.suppressed else round(r.ci_low, 2),
                "high": None if r.suppressed else round(r.ci_high, 2),
                "note": None
                if not r.suppressed
                else _("not shown")
                if c.hidden_by_parts
                else _("fewer than %(n)s complete pairs") % {"n": analysis.MIN_N},
            }
        )
    return bar_chart_with_ci(
        rows,
        category="instrument",
        value="change",
        low="low",
        high="high",
        title=_("Mean change from intake to latest follow-up"),
        value_label=_("Mean change (points)"),
        category_label=_("Questionnaire"),
        decimals=1,
        lang=lang,
    )


def referrals_chart(by_source: list[dict], *, lang: str):
    if not by_source:
        return None
    rows = [
        {
            "source": r["source"],
            "n": r["n"],
            "note": None
            if r["n"] is not None
            else (_("not shown") if r.get("state") == "parts" else _("fewer than 5")),
        }
        for r in by_source
    ]
    return bar_chart_with_ci(
        rows,
        category="source",
        value="n",
        title=_("Referrals by source"),
        value_label=_("Referrals"),
        category_label=_("Source"),
        decimals=0,
        lang=lang,
    )


# The data table beside the Kaplan–Meier chart gives the estimate at these days only, with
# the number still at risk; a count below 5 is not shown (evaluators read this table, and
# day-by-day event counts would single people out).
LANDMARK_DAYS = (0, 7, 14, 30, 60, 90, 180, 365)
SMALL = 5


def landmarks(curve, label: str) -> list[dict]:
    rows = []
    last_time = max(curve.times) if curve.times else 0
    for day in LANDMARK_DAYS:
        if day > last_time:
            break
        s, low, high = 1.0, 1.0, 1.0
        for i, t in enumerate(curve.times):
            if t <= day:
                s, low, high = curve.survival[i], curve.ci_low[i], curve.ci_high[i]
        at_risk = next((curve.at_risk[i] for i, t in enumerate(curve.times) if t >= day), 0)
        rows.append(
            {
                "group": label,
                "days": day,
                "at_risk": at_risk if at_risk >= SMALL else None,
                "s": round(s, 4),
                "low": round(low, 4),
                "high": round(high, 4),
            }
        )
    return rows


def readmission_view(result: ReadmissionResult, *, lang: str) -> dict:
    """Group summaries, readmission proportions, the Kaplan–Meier chart and its table, and
    the log-rank test, with translated group names."""
    name = analysis.group_label
    points, table = [], []
    for curve in result.curves:
        if curve.suppressed:
            continue
        label = name(curve.group)
        points.append({"group": label, "days": 0, "s": 1.0, "low": 1.0, "high": 1.0})
        previous = points[-1]
        for i, t in enumerate(curve.times):
            row = {
                "group": label,
                "days": t,
                "s": round(curve.survival[i], 4),
                "low": round(curve.ci_low[i], 4),
                "high": round(curve.ci_high[i], 4),
            }
            if t > 0:
                # The estimate is a step function: hold the previous level until just before
                # each time, then drop (the line chart joins points with straight lines).
                if row["s"] != previous["s"]:
                    points.append({**previous, "days": t - STEP})
                points.append(row)
                previous = row
        table.extend(landmarks(curve, label))
    chart = None
    if points:
        chart = line_chart(
            points,
            x="days",
            y="s",
            series="group",
            low="low",
            high="high",
            title=_("Share not readmitted (Kaplan–Meier estimate)"),
            x_label=_("Days in the community since discharge"),
            y_label=_("Share not readmitted"),
            series_label=_("Group"),
            domain=(0, 1),
            decimals=2,
            lang=lang,
        )
    return {
        "result": result,
        "groups": [(name(g.group), g) for g in result.groups],
        "proportions": [(name(p.group), p) for p in result.proportions],
        "chart": chart,
        "table": table,
        "logrank": result.logrank,
        "excluded": sum(result.excluded.values()),
    }

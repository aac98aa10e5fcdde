"""CSV and PDF exports of the implementation plan.

CSV cells that a spreadsheet would run as a formula are prefixed (see
``peerway.assessments.analysis.export.safe_text``). The PDF is the print template rendered
by WeasyPrint from a self-contained template (inline styles, system fonts): its URL
fetcher refuses every URL, so rendering never touches the network.
"""

from __future__ import annotations

import csv
import datetime as dt

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from peerway.assessments.analysis.export import safe_text

from ..knowledge import load_knowledge_base
from ..models import ImplementationPlan
from . import gate, selectors


def _scope(action) -> str:
    if action.team_id:
        return _("Team: %(team)s (%(site)s)") % {"team": action.team, "site": action.team.site}
    if action.site_id:
        return _("Site: %(name)s") % {"name": action.site}
    return _("Whole organization")


def _factor_names(codes, lang):
    kb = load_knowledge_base()
    out = []
    for code in codes:
        try:
            out.append(kb.factor(code).name.get(lang))
        except KeyError:
            out.append(code)
    return out


def _eric_names(strategy_code, lang):
    """The action's strategy as ERIC strategies ("35. Identify and prepare champions")."""
    kb = load_knowledge_base()
    try:
        numbers = kb.strategy(strategy_code).eric if strategy_code else ()
    except KeyError:
        return []
    return [f"{n}. {kb.eric_strategy(n).name.get(lang)}" for n in numbers]


def _cfir_names(codes, lang):
    """The CFIR 2.0 constructs of the targeted factors, each once, in factor order."""
    kb = load_knowledge_base()
    out: list[str] = []
    for code in codes:
        try:
            constructs = kb.factor(code).cfir
        except KeyError:
            continue
        for cid in constructs:
            label = f"{cid} {kb.cfir_construct(cid).name.get(lang)}"
            if label not in out:
                out.append(label)
    return out


def rows(plan: ImplementationPlan, *, lang: str, today: dt.date):
    yield [
        _("Phase"),
        _("Action"),
        _("Strategy code"),
        _("Factors targeted"),
        _("Where it applies"),
        _("Owner"),
        _("Due date"),
        _("Status"),
        _("Overdue"),
        _("At risk"),
        _("Completed on"),
        _("Evidence of completion"),
        _("Notes"),
        _("ERIC strategies"),
        _("CFIR 2.0 constructs"),
    ]
    for a in selectors.actions_for(plan):
        yield [
            a.phase.name,
            a.title,
            a.strategy,
            "; ".join(_factor_names(a.factors, lang)),
            _scope(a),
            (a.owner.display_name or a.owner.email) if a.owner else "",
            a.due_on.isoformat() if a.due_on else "",
            a.get_status_display(),
            _("yes") if a.is_overdue(today) else _("no"),
            _("yes") if a.is_at_risk(today) else _("no"),
            a.completed_on.isoformat() if a.completed_on else "",
            a.completion_evidence,
            a.notes,
            "; ".join(_eric_names(a.strategy, lang)),
            "; ".join(_cfir_names(a.factors, lang)),
        ]


def write_csv(out, plan: ImplementationPlan, *, lang: str, today: dt.date) -> int:
    writer = csv.writer(out)
    count = -1
    for row in rows(plan, lang=lang, today=today):
        writer.writerow([safe_text(v) for v in row])
        count += 1
    return count


def print_context(
    plan: ImplementationPlan, *, lang: str, today: dt.date, include_gate: bool = False
) -> dict:
    actions = list(selectors.actions_for(plan))
    return {
        "organization": plan.organization,
        "plan": plan,
        "today": today,
        "progress": selectors.progress_by_phase(plan, actions, today),
        "phases": [
            (
                p,
                [
                    {
                        "a": a,
                        "scope": _scope(a),
                        "factors": _factor_names(a.factors, lang),
                        "overdue": a.is_overdue(today),
                        "at_risk": a.is_at_risk(today),
                    }
                    for a in actions
                    if a.phase_id == p.pk
                ],
            )
            for p in plan.phases.all()
        ],
        "milestones": [(m, m.is_overdue(today)) for m in plan.milestones.select_related("phase")],
        # The gate shows survey figures: only for readers of survey results.
        "gate": gate.evaluate(plan) if include_gate else None,
    }


def _no_fetching():
    """A WeasyPrint URL fetcher that refuses every URL: the PDF template is self-contained
    (inline styles, system fonts), so nothing is ever fetched, from disk or network."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"fetching is disabled: {url}")

    return NoFetching()


def render_html(
    plan: ImplementationPlan, *, lang: str, today: dt.date, include_gate: bool = False
) -> str:
    context = print_context(plan, lang=lang, today=today, include_gate=include_gate)
    return render_to_string("planning/plan/pdf.html", context)


def render_pdf(
    plan: ImplementationPlan, *, lang: str, today: dt.date, include_gate: bool = False
) -> bytes:
    from weasyprint import HTML

    html = render_html(plan, lang=lang, today=today, include_gate=include_gate)
    return HTML(string=html, url_fetcher=_no_fetching()).write_pdf()

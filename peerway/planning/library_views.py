"""The evidence library: factors, strategies, their links and citations, browsable and
searchable in English and French."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from peerway.core import selectors as core_selectors
from peerway.core.access import requires

from . import knowledge_rules  # noqa: F401 - registers the permission
from .knowledge import load_knowledge_base

LEVELS = {
    "macro": _("Macro: system and policy"),
    "meso": _("Meso: organization"),
    "micro": _("Micro: team and person"),
}
SUPPORT_TYPES = {
    "philosophical": _("Philosophical support"),
    "instrumental": _("Instrumental support"),
}
PHASES = {
    "prepare": _("Prepare"),
    "recruit_train": _("Recruit and train"),
    "launch": _("Launch"),
    "sustain": _("Sustain"),
}
STRENGTHS = {
    1: _("plausible"),
    2: _("supported by one source"),
    3: _("supported by several sources"),
}


LAYERS = {
    "peer_support": _("Peer-support evidence"),
    "cfir_eric": _("CFIR–ERIC expert endorsement"),
}


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _lang() -> str:
    return "fr" if (get_language() or "").startswith("fr") else "en"


@requires("planning.view_knowledge", obj=_org)
def library(request, slug):
    org = request.permission_object
    kb = load_knowledge_base()
    lang = _lang()
    query = request.GET.get("q", "").strip()
    level = request.GET.get("level") if request.GET.get("level") in LEVELS else ""
    support = request.GET.get("support") if request.GET.get("support") in SUPPORT_TYPES else ""
    phase = request.GET.get("phase") if request.GET.get("phase") in PHASES else ""
    factors = list(kb.factors)
    strategies = list(kb.strategies)
    if query:
        hits = kb.search(query, lang)
        factor_codes = [h.code for h in hits if h.kind == "factor"]
        strategy_codes = [h.code for h in hits if h.kind == "strategy"]
        factors = [kb.factor(c) for c in factor_codes]
        strategies = [kb.strategy(c) for c in strategy_codes]
    if level:
        factors = [f for f in factors if f.level == level]
        strategies = [s for s in strategies if s.level == level]
    if support:
        factors = [f for f in factors if f.support_type == support]
        strategies = [s for s in strategies if s.support_type == support]
    if phase:
        strategies = [s for s in strategies if s.phase == phase]
    return render(
        request,
        "knowledge/library.html",
        {
            "organization": org,
            "lang": lang,
            "query": query,
            "level": level,
            "support": support,
            "phase": phase,
            "LEVELS": LEVELS,
            "SUPPORT_TYPES": SUPPORT_TYPES,
            "PHASES": PHASES,
            "factors": [
                {
                    "f": f,
                    "name": f.name.get(lang),
                    "level": LEVELS[f.level],
                    "support": SUPPORT_TYPES[f.support_type],
                    "n_strategies": len(kb.links_for_factor(f.code)),
                    "cfir": [_construct(kb, c, lang) for c in f.cfir],
                }
                for f in factors
            ],
            "strategies": [
                {
                    "s": s,
                    "name": s.name.get(lang),
                    "phase": PHASES.get(s.phase, s.phase),
                    "support": SUPPORT_TYPES.get(s.support_type, s.support_type),
                    "eric": [_eric(kb, n, lang) for n in s.eric],
                }
                for s in strategies
            ],
            "counts": (len(kb.factors), len(kb.strategies), len(kb.references)),
        },
    )


def _construct(kb, construct_id: str, lang: str) -> dict:
    construct = kb.cfir_construct(construct_id)
    return {
        "id": construct.id,
        "name": construct.name.get(lang),
        "description": construct.description.get(lang),
        "domain": kb.cfir_domain(construct.domain).name.get(lang),
    }


def _eric(kb, number: int, lang: str) -> dict:
    strategy = kb.eric_strategy(number)
    return {
        "number": number,
        "name": strategy.name.get(lang),
        "cluster": kb.eric_cluster(strategy.cluster).name.get(lang),
    }


def _endorsement_row(kb, endorsement, lang: str) -> dict:
    return {
        "construct": _construct(kb, endorsement.construct, lang),
        "cfir_2009": endorsement.cfir_2009,
        "eric": _eric(kb, endorsement.eric, lang),
        "percent": endorsement.percent,
        "level": endorsement.level,
        "verified": endorsement.verified,
        "respondents": endorsement.respondents,
        "count": endorsement.count,
        "crosswalk": endorsement.crosswalk,
        "complete": endorsement.complete,
        "note": endorsement.note.get(lang) if endorsement.note else "",
        "source": kb.reference(endorsement.source).short,
        "strategies": [
            {"code": s.code, "name": s.name.get(lang)}
            for s in kb.strategies_for_eric(endorsement.eric)
        ],
    }


@requires(
    "planning.view_knowledge", obj=_org, no_record="evidence library entry; no person's record"
)
def frameworks(request, slug):
    """CFIR 2.0 constructs beside Peerway's factors, ERIC strategies beside Peerway's
    strategies, and the CFIR–ERIC expert endorsement layer, with their sources."""
    org = request.permission_object
    kb = load_knowledge_base()
    lang = _lang()
    fw = kb.frameworks
    domains = [
        {
            "id": domain.id,
            "name": domain.name.get(lang),
            "constructs": [
                {
                    **_construct(kb, c.id, lang),
                    "factors": [
                        {"code": f.code, "name": f.name.get(lang)}
                        for f in kb.factors_for_construct(c.id)
                    ],
                }
                for c in fw.constructs
                if c.domain == domain.id
            ],
        }
        for domain in fw.domains
    ]
    clusters = {c.code: c.name.get(lang) for c in fw.clusters}
    eric = [
        {
            "number": e.number,
            "name": e.name.get(lang),
            "cluster": clusters[e.cluster],
            "strategies": [
                {"code": s.code, "name": s.name.get(lang)} for s in kb.strategies_for_eric(e.number)
            ],
        }
        for e in fw.eric
    ]
    sources = [fw.cfir_source, *fw.eric_sources]
    sources += sorted({e.source for e in fw.endorsements} - set(sources))
    return render(
        request,
        "knowledge/frameworks.html",
        {
            "organization": org,
            "domains": domains,
            "eric": eric,
            "endorsements": [_endorsement_row(kb, e, lang) for e in fw.endorsements],
            "references": [
                {
                    "text": kb.format_citation(rid, lang),
                    "verified": kb.reference(rid).verified,
                    "note": kb.reference(rid).note.get(lang) if kb.reference(rid).note else "",
                }
                for rid in sources
            ],
            "counts": {
                "constructs": len(fw.constructs),
                "mapped_constructs": sum(
                    1 for d in domains for c in d["constructs"] if c["factors"]
                ),
                "eric": len(fw.eric),
                "mapped_eric": sum(1 for e in eric if e["strategies"]),
            },
        },
    )


@requires(
    "planning.view_knowledge", obj=_org, no_record="evidence library entry; no person's record"
)
def factor_detail(request, slug, code):
    org = request.permission_object
    kb = load_knowledge_base()
    lang = _lang()
    try:
        factor = kb.factor(code)
    except KeyError as exc:
        raise Http404 from exc
    links = [
        {
            "s": kb.strategy(lk.strategy),
            "name": kb.strategy(lk.strategy).name.get(lang),
            "strength": lk.strength,
            "strength_label": STRENGTHS.get(lk.strength, ""),
            "rationale": lk.rationale.get(lang),
            "unverified": lk.unverified,
            "citations": [kb.format_citation(c, lang) for c in lk.citations],
        }
        for lk in kb.links_for_factor(code)
    ]
    return render(
        request,
        "knowledge/factor.html",
        {
            "organization": org,
            "factor": factor,
            "name": factor.name.get(lang),
            "description": factor.description.get(lang),
            "level": LEVELS[factor.level],
            "support": SUPPORT_TYPES[factor.support_type],
            "items": [
                (i.text("staff", lang), i.text("peer_workers", lang)) for i in factor.checklist
            ],
            "indicators": [i.description.get(lang) for i in factor.indicators],
            "sources": [kb.format_citation(c, lang) for c in factor.sources],
            "links": links,
            "note": factor.note.get(lang) if factor.note else "",
            "cfir": [_construct(kb, c, lang) for c in factor.cfir],
            "endorsed": [
                {
                    **_endorsement_row(kb, m.endorsement, lang),
                    "strategy": kb.strategy(m.strategy),
                    "strategy_name": kb.strategy(m.strategy).name.get(lang),
                    "linked": kb.link(code, m.strategy) is not None,
                }
                for m in kb.endorsed_strategies(code)
            ],
        },
    )


@requires(
    "planning.view_knowledge", obj=_org, no_record="evidence library entry; no person's record"
)
def strategy_detail(request, slug, code):
    org = request.permission_object
    kb = load_knowledge_base()
    lang = _lang()
    try:
        strategy = kb.strategy(code)
    except KeyError as exc:
        raise Http404 from exc
    links = [
        {
            "f": kb.factor(lk.factor),
            "name": kb.factor(lk.factor).name.get(lang),
            "strength": lk.strength,
            "strength_label": STRENGTHS.get(lk.strength, ""),
            "rationale": lk.rationale.get(lang),
        }
        for lk in kb.links_for_strategy(code)
    ]
    return render(
        request,
        "knowledge/strategy.html",
        {
            "organization": org,
            "strategy": strategy,
            "name": strategy.name.get(lang),
            "description": strategy.description.get(lang),
            "steps": [s.get(lang) for s in strategy.first_steps],
            "phase": PHASES.get(strategy.phase, strategy.phase),
            "support": SUPPORT_TYPES.get(strategy.support_type, strategy.support_type),
            "level": LEVELS.get(strategy.level, strategy.level),
            "citations": [kb.format_citation(c, lang) for c in strategy.citations],
            "links": links,
            "eric": [_eric(kb, n, lang) for n in strategy.eric],
        },
    )


@requires(
    "assessments.view_results",
    obj=_org,
    no_record="recommendations from anonymous survey results; no person's record",
)
def recommendations(request, slug, pk):
    """Ranked strategies per team and for the organization, from a closed wave's barriers."""
    from peerway.assessments import reports
    from peerway.assessments import selectors as survey_selectors
    from peerway.assessments.models import Audience

    from .recommend import recommend

    org = request.permission_object
    wave = survey_selectors.get_wave(org, pk)
    lang = _lang()
    context = {"organization": org, "wave": wave, "ready": wave.status() == "closed"}
    profile = reports.wave_barriers(wave) if context["ready"] else None
    if profile is not None:
        kb = load_knowledge_base()
        names = reports.place_names(wave)
        audience_label = str(_("respondents"))
        from .plan import selectors as plan_selectors

        plan = plan_selectors.plan_for(org)
        in_plan, team_in_plan = plan_selectors.strategies_in_plan(plan)
        # Operational indicators (a drifting team, a lone peer) raise a team's factors.
        from peerway.indicators.selectors import operational_signals

        operational = {
            team_id: found
            for team_id, found in operational_signals(org).items()
            if ("team", team_id) in names
        }
        organization, teams = recommend(
            profile, kb=kb, in_plan=in_plan, team_in_plan=team_in_plan, operational=operational
        )
        shown = [g for g in profile.teams() if any(f.shown for f in g.factors)]

        def rows(group, group_name, org_level=False):
            result = []
            for rec in group.recommendations:
                top = rec.evidence[0]
                if org_level:
                    hits = sum(1 for g in shown if g.factor(top.factor).classification == "barrier")
                    factor = top.factor_name.get(lang) or top.factor_name["en"]
                    strategy = rec.strategy_name.get(lang) or rec.strategy_name["en"]
                    explanation = (
                        _("“%(factor)s” is a barrier in %(hits)s of %(teams)s teams shown → %(s)s")
                        % {"factor": factor, "hits": hits, "teams": len(shown), "s": strategy}
                        if hits
                        else _("“%(factor)s” is a barrier for the organization as a whole → %(s)s")
                        % {"factor": factor, "s": strategy}
                    )
                    explanation = f"{explanation} ({top.layer_text(lang)})"
                else:
                    explanation = rec.explain(group_name, audience_label, kb, lang)
                result.append(
                    {
                        "rec": rec,
                        "name": rec.strategy_name.get(lang) or rec.strategy_name["en"],
                        "explanation": explanation,
                        "rationale": top.rationale.get(lang) or top.rationale["en"],
                        "citations": [kb.format_citation(c, lang) for c in top.citations],
                        "other_factors": [
                            e.factor_name.get(lang) or e.factor_name["en"] for e in rec.evidence[1:]
                        ],
                        "phase": PHASES.get(rec.phase, rec.phase),
                        "factors": [e.factor for e in rec.evidence],
                        "cfir": [_construct(kb, c, lang) for c in kb.factor(top.factor).cfir],
                        "eric": [_eric(kb, n, lang) for n in kb.strategy(rec.strategy).eric],
                        "layer": top.layer,
                        "layer_label": LAYERS[top.layer],
                        "layer_text": top.layer_text(lang),
                        "endorsement": top.endorsement,
                    }
                )
            return result

        context.update(
            {
                "organization_rows": rows(organization, org.name, org_level=True),
                "team_rows": [
                    (
                        names.get(("team", g.place_id), str(g.place_id)),
                        rows(g, names.get(("team", g.place_id), "")),
                        g.place_id,
                    )
                    for g in teams
                ],
                "can_plan": request.user.has_perm("planning.manage_plan", org),
                "hidden_teams": [
                    names.get(("team", g.place_id), str(g.place_id))
                    for g in profile.teams()
                    if not any(f.shown for f in g.factors)
                ],
                "audiences": dict(Audience.choices),
            }
        )
    return render(request, "knowledge/recommendations.html", context)

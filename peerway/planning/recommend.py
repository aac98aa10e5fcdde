"""Ranked, explained strategy recommendations from a wave's barrier profile.

Framework-free. The rule (docs/recommendations.md):

    priority = severity × strength × reach × plan_factor

- severity of a factor in a group, from 0 to 1: half from how far the mean falls below the
  scale midpoint (3 − mean) / 2, clipped to [0, 1], and half from the share of respondents
  on the disagree side. Only factors classed "barrier" in a shown group count.
- strength: the knowledge-base link strength (1 plausible, 2 one source, 3 several) / 3.
  A strategy with no peer-support link to the factor can still rank through the second
  layer of evidence, the CFIR–ERIC expert endorsements (Waltz et al. 2019): when its ERIC
  strategy was endorsed for one of the factor's CFIR constructs, it counts as strength 1
  (level 1, at least half the experts) or ½ (level 2, 20–49 %), so it never outranks a
  peer-support link for the same barrier. Each explanation names the layer that ranked it.
- reach: 1 for a team's own list; for the organization's list, the share of shown teams
  where the factor is a barrier (a strategy that helps many teams ranks higher).
- plan_factor: 0.5 when the strategy is already in the implementation plan, else 1.

A strategy linked to several barriers of the same group takes its best-scoring barrier
and lists the others in its explanation. Ties break by strategy code, so the ranking is
deterministic. Suppressed groups never appear: the profile holds no figures for them.

Operational indicators (``operational=``, computed by ``peerway.indicators``) raise a
team's factor: its severity becomes max(OPERATIONAL_FLOOR, severity + OPERATIONAL_BOOST),
capped at 1, whether or not the survey found it a barrier (a drifting team raises role
drift and role clarity; a lone peer raises peer isolation). Only teams whose survey
results are shown get a list, as before.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from peerway.assessments.analysis import BARRIER, BarrierProfile, FactorResult

from .knowledge import KnowledgeBase, load_knowledge_base
from .knowledge.kb import CFIR_ERIC_LAYER, PEER_SUPPORT_LAYER, EndorsedMatch

IN_PLAN_FACTOR = 0.5
OPERATIONAL_BOOST = 0.25
OPERATIONAL_FLOOR = 0.5
# Strength equivalent of an expert endorsement for a strategy with no peer-support link.
ENDORSEMENT_STRENGTH = {1: 1.0, 2: 0.5}
# Indicator code (as in the knowledge base's factors.yaml) → the factors it raises.
OPERATIONAL_FACTORS = {
    "drift_above_threshold": ("role_drift", "role_clarity"),
    "lone_peer_on_team": ("peer_isolation_network",),
}


@dataclass(frozen=True)
class OperationalSignal:
    """A factor raised on a team by an operational indicator, with what was observed
    (``detail``: text per language, e.g. "40 % of minutes out of scope in 2026-11")."""

    indicator: str
    factor: str
    detail: Mapping[str, str]


def raised(severity_value: float) -> float:
    return round(min(1.0, max(OPERATIONAL_FLOOR, severity_value + OPERATIONAL_BOOST)), 6)


def signals(indicator: str, detail: Mapping[str, str]) -> dict[str, OperationalSignal]:
    """The factor → signal entries one indicator raises."""
    return {
        factor: OperationalSignal(indicator, factor, dict(detail))
        for factor in OPERATIONAL_FACTORS[indicator]
    }


def severity(result: FactorResult) -> float:
    if not result.shown or result.classification != BARRIER:
        return 0.0
    below = min(max((3.0 - (result.mean or 3.0)) / 2.0, 0.0), 1.0)
    share = result.share_unfavourable or 0.0
    return round(0.5 * below + 0.5 * share, 6)


@dataclass(frozen=True)
class Evidence:
    factor: str
    factor_name: Mapping[str, str]
    mean: float
    n: int
    n_unfavourable: int
    strength: int
    rationale: Mapping[str, str]
    citations: tuple[str, ...]
    indicator: str | None = None  # an operational indicator raised this factor
    indicator_detail: Mapping[str, str] = field(default_factory=dict)
    # Which layer of evidence ranked the strategy for this factor: PEER_SUPPORT_LAYER (a
    # link, ``strength`` 1–3) or CFIR_ERIC_LAYER (an expert endorsement, ``strength`` 0).
    layer: str = PEER_SUPPORT_LAYER
    # The strongest CFIR–ERIC endorsement for the pair, if any (either layer): the CFIR
    # construct, the ERIC strategy, the percentage, the level and whether it is verified.
    endorsement: Mapping[str, object] | None = None

    def layer_text(self, lang: str) -> str:
        """What ranked it, e.g. "peer-support evidence, link strength 2/3" or "CFIR–ERIC
        expert endorsement: 60 % of experts chose “Audit and provide feedback” …"."""
        if self.layer == CFIR_ERIC_LAYER and self.endorsement:
            e = self.endorsement
            eric = e["eric_name"][lang]  # type: ignore[index]
            construct = e["construct_name"][lang]  # type: ignore[index]
            if lang == "fr":
                text = (
                    f"appui d'experts CFIR–ERIC : {e['percent']} % des experts ont choisi "
                    f"« {eric} » pour l'obstacle « {construct} » (niveau {e['level']}, "
                    f"Waltz et coll. 2019)"
                )
                return text + ("" if e["verified"] else ", non vérifié")
            text = (
                f"CFIR–ERIC expert endorsement: {e['percent']} % of experts chose “{eric}” "
                f"for the “{construct}” barrier (level {e['level']}, Waltz et al. 2019)"
            )
            return text + ("" if e["verified"] else ", unverified")
        if lang == "fr":
            return f"données sur le soutien par les pairs, force du lien {self.strength}/3"
        return f"peer-support evidence, link strength {self.strength}/3"


@dataclass(frozen=True)
class Recommendation:
    strategy: str
    strategy_name: Mapping[str, str]
    phase: str
    owner: str
    priority: float
    in_plan: bool
    reach: float
    evidence: tuple[Evidence, ...] = field(default=())

    def explain(self, group_name: str, audience_label: str, kb: KnowledgeBase, lang: str) -> str:
        """One sentence per recommendation, e.g. 'Team X: 7 of 9 staff on the disagree side
        for Role clarity (mean 2.2) → Co-produce the role description (strength 3/3).'"""
        top = self.evidence[0]
        name = self.strategy_name.get(lang) or self.strategy_name["en"]
        factor = top.factor_name.get(lang) or top.factor_name["en"]
        if top.indicator and not top.n:
            detail = top.indicator_detail.get(lang) or top.indicator_detail.get("en", "")
            if lang == "fr":
                return f"{group_name} : {detail} → « {factor} » → {name} ({top.layer_text(lang)})."
            return f"{group_name}: {detail} → “{factor}” → {name} ({top.layer_text(lang)})."
        mean = f"{top.mean:.1f}".replace(".", ",") if lang == "fr" else f"{top.mean:.1f}"
        if lang == "fr":
            return (
                f"{group_name} : {top.n_unfavourable} sur {top.n} ({audience_label}) du côté "
                f"du désaccord pour « {factor} » (moyenne {mean}) → {name} "
                f"({top.layer_text(lang)})."
            )
        return (
            f"{group_name}: {top.n_unfavourable} of {top.n} ({audience_label}) on the disagree "
            f"side for “{factor}” (mean {mean}) → {name} ({top.layer_text(lang)})."
        )


def _endorsement(kb: KnowledgeBase, match: EndorsedMatch | None) -> dict | None:
    if match is None:
        return None
    e = match.endorsement
    return {
        "construct": e.construct,
        "construct_name": kb.cfir_construct(e.construct).name.as_dict(),
        "cfir_2009": e.cfir_2009,
        "eric": e.eric,
        "eric_name": kb.eric_strategy(e.eric).name.as_dict(),
        "percent": e.percent,
        "level": e.level,
        "verified": e.verified,
        "source": e.source,
    }


def _endorsement_rationale(kb: KnowledgeBase, match: EndorsedMatch) -> dict[str, str]:
    e = match.endorsement
    eric = kb.eric_strategy(e.eric).name
    construct = kb.cfir_construct(e.construct).name
    return {
        "en": (
            f"No peer-support source links this strategy to the factor; it ranks because "
            f"implementation experts endorsed its ERIC strategy “{eric.en}” for the CFIR "
            f"“{construct.en}” barrier, a construct this factor belongs to."
        ),
        "fr": (
            f"Aucune source sur le soutien par les pairs ne relie cette stratégie au facteur; "
            f"elle est classée parce que des experts de la mise en œuvre ont appuyé sa "
            f"stratégie ERIC « {eric.fr} » pour l'obstacle CFIR « {construct.fr} », un "
            f"construit auquel ce facteur appartient."
        ),
    }


def _evidence(
    kb: KnowledgeBase,
    result: FactorResult | OperationalSignal,
    strategy: str,
    signal: OperationalSignal | None = None,
) -> Evidence:
    link = kb.link(result.factor, strategy)
    match = next((m for m in kb.endorsed_strategies(result.factor) if m.strategy == strategy), None)
    if link is not None:
        layer = PEER_SUPPORT_LAYER
        strength, rationale, citations = link.strength, link.rationale.as_dict(), link.citations
    else:
        layer = CFIR_ERIC_LAYER
        strength, rationale = 0, _endorsement_rationale(kb, match)
        citations = (match.endorsement.source,)
    common = {
        "strength": strength,
        "rationale": rationale,
        "citations": tuple(citations),
        "layer": layer,
        "endorsement": _endorsement(kb, match),
    }
    if isinstance(result, OperationalSignal):
        return Evidence(
            factor=result.factor,
            factor_name=kb.factor(result.factor).name.as_dict(),
            mean=0.0,
            n=0,
            n_unfavourable=0,
            indicator=result.indicator,
            indicator_detail=dict(result.detail),
            **common,
        )
    return Evidence(
        factor=result.factor,
        factor_name=dict(result.name),
        mean=float(result.mean or 0.0),
        n=int(result.n or 0),
        n_unfavourable=int(result.n_unfavourable or 0),
        indicator=signal.indicator if signal else None,
        indicator_detail=dict(signal.detail) if signal else {},
        **common,
    )


def candidates(kb: KnowledgeBase, factor: str) -> list[tuple[str, float]]:
    """(strategy, strength equivalent) for a factor from both layers of evidence: every
    peer-support link at its strength, then every strategy endorsed through CFIR–ERIC
    that has no link, at ENDORSEMENT_STRENGTH of its level."""
    found = [(lk.strategy, float(lk.strength)) for lk in kb.links_for_factor(factor)]
    linked = {code for code, _ in found}
    for match in kb.endorsed_strategies(factor):
        if match.strategy not in linked:
            found.append((match.strategy, ENDORSEMENT_STRENGTH[match.endorsement.level]))
    return found


def rank(
    barriers: Iterable[FactorResult],
    *,
    kb: KnowledgeBase,
    in_plan: set[str],
    reach: Mapping[str, float] | None = None,
    limit: int | None = None,
    operational: Mapping[str, OperationalSignal] | None = None,
) -> list[Recommendation]:
    """Rank strategies for one group's barriers (``reach`` per factor, default 1), with
    the factors raised by operational indicators (``operational``: factor → signal)."""
    operational = operational or {}
    best: dict[str, tuple[float, list[tuple[float, FactorResult | OperationalSignal]]]] = {}
    scored: list[tuple[float, FactorResult | OperationalSignal]] = []
    surveyed = set()
    for result in barriers:
        sev = severity(result)
        if result.factor in operational:
            sev = raised(sev)
            surveyed.add(result.factor)
        scored.append((sev, result))
    for factor in sorted(set(operational) - surveyed):
        scored.append((raised(0.0), operational[factor]))
    for sev, result in scored:
        if sev <= 0:
            continue
        factor_reach = (reach or {}).get(result.factor, 1.0)
        for code, strength in candidates(kb, result.factor):
            score = sev * (strength / 3.0) * factor_reach
            if code in in_plan:
                score *= IN_PLAN_FACTOR
            entry = best.setdefault(code, (0.0, []))
            entries = [*entry[1], (score, result)]
            best[code] = (max(entry[0], score), entries)
    recommendations = []
    for code, (score, entries) in best.items():
        strategy = kb.strategy(code)
        entries.sort(key=lambda e: (-e[0], e[1].factor))
        top_factor = entries[0][1].factor
        recommendations.append(
            Recommendation(
                strategy=code,
                strategy_name=strategy.name.as_dict(),
                phase=strategy.phase,
                owner=strategy.owner,
                priority=round(score, 6),
                in_plan=code in in_plan,
                reach=round((reach or {}).get(top_factor, 1.0), 6),
                evidence=tuple(
                    _evidence(kb, r, code, operational.get(r.factor)) for _s, r in entries
                ),
            )
        )
    # On a tie, a peer-support link comes before an expert endorsement, then by code.
    recommendations.sort(
        key=lambda r: (-r.priority, r.evidence[0].layer != PEER_SUPPORT_LAYER, r.strategy)
    )
    return recommendations[:limit] if limit else recommendations


@dataclass(frozen=True)
class GroupRecommendations:
    place_level: str
    place_id: Hashable | None
    recommendations: tuple[Recommendation, ...]


def recommend(
    profile: BarrierProfile,
    *,
    in_plan: set[str] | None = None,
    team_in_plan: Mapping[Hashable, set[str]] | None = None,
    audience: str = "all",
    kb: KnowledgeBase | None = None,
    limit: int = 5,
    operational: Mapping[Hashable, Mapping[str, OperationalSignal]] | None = None,
) -> tuple[GroupRecommendations, list[GroupRecommendations]]:
    """Recommendations for the organization and for each team whose results are shown.

    ``in_plan``: strategies in the plan at any scope (lowers them in the organization's
    list). ``team_in_plan``: per team, the strategies in the plan that apply to it (for the
    organization, its site or the team itself); without it, ``in_plan`` applies to every
    team too. ``operational``: per team id, factor → ``OperationalSignal``, used in the
    lists of teams whose survey results are shown (the organization's list does not use
    them).
    """
    kb = kb or load_knowledge_base()
    in_plan = in_plan or set()
    teams = profile.teams(audience)
    shown_teams = [g for g in teams if any(f.shown for f in g.factors)]
    reach: dict[str, float] = {}
    if shown_teams:
        for factor in (f.factor for f in shown_teams[0].factors):
            hits = sum(1 for g in shown_teams if g.factor(factor).classification == BARRIER)
            reach[factor] = hits / len(shown_teams)
    # The organization's list ranks strategies for barriers found in teams (by reach) and
    # in the organization as a whole.
    team_barriers: dict[str, FactorResult] = {}
    for g in shown_teams:
        for result in g.barriers():
            current = team_barriers.get(result.factor)
            if current is None or severity(result) > severity(current):
                team_barriers[result.factor] = result
    org_profile = profile.for_organization(audience)
    for result in org_profile.barriers():
        team_barriers.setdefault(result.factor, result)
        reach.setdefault(result.factor, 1.0)
    organization = GroupRecommendations(
        "organization",
        None,
        tuple(rank(team_barriers.values(), kb=kb, in_plan=in_plan, reach=reach, limit=limit)),
    )
    per_team = [
        GroupRecommendations(
            "team",
            g.place_id,
            tuple(
                rank(
                    g.barriers(),
                    kb=kb,
                    in_plan=in_plan
                    if team_in_plan is None
                    else team_in_plan.get(g.place_id, set()),
                    limit=limit,
                    operational=(operational or {}).get(g.place_id),
                )
            ),
        )
        for g in shown_teams
    ]
    return organization, per_team

"""Barrier profile from the Peer Integration Barrier Checklist (PIBC). No Django.

Each PIBC scale is one factor of the knowledge base: the mean of its items on a 1–5
agreement scale where agreement is favourable (reverse-keyed items already turned round,
"don't know" not scored). For each group (team, site, organization; all audiences and each
audience) and each factor the profile gives n, mean, SD, 95 % CI, the number of respondents
on the unfavourable side and a classification (barrier / neutral / facilitator) by
``ClassificationRule``. Groups are suppressed exactly as in ``results`` (same counts, same
hierarchy, same algorithm), and a suppressed group reveals nothing.

The planning app consumes ``BarrierProfile`` (or its ``to_dict()``); the data shape is
documented in docs/survey-results.md and is kept stable.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from peerway.instruments.engine import group as stats
from peerway.instruments.engine.loader import version_key
from peerway.planning.knowledge.kb import KnowledgeBase, load_knowledge_base

from .hierarchy import ALL, AUDIENCES, ORGANIZATION, SITE, TEAM, GroupKey
from .results import (
    InstrumentSource,
    ReleaseDecision,
    ResponseRecord,
    _latest,
    _scales_of,
    build_hierarchy,
    instrument_pattern,
    public_reason,
    scale_leaf_values,
    score_records,
)
from .suppression import DEFAULT_K, NO_RESPONSES, check_k, is_suppressed

BARRIER = "barrier"
NEUTRAL = "neutral"
FACILITATOR = "facilitator"
CLASSES = (BARRIER, NEUTRAL, FACILITATOR)
PIBC = "pibc"
_RESERVED = ("level_", "support_")
_DIGITS = 9  # compare means after rounding away floating-point noise (2.4999999999 → 2.5)


@dataclass(frozen=True)
class ClassificationRule:
    """How a factor's result in a group is classed (see docs/survey-results.md).

    A respondent is *unfavourable* when their factor score is below ``unfavourable_below``
    (the scale's neutral midpoint 3: on the disagree side after reverse keying).

    - **barrier** when mean ≤ ``barrier_mean_at_most`` (2.5) **or** the unfavourable share
      ≥ ``barrier_share_at_least`` (60 %);
    - **facilitator** when mean ≥ ``facilitator_mean_at_least`` (3.5) **and** the unfavourable
      share ≤ ``facilitator_share_at_most`` (20 %);
    - **neutral** otherwise. All bounds are inclusive.
    """

    unfavourable_below: float = 3.0
    barrier_mean_at_most: float = 2.5
    barrier_share_at_least: float = 0.6
    facilitator_mean_at_least: float = 3.5
    facilitator_share_at_most: float = 0.2

    def is_unfavourable(self, factor_score: float) -> bool:
        return round(factor_score, _DIGITS) < self.unfavourable_below

    def classify(self, mean: float, n: int, n_unfavourable: int) -> str:
        if n <= 0:
            raise ValueError("cannot classify a group without responses")
        m = round(mean, _DIGITS)
        share = Fraction(n_unfavourable, n)
        if m <= self.barrier_mean_at_most or share >= _fraction(self.barrier_share_at_least):
            return BARRIER
        if m >= self.facilitator_mean_at_least and share <= _fraction(
            self.facilitator_share_at_most
        ):
            return FACILITATOR
        return NEUTRAL

    def to_dict(self) -> dict[str, float]:
        return {
            "unfavourable_below": self.unfavourable_below,
            "barrier_mean_at_most": self.barrier_mean_at_most,
            "barrier_share_at_least": self.barrier_share_at_least,
            "facilitator_mean_at_least": self.facilitator_mean_at_least,
            "facilitator_share_at_most": self.facilitator_share_at_most,
        }


DEFAULT_RULE = ClassificationRule()


def _fraction(value: float) -> Fraction:
    return Fraction(str(value))


@dataclass(frozen=True)
class FactorResult:
    """One factor in one group. Figures and classification are None unless shown.

    ``level`` (macro / meso / micro), ``support_type`` (philosophical / instrumental),
    ``name`` ({"en", "fr"}) and ``unverified`` come from the knowledge base (None / {} /
    False for a scale the knowledge base no longer has). ``place_level``, ``place_id`` and
    ``audience`` name the group. ``reason`` as for result cells.
    """

    factor: str
    level: str | None
    support_type: str | None
    name: Mapping[str, str]
    unverified: bool
    place_level: str
    place_id: Hashable | None
    audience: str
    reason: str | None
    n: int | None = None
    mean: float | None = None
    sd: float | None = None
    ci95_low: float | None = None
    ci95_high: float | None = None
    n_unfavourable: int | None = None
    share_unfavourable: float | None = None
    classification: str | None = None

    def __post_init__(self) -> None:
        if self.reason is not None:
            figures = (
                self.mean,
                self.sd,
                self.ci95_low,
                self.ci95_high,
                self.n_unfavourable,
                self.share_unfavourable,
                self.classification,
            )
            expected_n = 0 if self.reason == NO_RESPONSES else None
            if self.n != expected_n or any(f is not None for f in figures):
                raise ValueError("a factor result that is not shown cannot carry figures")

    @property
    def suppressed(self) -> bool:
        return is_suppressed(self.reason)

    @property
    def shown(self) -> bool:
        return self.reason is None

    @property
    def public_reason(self) -> str | None:
        return public_reason(self.reason)

    def severity_key(self) -> tuple:
        """Most severe first: lowest mean, then largest unfavourable share."""
        return (
            round(self.mean, _DIGITS) if self.mean is not None else float("inf"),
            -(self.share_unfavourable or 0.0),
        )

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        """JSON-ready; ``reason`` is the public reason unless ``detail=True`` (audit only)."""
        return {
            "factor": self.factor,
            "level": self.level,
            "support_type": self.support_type,
            "name": dict(self.name),
            "unverified": self.unverified,
            "place_level": self.place_level,
            "place_id": self.place_id,
            "audience": self.audience,
            "suppressed": self.suppressed,
            "reason": self.reason if detail else self.public_reason,
            "n": self.n,
            "mean": self.mean,
            "sd": self.sd,
            "ci95_low": self.ci95_low,
            "ci95_high": self.ci95_high,
            "n_unfavourable": self.n_unfavourable,
            "share_unfavourable": self.share_unfavourable,
            "classification": self.classification,
        }


@dataclass(frozen=True)
class GroupProfile:
    """Every factor for one group, in knowledge-base order."""

    place_level: str
    place_id: Hashable | None
    audience: str
    factors: tuple[FactorResult, ...]

    def factor(self, code: str) -> FactorResult:
        for result in self.factors:
            if result.factor == code:
                return result
        raise KeyError(f"unknown factor {code!r}")

    def _sorted(self, classification: str, *, strongest_first: bool = False) -> list:
        order = {r.factor: i for i, r in enumerate(self.factors)}
        found = [r for r in self.factors if r.classification == classification]
        if strongest_first:
            return sorted(
                found, key=lambda r: (-r.severity_key()[0], -r.severity_key()[1], order[r.factor])
            )
        return sorted(found, key=lambda r: (*r.severity_key(), order[r.factor]))

    def barriers(self) -> list[FactorResult]:
        """Shown factors classed as barriers, most severe first (lowest mean, then largest
        unfavourable share, then knowledge-base order)."""
        return self._sorted(BARRIER)

    def neutral(self) -> list[FactorResult]:
        return self._sorted(NEUTRAL)

    def facilitators(self) -> list[FactorResult]:
        """Shown factors classed as facilitators, strongest first (highest mean, then smallest
        unfavourable share, then knowledge-base order)."""
        return self._sorted(FACILITATOR, strongest_first=True)

    def not_shown(self) -> list[FactorResult]:
        """Factors without figures (suppressed or no responses): unknown, not "no barrier"."""
        return [r for r in self.factors if not r.shown]

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        return {
            "place_level": self.place_level,
            "place_id": self.place_id,
            "audience": self.audience,
            "factors": [r.to_dict(detail=detail) for r in self.factors],
        }


@dataclass(frozen=True)
class BarrierProfile:
    """The barrier profile of a wave: a ``GroupProfile`` per group."""

    instrument: str
    versions: tuple[str, ...]
    k: int
    rule: ClassificationRule
    audiences: tuple[str, ...]
    groups: Mapping[GroupKey, GroupProfile] = field(repr=False)

    def group(
        self, place_level: str, place_id: Hashable | None, audience: str = ALL
    ) -> GroupProfile:
        return self.groups[GroupKey(place_level, place_id, audience)]

    def for_team(self, team_id: Hashable, audience: str = ALL) -> GroupProfile:
        return self.group(TEAM, team_id, audience)

    def for_site(self, site_id: Hashable, audience: str = ALL) -> GroupProfile:
        return self.group(SITE, site_id, audience)

    def for_organization(self, audience: str = ALL) -> GroupProfile:
        return self.group(ORGANIZATION, None, audience)

    def teams(self, audience: str = ALL) -> list[GroupProfile]:
        return [
            g for key, g in self.groups.items() if key.level == TEAM and key.audience == audience
        ]

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "versions": list(self.versions),
            "k": self.k,
            "rule": self.rule.to_dict(),
            "audiences": list(self.audiences),
            "groups": [g.to_dict(detail=detail) for g in self.groups.values()],
        }


def barrier_profile(
    records: Iterable[ResponseRecord],
    instruments: InstrumentSource,
    *,
    k: int = DEFAULT_K,
    kb: KnowledgeBase | None = None,
    teams: Mapping[Hashable, Hashable] | None = None,
    audiences: Sequence[str] = AUDIENCES,
    rule: ClassificationRule = DEFAULT_RULE,
    instrument_code: str = PIBC,
    release: ReleaseDecision | None = None,
) -> BarrierProfile:
    """The barrier profile of a wave from its PIBC answers.

    Same inputs as ``compute_results``; ``kb`` defaults to the shipped knowledge base. Factors
    are the PIBC scales that are not level/support-type summaries, in knowledge-base order
    (scales the knowledge base does not know follow, in instrument order).
    """
    k = check_k(k)
    kb = kb or load_knowledge_base()
    records = list(records)
    hierarchy = build_hierarchy(records, teams, audiences)
    scored, _ = score_records(records, instruments, instrument_code)

    instruments_used = {s.instrument.version: s.instrument for s in scored}
    versions = tuple(sorted(instruments_used, key=version_key))
    sources = [instruments_used[v] for v in reversed(versions)]
    if not sources:
        latest = _latest(instruments, instrument_code)
        sources = [latest] if latest is not None else []
    scale_names: dict[str, Mapping[str, str]] = {}
    for instrument in sources:
        for scale in instrument.scales:
            if not scale.id.startswith(_RESERVED):
                scale_names.setdefault(scale.id, dict(scale.name))
    kb_order = {f.code: i for i, f in enumerate(kb.factors)}
    in_instrument = list(scale_names)
    factor_codes = sorted(
        scale_names,
        key=lambda c: (c not in kb_order, kb_order.get(c, in_instrument.index(c))),
    )

    # The same pattern as the results pages (every scale of the instrument, decided once
    # and stored with the wave), so the profile hides exactly the cells the results hide.
    all_ids, _names = _scales_of(scored, _latest(instruments, instrument_code))
    pattern = instrument_pattern(release, instrument_code, hierarchy, scored, all_ids, k)
    per_group: dict[GroupKey, list[FactorResult]] = {g: [] for g in hierarchy.groups()}
    for code in factor_codes:
        meta = kb.factor(code) if code in kb_order else None
        leaf_values = scale_leaf_values(scored, code)
        hidden = pattern.get(code, {})
        common = {
            "factor": code,
            "level": meta.level if meta else None,
            "support_type": meta.support_type if meta else None,
            "name": MappingProxyType(meta.name.as_dict() if meta else dict(scale_names[code])),
            "unverified": bool(meta.unverified) if meta else False,
        }
        for group in hierarchy.groups():
            reason = hidden.get(group)
            values = None
            if reason is None:
                values = [v for leaf in hierarchy.leaves(group) for v in leaf_values.get(leaf, ())]
            where = {
                "place_level": group.level,
                "place_id": group.place_id,
                "audience": group.audience,
            }
            if reason is not None:
                n = 0 if reason == NO_RESPONSES else None
                per_group[group].append(FactorResult(**common, **where, reason=reason, n=n))
                continue
            d = stats.describe(values or ())
            unfavourable = sum(1 for v in values or () if rule.is_unfavourable(v))
            per_group[group].append(
                FactorResult(
                    **common,
                    **where,
                    reason=None,
                    n=d["n"],
                    mean=d["mean"],
                    sd=d["sd"],
                    ci95_low=d["ci95_low"],
                    ci95_high=d["ci95_high"],
                    n_unfavourable=unfavourable,
                    share_unfavourable=unfavourable / d["n"],
                    classification=rule.classify(d["mean"], d["n"], unfavourable),
                )
            )
    groups = {
        g: GroupProfile(g.level, g.place_id, g.audience, tuple(results))
        for g, results in per_group.items()
    }
    return BarrierProfile(
        instrument=instrument_code,
        versions=versions,
        k=k,
        rule=rule,
        audiences=hierarchy.audiences,
        groups=MappingProxyType(groups),
    )

"""Survey-wave results by instrument, scale, place and audience, with small-group suppression.

Framework-free (no Django): the assessments app turns its stored responses into
``ResponseRecord`` objects and calls ``compute_results`` and ``agreement``.

A suppressed cell carries no figure at all: the statistics of a group are computed only after
suppression has been decided, and only for shown groups, so neither the cell nor the
``WaveResults`` object holds anything a suppressed group could be read from. Individual
scores are never kept.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from peerway.instruments.engine import (
    AnswerError,
    Instrument,
    ScoreResult,
    UnknownInstrument,
    score,
)
from peerway.instruments.engine import group as stats
from peerway.instruments.engine.loader import version_key

from .disclosure import ScaleTable, protect
from .hierarchy import ALL, AUDIENCES, TEAM, GroupKey, Hierarchy
from .items import keyed_item_values, rating_scale
from .suppression import (
    DEFAULT_K,
    DIFFERENCING,
    FEWER_THAN_K,
    NO_RESPONSES,
    check_k,
    is_suppressed,
)

Number = int | float
InstrumentSource = Mapping[Any, Instrument]

NOTES = {
    "suppressed": {
        "en": (
            "Not shown to protect anonymity: fewer than {k} responses in this group, or the "
            "figure would let a smaller group be worked out by subtraction."
        ),
        "fr": (
            "Non affiché pour protéger l'anonymat : moins de {k} réponses dans ce groupe, ou "
            "le chiffre permettrait de déduire celui d'un groupe plus petit par soustraction."
        ),
    },
    NO_RESPONSES: {"en": "No responses.", "fr": "Aucune réponse."},
}


SUPPRESSED = "suppressed"


def public_reason(reason: str | None) -> str | None:
    """Collapse ``fewer_than_k`` and ``differencing`` into ``"suppressed"``.

    Readers must not learn which reason applies: knowing that one hidden cell has fewer than
    k responses and its neighbour at least k can pin down both counts (see
    docs/survey-results.md).
    """
    return SUPPRESSED if is_suppressed(reason) else reason


def suppression_note(reason: str | None, k: int, lang: str = "en") -> str:
    """The public explanation for a cell without figures ("" for a shown cell).

    Both suppression reasons get the same text on purpose: telling "fewer than k" apart
    from "hidden to protect another group" would tell readers which hidden cell is small.
    """
    if reason is None:
        return ""
    texts = NOTES[NO_RESPONSES] if reason == NO_RESPONSES else NOTES["suppressed"]
    return texts.get(lang, texts["en"]).format(k=k)


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ResponseRecord:
    """One anonymous response: its team, the team's site, the audience, and per instrument
    the answers (item id → value or None) and the version it was answered on."""

    team_id: Hashable
    site_id: Hashable
    audience: str
    answers: Mapping[str, Mapping[str, Number | None]]
    versions: Mapping[str, str]


def resolve_instrument(instruments: InstrumentSource, code: str, version: Any) -> Instrument:
    """The instrument ``code`` at ``version`` from a ``Library`` (any stored version), a dict
    keyed by ``(code, version)``, or a dict keyed by code (whose version must match)."""
    wanted = None if version is None else str(version)
    get_version = getattr(instruments, "get_version", None)
    if callable(get_version):
        return get_version(code, wanted)
    if wanted is not None and (code, wanted) in instruments:
        return instruments[(code, wanted)]
    found = instruments.get(code)
    if found is not None and (wanted is None or found.version == wanted):
        return found
    raise UnknownInstrument(
        f"no instrument '{code}' at version '{wanted}'", code=code, version=wanted
    )


def _latest(instruments: InstrumentSource, code: str) -> Instrument | None:
    if callable(getattr(instruments, "get_version", None)):
        try:
            return instruments[code]
        except KeyError:
            return None
    found = [i for key, i in instruments.items() if i.code == code]
    return max(found, key=lambda i: version_key(i.version)) if found else None


@dataclass(frozen=True)
class Scored:
    """One response scored on one instrument (internal; never leaves this package)."""

    team_id: Hashable
    audience: str
    instrument: Instrument
    result: ScoreResult
    answers: Mapping[str, Number | None]


def score_records(
    records: Sequence[ResponseRecord], instruments: InstrumentSource, code: str
) -> tuple[list[Scored], int]:
    """Score every record that answered ``code`` with the version it was answered on.

    Returns the scored responses and the number that could not be scored (no version stored,
    unknown version, or answers the version rejects).
    """
    scored: list[Scored] = []
    invalid = 0
    for record in records:
        answers = record.answers.get(code)
        if answers is None:
            continue
        version = record.versions.get(code)
        try:
            if version is None:
                raise UnknownInstrument(f"no version stored for '{code}'", code=code)
            instrument = resolve_instrument(instruments, code, version)
            result = score(instrument, answers)
        except (UnknownInstrument, AnswerError):
            invalid += 1
            continue
        scored.append(Scored(record.team_id, record.audience, instrument, result, answers))
    return scored, invalid


def build_hierarchy(
    records: Sequence[ResponseRecord],
    teams: Mapping[Hashable, Hashable] | None,
    audiences: Sequence[str],
) -> Hierarchy:
    hierarchy = Hierarchy.build(((r.team_id, r.site_id) for r in records), teams, audiences)
    stray = sorted({r.audience for r in records} - set(hierarchy.audiences))
    if stray:
        raise ValueError(f"responses from audiences outside the wave: {stray}")
    return hierarchy


def aggregate(
    hierarchy: Hierarchy,
    leaf_values: Mapping[tuple[Hashable, str], Sequence[float]],
    k: int,
) -> dict[GroupKey, tuple[str | None, list[float] | None]]:
    """Suppress over the hierarchy; return each group's reason and, for shown groups only,
    its values (pooled from its (team, audience) leaves)."""
    counts = {leaf: len(values) for leaf, values in leaf_values.items()}
    reasons = hierarchy.suppress(counts, k)
    out: dict[GroupKey, tuple[str | None, list[float] | None]] = {}
    for group in hierarchy.groups():
        reason = reasons[group]
        values = None
        if reason is None:
            values = [v for leaf in hierarchy.leaves(group) for v in leaf_values.get(leaf, ())]
        out[group] = (reason, values)
    return out


# ---------------------------------------------------------------------------- results


class CellKey(NamedTuple):
    instrument: str
    scale: str
    level: str  # "team" | "site" | "organization"
    place_id: Hashable | None  # None for the organization
    audience: str  # "staff" | "leaders" | "peer_workers" | "all"


@dataclass(frozen=True)
class Cell:
    """One group's result on one scale. Figures are None unless the cell is shown.

    ``reason``: None (shown), ``"fewer_than_k"``, ``"differencing"`` (both: ``suppressed``
    is True) or ``"no_responses"`` (``n`` is 0, nothing else).
    """

    key: CellKey
    reason: str | None
    n: int | None = None
    mean: float | None = None
    sd: float | None = None
    ci95_low: float | None = None
    ci95_high: float | None = None

    def __post_init__(self) -> None:
        figures = (self.mean, self.sd, self.ci95_low, self.ci95_high)
        if self.reason in (FEWER_THAN_K, DIFFERENCING):
            if self.n is not None or any(f is not None for f in figures):
                raise ValueError("a suppressed cell cannot carry figures")
        elif self.reason == NO_RESPONSES:
            if self.n != 0 or any(f is not None for f in figures):
                raise ValueError("a cell without responses has n = 0 and no figures")
        elif self.reason is not None:
            raise ValueError(f"unknown reason {self.reason!r}")

    @property
    def suppressed(self) -> bool:
        return is_suppressed(self.reason)

    @property
    def shown(self) -> bool:
        return self.reason is None

    @property
    def public_reason(self) -> str | None:
        """None, ``"suppressed"`` or ``"no_responses"``: what readers may be told."""
        return public_reason(self.reason)

    @property
    def instrument(self) -> str:
        return self.key.instrument

    @property
    def scale(self) -> str:
        return self.key.scale

    @property
    def level(self) -> str:
        return self.key.level

    @property
    def place_id(self) -> Hashable | None:
        return self.key.place_id

    @property
    def audience(self) -> str:
        return self.key.audience

    def note(self, k: int, lang: str = "en") -> str:
        return suppression_note(self.reason, k, lang)

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        """JSON-ready. ``reason`` is the public reason unless ``detail=True`` (audit only:
        telling readers which hidden cells are the small ones narrows down their counts)."""
        return {
            "instrument": self.key.instrument,
            "scale": self.key.scale,
            "level": self.key.level,
            "place_id": self.key.place_id,
            "audience": self.key.audience,
            "suppressed": self.suppressed,
            "reason": self.reason if detail else self.public_reason,
            "n": self.n,
            "mean": self.mean,
            "sd": self.sd,
            "ci95_low": self.ci95_low,
            "ci95_high": self.ci95_high,
        }


def make_cell(key: CellKey, reason: str | None, values: Sequence[float] | None) -> Cell:
    if reason is not None:
        return Cell(key, reason, n=0 if reason == NO_RESPONSES else None)
    d = stats.describe(values or ())
    return Cell(key, None, d["n"], d["mean"], d["sd"], d["ci95_low"], d["ci95_high"])


@dataclass(frozen=True)
class WaveResults:
    """All cells of a wave, plus names and versions. Read-only.

    ``cells`` maps ``CellKey`` → ``Cell`` in display order (instrument, scale, organization,
    sites, teams; "all" before each audience). ``invalid`` counts, per instrument, responses
    that could not be scored (they are left out; normally 0).
    """

    k: int
    hierarchy: Hierarchy
    instruments: tuple[str, ...]
    scales: Mapping[str, tuple[str, ...]]
    instrument_names: Mapping[str, Mapping[str, str]]
    scale_names: Mapping[tuple[str, str], Mapping[str, str]]
    versions: Mapping[str, tuple[str, ...]]
    invalid: Mapping[str, int]
    cells: Mapping[CellKey, Cell] = field(repr=False)

    def cell(
        self,
        instrument: str,
        scale: str,
        level: str = "organization",
        place_id: Hashable | None = None,
        audience: str = ALL,
    ) -> Cell:
        """One cell; raises ``KeyError`` for a key outside the wave."""
        return self.cells[CellKey(instrument, scale, level, place_id, audience)]

    def select(
        self,
        instrument: str | None = None,
        scale: str | None = None,
        level: str | None = None,
        place_id: Any = ...,
        audience: str | None = None,
    ) -> list[Cell]:
        """Cells matching every filter given (``place_id=None`` selects the organization)."""
        return [
            c
            for key, c in self.cells.items()
            if (instrument is None or key.instrument == instrument)
            and (scale is None or key.scale == scale)
            and (level is None or key.level == level)
            and (place_id is ... or key.place_id == place_id)
            and (audience is None or key.audience == audience)
        ]

    def scale_name(self, instrument: str, scale: str, lang: str = "en") -> str:
        names = self.scale_names.get((instrument, scale)) or {}
        return names.get(lang) or names.get("en") or scale

    def instrument_name(self, instrument: str, lang: str = "en") -> str:
        names = self.instrument_names.get(instrument) or {}
        return names.get(lang) or names.get("en") or instrument

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        return {
            "k": self.k,
            "audiences": list(self.hierarchy.audiences),
            "instruments": [
                {
                    "code": code,
                    "name": dict(self.instrument_names.get(code, {})),
                    "versions": list(self.versions.get(code, ())),
                    "invalid": self.invalid.get(code, 0),
                    "scales": [
                        {"id": s, "name": dict(self.scale_names.get((code, s), {}))}
                        for s in self.scales.get(code, ())
                    ],
                }
                for code in self.instruments
            ],
            "cells": [c.to_dict(detail=detail) for c in self.cells.values()],
        }


def _scales_of(scored: Sequence[Scored], latest: Instrument | None) -> tuple[list[str], dict]:
    """Scale ids in order (latest version first, then any others) and their names."""
    by_version = {s.instrument.version: s.instrument for s in scored}
    versions = sorted(by_version, key=version_key, reverse=True)
    ordered = [by_version[v] for v in versions]
    if not ordered and latest is not None:
        ordered = [latest]
    ids: list[str] = []
    names: dict[str, dict[str, str]] = {}
    for instrument in ordered:
        for scale in instrument.scales:
            if scale.id not in names:
                ids.append(scale.id)
                names[scale.id] = dict(scale.name)
    return ids, names


def _codes(records: Sequence[ResponseRecord], instrument_codes: Sequence[str] | None) -> list:
    if instrument_codes is not None:
        return list(dict.fromkeys(instrument_codes))
    return sorted({code for r in records for code in r.answers})


def _scale_range(scored: Sequence[Scored], scale_id: str) -> tuple[float, float]:
    """The widest published range of a scale over the versions answered (the attacker's
    bounds on a score); (0, 1) if no version states one."""
    ranges = [
        (float(sc.range[0]), float(sc.range[1]))
        for s in scored
        for sc in s.instrument.scales
        if sc.id == scale_id and sc.range[1] > sc.range[0]
    ]
    if not ranges:
        return (0.0, 1.0)
    return (min(r[0] for r in ranges), max(r[1] for r in ranges))


def scale_leaf_values(scored: Sequence[Scored], scale_id: str) -> dict[tuple[Hashable, str], list]:
    """Each (team, audience) group's valid scores on one scale."""
    leaf_values: dict[tuple[Hashable, str], list[float]] = {}
    for s in scored:
        value = s.result.scales.get(scale_id)
        if value is not None and value.valid and value.score is not None:
            leaf_values.setdefault((s.team_id, s.audience), []).append(value.score)
    return leaf_values


# One instrument's decision: scale id → {hidden group: reason}. Shown groups are absent.
Pattern = Mapping[str, Mapping[GroupKey, str]]


def decide_instrument(
    hierarchy: Hierarchy, scored: Sequence[Scored], scale_ids: Sequence[str], k: int
) -> tuple[dict[str, dict[GroupKey, str]], bool, int]:
    """The one suppression pattern every scale of an instrument is published with (derived
    scales with their components), extended until the integer attacker of
    ``disclosure.protect`` finds nothing. Returns (pattern, passed, groups added by the
    attacker). A program the solver could not finish publishes nothing (every group with
    responses hidden, ``passed`` False)."""
    tables = [
        ScaleTable(sid, scale_leaf_values(scored, sid), _scale_range(scored, sid))
        for sid in scale_ids
    ]
    if not tables:
        return {}, True, 0
    release = protect(hierarchy, tables, k)
    reasons = {t.scale: dict(release.reasons[t.scale]) for t in tables}
    if not release.passed:
        reasons = {
            scale: {g: r if r == NO_RESPONSES else DIFFERENCING for g, r in by_group.items()}
            for scale, by_group in reasons.items()
        }
    pattern = {
        scale: {g: r for g, r in by_group.items() if r is not None}
        for scale, by_group in reasons.items()
    }
    return pattern, release.passed, len(release.added)


@dataclass(frozen=True)
class ReleaseDecision:
    """Which cells of a closed wave are published: decided once (``decide_release``) and
    stored with the wave, so every screen, the CSV and the report show the same cells.

    ``patterns``: instrument → scale → {hidden group: reason}; ``passed``: instrument → the
    attacker's verdict; ``added``: instrument → groups hidden because of the attacker."""

    k: int
    patterns: Mapping[str, Pattern]
    passed: Mapping[str, bool] = field(default_factory=dict)
    added: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "instruments": {
                code: {
                    "passed": bool(self.passed.get(code, True)),
                    "added": int(self.added.get(code, 0)),
                    "scales": {
                        scale: [[g.level, g.place_id, g.audience, r] for g, r in hidden.items()]
                        for scale, hidden in pattern.items()
                    },
                }
                for code, pattern in self.patterns.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReleaseDecision:
        patterns: dict[str, dict[str, dict[GroupKey, str]]] = {}
        passed: dict[str, bool] = {}
        added: dict[str, int] = {}
        for code, entry in data["instruments"].items():
            patterns[code] = {
                scale: {GroupKey(level, place, audience): r for level, place, audience, r in rows}
                for scale, rows in entry["scales"].items()
            }
            passed[code] = bool(entry["passed"])
            added[code] = int(entry["added"])
        return cls(k=int(data["k"]), patterns=patterns, passed=passed, added=added)


def decide_release(
    records: Iterable[ResponseRecord],
    instruments: InstrumentSource,
    *,
    k: int = DEFAULT_K,
    teams: Mapping[Hashable, Hashable] | None = None,
    audiences: Sequence[str] = AUDIENCES,
    instrument_codes: Sequence[str] | None = None,
) -> ReleaseDecision:
    """Decide, for every instrument of a wave, the cells that may be published (the
    suppression rules, then the integer attacker). Same inputs as ``compute_results``.
    Costly (seconds for a large wave): made once when a wave closes and stored."""
    k = check_k(k)
    records = list(records)
    hierarchy = build_hierarchy(records, teams, audiences)
    patterns: dict[str, Pattern] = {}
    passed: dict[str, bool] = {}
    added: dict[str, int] = {}
    for code in _codes(records, instrument_codes):
        scored, _invalid = score_records(records, instruments, code)
        scale_ids, _names = _scales_of(scored, _latest(instruments, code))
        patterns[code], passed[code], added[code] = decide_instrument(
            hierarchy, scored, scale_ids, k
        )
    return ReleaseDecision(k=k, patterns=patterns, passed=passed, added=added)


def instrument_pattern(
    release: ReleaseDecision | None,
    code: str,
    hierarchy: Hierarchy,
    scored: Sequence[Scored],
    scale_ids: Sequence[str],
    k: int,
) -> Pattern:
    """The stored pattern of one instrument, or (no stored decision for it) one decided now."""
    if release is not None and release.k == k and code in release.patterns:
        stored = release.patterns[code]
        if all(sid in stored for sid in scale_ids):
            return stored
    pattern, _passed, _added = decide_instrument(hierarchy, scored, scale_ids, k)
    return pattern


def compute_results(
    records: Iterable[ResponseRecord],
    instruments: InstrumentSource,
    *,
    k: int = DEFAULT_K,
    teams: Mapping[Hashable, Hashable] | None = None,
    audiences: Sequence[str] = AUDIENCES,
    instrument_codes: Sequence[str] | None = None,
    release: ReleaseDecision | None = None,
) -> WaveResults:
    """Results of one wave.

    ``instruments``: a ``Library`` or a dict (code → Instrument, or (code, version) →
    Instrument); each response is scored by the version stored with it. ``teams`` (team id →
    site id) adds the wave's teams that have no responses; ``audiences`` are the wave's;
    ``instrument_codes`` fixes which instruments and their order (default: every instrument
    answered, sorted). ``k`` is the anonymity threshold (at least 3).

    Which cells are shown is read from ``release`` (the decision stored when the wave
    closed); an instrument it does not cover is decided here the same way
    (``decide_release``): one pattern per instrument, derived scales hidden with their
    components, checked by the integer attacker.
    """
    k = check_k(k)
    records = list(records)
    hierarchy = build_hierarchy(records, teams, audiences)
    codes = _codes(records, instrument_codes)

    cells: dict[CellKey, Cell] = {}
    scales: dict[str, tuple[str, ...]] = {}
    instrument_names: dict[str, Mapping[str, str]] = {}
    scale_names: dict[tuple[str, str], Mapping[str, str]] = {}
    versions: dict[str, tuple[str, ...]] = {}
    invalid: dict[str, int] = {}
    for code in codes:
        scored, invalid[code] = score_records(records, instruments, code)
        latest = _latest(instruments, code)
        scale_ids, names = _scales_of(scored, latest)
        scales[code] = tuple(scale_ids)
        versions[code] = tuple(sorted({s.instrument.version for s in scored}, key=version_key))
        used = [s.instrument for s in scored]
        source = max(used, key=lambda i: version_key(i.version)) if used else latest
        instrument_names[code] = MappingProxyType(dict(source.name) if source else {})
        pattern = instrument_pattern(release, code, hierarchy, scored, scale_ids, k)
        for scale_id in scale_ids:
            scale_names[(code, scale_id)] = MappingProxyType(names[scale_id])
            leaf_values = scale_leaf_values(scored, scale_id)
            hidden = pattern.get(scale_id, {})
            for group in hierarchy.groups():
                reason = hidden.get(group)
                values = None
                if reason is None:
                    values = [
                        v for leaf in hierarchy.leaves(group) for v in leaf_values.get(leaf, ())
                    ]
                key = CellKey(code, scale_id, *group)
                cells[key] = make_cell(key, reason, values)
    return WaveResults(
        k=k,
        hierarchy=hierarchy,
        instruments=tuple(codes),
        scales=MappingProxyType(scales),
        instrument_names=MappingProxyType(instrument_names),
        scale_names=MappingProxyType(scale_names),
        versions=MappingProxyType(versions),
        invalid=MappingProxyType(invalid),
        cells=MappingProxyType(cells),
    )


# -------------------------------------------------------------------------- agreement


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha of one scale over the whole wave (complete respondents only).

    ``versions`` are the instrument versions pooled (versions whose scale has the same items);
    ``n`` and ``alpha`` are None unless ``n >= k``. ``reason``: None, ``"fewer_than_k"``,
    ``"single_item"`` or ``"no_variance"``.
    """

    instrument: str
    scale: str
    versions: tuple[str, ...]
    items: int
    n: int | None
    alpha: float | None
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "scale": self.scale,
            "versions": list(self.versions),
            "items": self.items,
            "n": self.n,
            "alpha": self.alpha,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class TeamAgreement:
    """rwg(j) of one team on one scale of a group-level instrument.

    Figures only when the team's cell (team × all audiences) is shown and at least ``k`` of
    its respondents answered every item of the scale. ``reason``: None, ``"suppressed"``,
    ``"no_responses"``, ``"fewer_than_k"`` (complete respondents), ``"mixed_versions"``
    (respondents answered versions with different items) or ``"not_a_rating_scale"``.
    """

    instrument: str
    scale: str
    team_id: Hashable
    n: int | None
    items: int | None
    n_options: int | None
    rwg_j: float | None
    truncated: bool | None
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "scale": self.scale,
            "team_id": self.team_id,
            "n": self.n,
            "items": self.items,
            "n_options": self.n_options,
            "rwg_j": self.rwg_j,
            "truncated": self.truncated,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ScaleICC:
    """ICC(1) and ICC(2) of one scale across the teams whose cell is shown (n >= k).

    ``icc1`` uses the mean team size (as Bliese's R package ``multilevel``, ``ICC1``);
    ``icc1_n0`` the adjusted average size n₀ of the one-way ANOVA (McGraw & Wong 1996); they
    agree when teams are of equal size. ``reason``: None or ``"fewer_than_two_teams"``.
    """

    instrument: str
    scale: str
    team_ids: tuple[Hashable, ...]
    n: int
    icc1: float | None
    icc2: float | None
    f: float | None
    p: float | None
    reason: str | None
    icc1_n0: float | None = None

    @property
    def n_teams(self) -> int:
        return len(self.team_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "scale": self.scale,
            "team_ids": list(self.team_ids),
            "n_teams": self.n_teams,
            "n": self.n,
            "icc1": self.icc1,
            "icc1_n0": self.icc1_n0,
            "icc2": self.icc2,
            "f": self.f,
            "p": self.p,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class AgreementResults:
    k: int
    reliability: tuple[Reliability, ...]
    rwg: tuple[TeamAgreement, ...]
    icc: tuple[ScaleICC, ...]

    def reliability_for(self, instrument: str, scale: str) -> list[Reliability]:
        return [r for r in self.reliability if (r.instrument, r.scale) == (instrument, scale)]

    def rwg_for(self, instrument: str, scale: str, team_id: Hashable) -> TeamAgreement | None:
        for r in self.rwg:
            if (r.instrument, r.scale, r.team_id) == (instrument, scale, team_id):
                return r
        return None

    def icc_for(self, instrument: str, scale: str) -> ScaleICC | None:
        for r in self.icc:
            if (r.instrument, r.scale) == (instrument, scale):
                return r
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "reliability": [r.to_dict() for r in self.reliability],
            "rwg": [r.to_dict() for r in self.rwg],
            "icc": [r.to_dict() for r in self.icc],
        }


def _signature(instrument: Instrument, scale_id: str) -> tuple[str, ...] | None:
    try:
        return instrument.scale(scale_id).items
    except KeyError:
        return None


def agreement(
    records: Iterable[ResponseRecord],
    instruments: InstrumentSource,
    *,
    results: WaveResults | None = None,
    k: int | None = None,
    teams: Mapping[Hashable, Hashable] | None = None,
    audiences: Sequence[str] = AUDIENCES,
    instrument_codes: Sequence[str] | None = None,
) -> AgreementResults:
    """Reliability (every instrument) and agreement (group-level instruments) for a wave.

    Pass the wave's ``results`` (from ``compute_results`` on the same records) to reuse its
    threshold, hierarchy and shown cells; otherwise they are computed with ``k`` (default 5),
    ``teams`` and ``audiences``.
    """
    records = list(records)
    if results is None:
        results = compute_results(
            records,
            instruments,
            k=DEFAULT_K if k is None else k,
            teams=teams,
            audiences=audiences,
            instrument_codes=instrument_codes,
        )
    elif k is not None and check_k(k) != results.k:
        raise ValueError(f"k={k} differs from the results' threshold k={results.k}")
    k = results.k
    codes = list(instrument_codes) if instrument_codes is not None else list(results.instruments)

    reliability: list[Reliability] = []
    rwg: list[TeamAgreement] = []
    icc: list[ScaleICC] = []
    for code in codes:
        scored, _ = score_records(records, instruments, code)
        keyed = [keyed_item_values(s.instrument, s.answers) for s in scored]
        group_level = any(s.instrument.group_level for s in scored)
        for scale_id in results.scales.get(code, ()):
            reliability += _reliability(code, scale_id, scored, keyed, k)
            if group_level:
                rwg += _rwg(code, scale_id, scored, keyed, results)
                icc.append(_icc(code, scale_id, scored, results))
    return AgreementResults(k, tuple(reliability), tuple(rwg), tuple(icc))


def _reliability(
    code: str, scale_id: str, scored: Sequence[Scored], keyed: Sequence[dict], k: int
) -> list[Reliability]:
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, s in enumerate(scored):
        items = _signature(s.instrument, scale_id)
        if items is not None:
            groups.setdefault(items, []).append(i)
    out = []
    for items, members in sorted(groups.items(), key=lambda kv: kv[0]):
        versions = tuple(sorted({scored[i].instrument.version for i in members}, key=version_key))
        matrix = [[keyed[i][item] for item in items] for i in members]
        result = stats.cronbach_alpha(matrix)
        reason = None
        n, alpha = result["n"], result["alpha"]
        if len(items) < 2:
            reason, n, alpha = "single_item", (n if n >= k else None), None
        elif n < k:
            reason, n, alpha = FEWER_THAN_K, None, None
        elif alpha is None:
            reason = "no_variance"
        out.append(Reliability(code, scale_id, versions, len(items), n, alpha, reason))
    return out


def _rwg(
    code: str,
    scale_id: str,
    scored: Sequence[Scored],
    keyed: Sequence[dict],
    results: WaveResults,
) -> list[TeamAgreement]:
    by_team: dict[Hashable, list[int]] = {}
    for i, s in enumerate(scored):
        by_team.setdefault(s.team_id, []).append(i)
    out = []
    for team in results.hierarchy.teams:
        cell = results.cells[CellKey(code, scale_id, TEAM, team, ALL)]
        blank = {"n": None, "items": None, "n_options": None, "rwg_j": None, "truncated": None}
        if cell.reason == NO_RESPONSES:
            out.append(TeamAgreement(code, scale_id, team, **blank, reason=NO_RESPONSES))
            continue
        if not cell.shown:
            out.append(TeamAgreement(code, scale_id, team, **blank, reason="suppressed"))
            continue
        members = [i for i in by_team.get(team, ()) if _signature(scored[i].instrument, scale_id)]
        signatures = {_signature(scored[i].instrument, scale_id) for i in members}
        if len(signatures) != 1:
            out.append(TeamAgreement(code, scale_id, team, **blank, reason="mixed_versions"))
            continue
        items = signatures.pop()
        scale_info = rating_scale(scored[members[0]].instrument, items)
        if scale_info is None:
            out.append(TeamAgreement(code, scale_id, team, **blank, reason="not_a_rating_scale"))
            continue
        n_options, step = scale_info
        matrix = [
            [None if keyed[i][item] is None else keyed[i][item] / step for item in items]
            for i in members
        ]
        result = stats.rwg_j(matrix, n_options)
        if result["n"] < results.k:
            out.append(TeamAgreement(code, scale_id, team, **blank, reason=FEWER_THAN_K))
            continue
        out.append(
            TeamAgreement(
                code,
                scale_id,
                team,
                n=result["n"],
                items=result["items"],
                n_options=n_options,
                rwg_j=result["rwg_j"],
                truncated=result["truncated"],
                reason=None,
            )
        )
    return out


def _icc(code: str, scale_id: str, scored: Sequence[Scored], results: WaveResults) -> ScaleICC:
    teams = [
        t
        for t in results.hierarchy.teams
        if results.cells[CellKey(code, scale_id, TEAM, t, ALL)].shown
    ]
    values: dict[Hashable, list[float]] = {t: [] for t in teams}
    for s in scored:
        if s.team_id in values:
            scale = s.result.scales.get(scale_id)
            if scale is not None and scale.valid and scale.score is not None:
                values[s.team_id].append(scale.score)
    n = sum(len(v) for v in values.values())
    if len(teams) < 2:
        return ScaleICC(
            code, scale_id, tuple(teams), n, None, None, None, None, "fewer_than_two_teams"
        )
    result = stats.icc1_icc2([values[t] for t in teams])
    return ScaleICC(
        code,
        scale_id,
        tuple(teams),
        n,
        _finite(result["icc1"]),
        _finite(result["icc2"]),
        _finite(result["f"]),
        _finite(result["p"]),
        None,
        _finite(result["icc1_n0"]),
    )


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


__all__ = [
    "ALL",
    "AUDIENCES",
    "AgreementResults",
    "Cell",
    "CellKey",
    "InstrumentSource",
    "Reliability",
    "ResponseRecord",
    "ScaleICC",
    "TeamAgreement",
    "WaveResults",
    "agreement",
    "compute_results",
    "public_reason",
    "resolve_instrument",
    "score_records",
    "suppression_note",
]

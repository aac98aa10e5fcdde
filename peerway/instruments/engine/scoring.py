"""Score one respondent's answers to one instrument.

Order of operations for each item: validate → skip-rule imputation → N/A / don't-know
exclusion → ``score_map`` → reverse key (``min + max - value`` over the item's scored values).
Then for each scale: minimum completion → sum (prorated when allowed) or mean → linear
transform → rounding (if the scale asks for it) → band.

Safety items (``safety_items`` in a definition) are checked last. A safety item that is not
answered, or answered with an excluded option (N/A, don't know), is never covered silently:
the scales keep their published rule (a PHQ-9 total is still prorated over up to two
missing items), but each scale that holds the item names it in ``missing_safety_items`` and
the result carries an "ask it now" prompt per missing safety item.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import AnswerError
from .model import (
    Band,
    Instrument,
    LocalizedText,
    Number,
    Scale,
    condition_holds,
    format_number,
    round_half_up,
)

Answer = Number | None


def _tidy(value: Any) -> Any:
    """JSON-friendly number: 9.0 -> 9."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class ScaleScore:
    id: str
    name: LocalizedText
    method: str
    score: float | None
    valid: bool
    reason: str | None
    band: Band | None
    n_items: int
    n_answered: int
    n_excluded: int
    n_imputed: int
    prorated: bool
    range: tuple[Number, Number]
    # Safety items of this scale left unanswered: a score here was computed without them.
    missing_safety_items: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": dict(self.name),
            "method": self.method,
            "score": _tidy(self.score),
            "valid": self.valid,
            "reason": self.reason,
            "band": self.band.to_dict() if self.band else None,
            "n_items": self.n_items,
            "n_answered": self.n_answered,
            "n_excluded": self.n_excluded,
            "n_imputed": self.n_imputed,
            "prorated": self.prorated,
            "range": [_tidy(self.range[0]), _tidy(self.range[1])],
            "missing_safety_items": list(self.missing_safety_items),
        }


@dataclass(frozen=True)
class Flag:
    """A safety trigger that fired."""

    item: str
    answer: Number
    op: str
    value: Number | tuple[Number, ...]
    message: LocalizedText
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {
            "item": self.item,
            "answer": _tidy(self.answer),
            "op": self.op,
            "value": value,
            "message": dict(self.message),
            "code": self.code,
        }


# Used when a definition marks a safety item without its own wording.
DEFAULT_MISSING_SAFETY_MESSAGE: LocalizedText = {
    "en": (
        "Safety item not answered: ask it now. Question {number} is a safety question and was "
        "left unanswered, so this result cannot rule out a risk. Ask it now and, if the answer "
        "shows a risk, follow your organization's safety procedure."
    ),
    "fr": (
        "Question de sécurité sans réponse : posez-la maintenant. La question {number} est une "
        "question de sécurité restée sans réponse; ce résultat ne permet donc pas d'écarter un "
        "risque. Posez-la maintenant et, si la réponse indique un risque, suivez la procédure "
        "de sécurité de votre organisation."
    ),
}


@dataclass(frozen=True)
class MissingSafetyItem:
    """A safety item that was not answered (or answered N/A / don't know): ask it now."""

    item: str
    number: int
    reason: str  # "not_answered" or "excluded_answer"
    message: LocalizedText
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "number": self.number,
            "reason": self.reason,
            "message": dict(self.message),
            "code": self.code,
        }


@dataclass(frozen=True)
class ScoreResult:
    instrument: str
    version: str
    n_items: int
    n_answered: int
    scales: dict[str, ScaleScore]
    total: ScaleScore | None
    flags: tuple[Flag, ...] = ()
    imputed: dict[str, Number] = field(default_factory=dict)
    missing_safety_items: tuple[MissingSafetyItem, ...] = ()

    @property
    def valid(self) -> bool:
        """True when every scale could be scored."""
        return all(scale.valid for scale in self.scales.values())

    @property
    def safety_complete(self) -> bool:
        """False when a safety item is missing: the result needs the item asked now."""
        return not self.missing_safety_items

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "version": self.version,
            "n_items": self.n_items,
            "n_answered": self.n_answered,
            "valid": self.valid,
            "total": self.total.to_dict() if self.total else None,
            "scales": {scale_id: s.to_dict() for scale_id, s in self.scales.items()},
            "flags": [flag.to_dict() for flag in self.flags],
            "imputed": {item: _tidy(value) for item, value in self.imputed.items()},
            "safety_complete": self.safety_complete,
            "missing_safety_items": [m.to_dict() for m in self.missing_safety_items],
        }


def validate_answers(instrument: Instrument, answers: Any) -> dict[str, Answer]:
    """Check answers against the instrument; return them keyed in item order.

    Raises ``AnswerError`` listing every offending item: unknown item id, wrong type (text,
    true/false, NaN) or a value that is not one of the item's options.
    """
    if not isinstance(answers, Mapping):
        raise AnswerError(
            {
                "answers": "expected a mapping of item id to a number or null, "
                f"got {type(answers).__name__}"
            }
        )
    problems: dict[str, str] = {}
    for key, value in answers.items():
        name = str(key)
        if not isinstance(key, str) or not instrument.has_item(key):
            problems[name] = f"unknown item for {instrument.code} version {instrument.version}"
            continue
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "text" if isinstance(value, str) else type(value).__name__
            problems[name] = f"wrong type: {kind} {value!r}; expected a number or null"
            continue
        if isinstance(value, float) and not math.isfinite(value):
            problems[name] = f"wrong type: {value!r} is not a finite number"
            continue
        allowed = instrument.response_set_for(key).allowed_values
        if value not in allowed:
            listed = ", ".join(format_number(v) for v in sorted(allowed))
            problems[name] = f"{format_number(value)} is not an allowed answer; allowed: {listed}"
    if problems:
        raise AnswerError(problems)
    return {item_id: answers.get(item_id) for item_id in instrument.item_ids}


def scored_value(instrument: Instrument, item_id: str, raw: Number) -> Number:
    """The value an answer contributes to scales: score_map first, then the reverse key."""
    item = instrument.item(item_id)
    value = item.score_map.get(raw, raw) if item.score_map else raw
    if item.reverse:
        lo, hi = instrument.scored_bounds(item_id)
        value = lo + hi - value
    return value


def score(instrument: Instrument, answers: Mapping[str, Answer]) -> ScoreResult:
    """Score one set of answers (item id → option value, or None when not answered)."""
    given = validate_answers(instrument, answers)

    effective = dict(given)
    imputed: dict[str, Number] = {}
    for rule in instrument.skip_rules:
        trigger = given.get(rule.when_item)
        if trigger is not None and condition_holds(rule.op, trigger, rule.value):
            # The skipped question was not asked: its answer is the imputed value, whatever
            # a form may have sent.
            for target in rule.skip:
                effective[target] = rule.impute
                imputed[target] = rule.impute

    missing = missing_safety_items(instrument, given)
    missing_ids = {m.item for m in missing}
    scales: dict[str, ScaleScore] = {}
    for s in instrument.scales:
        scales[s.id] = (
            _score_mean_of_scales(s, scales, effective, imputed)
            if s.of_scales
            else _score_scale(instrument, s, effective, imputed, missing_ids)
        )

    flags: list[Flag] = []
    for trig in instrument.safety_triggers:
        answer = given.get(trig.item)
        if answer is None:
            continue
        rs = instrument.response_set_for(trig.item)
        if answer in rs.excluded_values and trig.op not in ("==", "in"):
            continue  # a "don't know" code must not fire a threshold
        if condition_holds(trig.op, answer, trig.value):
            flags.append(Flag(trig.item, answer, trig.op, trig.value, trig.message, trig.code))

    return ScoreResult(
        instrument=instrument.code,
        version=instrument.version,
        n_items=len(instrument.items),
        n_answered=sum(1 for v in given.values() if v is not None),
        scales=scales,
        total=scales.get(instrument.total_scale) if instrument.total_scale else None,
        flags=tuple(flags),
        imputed=imputed,
        missing_safety_items=missing,
    )


def _score_mean_of_scales(
    scale: Scale,
    done: Mapping[str, ScaleScore],
    effective: Mapping[str, Answer],
    imputed: Mapping[str, Number],
) -> ScaleScore:
    """The mean of subscale scores, as published for ILS and ICS: each subscale is scored
    under its own completion rule first; the total needs every subscale."""
    subs = [done[sub_id] for sub_id in scale.of_scales]
    common = {
        "id": scale.id,
        "name": scale.name,
        "method": scale.method,
        "n_items": len(scale.items),
        "n_answered": sum(s.n_answered for s in subs),
        "n_excluded": sum(s.n_excluded for s in subs),
        "n_imputed": sum(s.n_imputed for s in subs),
        "range": scale.range,
        "missing_safety_items": tuple(i for s in subs for i in s.missing_safety_items),
    }
    missing = [s.id for s in subs if not s.valid]
    if missing:
        reason = "needs every subscale; not scored: " + ", ".join(missing)
        return ScaleScore(
            score=None, valid=False, reason=reason, band=None, prorated=False, **common
        )
    result = math.fsum(float(s.score or 0.0) for s in subs) / len(subs)
    if scale.round_digits is not None:
        result = round_half_up(result, scale.round_digits)
    return ScaleScore(
        score=float(result),
        valid=True,
        reason=None,
        band=scale.band_for(result),
        prorated=any(s.prorated for s in subs),
        **common,
    )


def missing_safety_items(
    instrument: Instrument, given: Mapping[str, Answer]
) -> tuple[MissingSafetyItem, ...]:
    """Safety items with no usable answer: not answered, or answered N/A / don't know."""
    numbers = {item_id: n for n, item_id in enumerate(instrument.item_ids, start=1)}
    out: list[MissingSafetyItem] = []
    for safety in instrument.safety_items:
        answer = given.get(safety.item)
        if answer is None:
            reason = "not_answered"
        elif answer in instrument.response_set_for(safety.item).excluded_values:
            reason = "excluded_answer"
        else:
            continue
        number = numbers[safety.item]
        template = safety.message or DEFAULT_MISSING_SAFETY_MESSAGE
        message = {lang: text.replace("{number}", str(number)) for lang, text in template.items()}
        out.append(MissingSafetyItem(safety.item, number, reason, message, safety.code))
    return tuple(out)


def _score_scale(
    instrument: Instrument,
    scale: Scale,
    effective: Mapping[str, Answer],
    imputed: Mapping[str, Number],
    missing_safety: set[str] | frozenset[str] = frozenset(),
) -> ScaleScore:
    values: list[Number] = []
    n_excluded = 0
    n_imputed = 0
    for item_id in scale.items:
        raw = effective.get(item_id)
        if raw is None:
            continue
        if raw in instrument.response_set_for(item_id).excluded_values:
            n_excluded += 1
            continue
        values.append(scored_value(instrument, item_id, raw))
        if item_id in imputed:
            n_imputed += 1

    n_items = len(scale.items)
    n = len(values)
    common = {
        "id": scale.id,
        "name": scale.name,
        "method": scale.method,
        "n_items": n_items,
        "n_answered": n,
        "n_excluded": n_excluded,
        "n_imputed": n_imputed,
        "range": scale.range,
        "missing_safety_items": tuple(i for i in scale.items if i in missing_safety),
    }
    if n < scale.min_required:
        reason = f"{n} of {n_items} items answered; needs {scale.min_required}"
        if n_excluded:
            reason += f" ({n_excluded} answered N/A or don't know, which are not scored)"
        return ScaleScore(
            score=None, valid=False, reason=reason, band=None, prorated=False, **common
        )

    if scale.method == "sum":
        base = math.fsum(values)
        if n < n_items:
            base = base / n * n_items  # prorate: mean of answered × number of items
    else:
        base = math.fsum(values) / n
    result = base * scale.multiply + scale.add
    if scale.round_digits is not None:
        result = round_half_up(result, scale.round_digits)
    return ScaleScore(
        score=float(result),
        valid=True,
        reason=None,
        band=scale.band_for(result),
        prorated=n < n_items,
        **common,
    )

"""Immutable description of an instrument (the result of loading a definition).

Scoring never changes these objects; treat the dicts inside them as read-only too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Number = int | float
LocalizedText = dict[str, str]


def format_number(value: Number) -> str:
    """Render 3.0 as "3" and 2.5 as "2.5" in messages."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return str(value)


def round_half_up(value: float, digits: int) -> float:
    """Round half away from zero, as score sheets do (10.5 -> 11), not banker's rounding."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def text_in(text: LocalizedText | None, language: str, fallback: str = "en") -> str | None:
    """Pick ``language`` from a localized text, falling back to ``fallback`` then any."""
    if not text:
        return None
    if language in text:
        return text[language]
    if fallback in text:
        return text[fallback]
    return next(iter(text.values()))


@dataclass(frozen=True)
class Option:
    value: Number | None
    label: LocalizedText
    excluded: bool = False
    code: str | None = None


@dataclass(frozen=True)
class ResponseSet:
    name: str
    options: tuple[Option, ...]

    @property
    def allowed_values(self) -> frozenset[Number]:
        """Every value an answer may take (excluded options included, null excluded)."""
        return frozenset(o.value for o in self.options if o.value is not None)

    @property
    def scored_values(self) -> tuple[Number, ...]:
        """Raw values that are scored: numeric and not marked excluded (N/A, don't know)."""
        return tuple(o.value for o in self.options if o.value is not None and not o.excluded)

    @property
    def excluded_values(self) -> frozenset[Number]:
        return frozenset(o.value for o in self.options if o.value is not None and o.excluded)

    def option_for(self, value: Number) -> Option | None:
        for option in self.options:
            if option.value is not None and option.value == value:
                return option
        return None


@dataclass(frozen=True)
class Item:
    id: str
    response_set: str
    text: LocalizedText | None = None
    variants: dict[str, LocalizedText] = field(default_factory=dict)
    reverse: bool = False
    factor: str | None = None
    score_map: dict[Number, Number] | None = None

    def text_for(self, language: str = "en", audience: str | None = None) -> str | None:
        """Item wording for a language and (optionally) an audience variant."""
        if audience and audience in self.variants:
            return text_in(self.variants[audience], language)
        return text_in(self.text, language)


@dataclass(frozen=True)
class Band:
    min: Number
    max: Number
    label: LocalizedText
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.min, "max": self.max, "label": dict(self.label), "code": self.code}


@dataclass(frozen=True)
class Scale:
    id: str
    name: LocalizedText
    items: tuple[str, ...]
    method: str
    min_required: int
    on_incomplete: str
    multiply: Number = 1
    add: Number = 0
    round_digits: int | None = None
    range: tuple[Number, Number] = (0, 0)
    bands: tuple[Band, ...] = ()
    integer_valued: bool = False
    level: str | None = None
    support_type: str | None = None
    # When set, the score is the mean of these scales' scores (each must be valid), as the
    # instrument's authors publish it, not the mean of all answered items.
    of_scales: tuple[str, ...] = ()

    @property
    def has_transform(self) -> bool:
        return self.multiply != 1 or self.add != 0

    def band_for(self, score: float) -> Band | None:
        """The band holding ``score``: the last band whose minimum is at or below it.

        Bands are checked on load to be contiguous and to cover the scale's range, so this is
        the band with ``min <= score <= max`` (for continuous scales a boundary value belongs
        to the upper band).
        """
        lo, hi = self.range
        if not self.bands or math.isnan(score) or score < lo - 1e-9 or score > hi + 1e-9:
            return None
        chosen = None
        for band in self.bands:
            if band.min <= score + 1e-9:
                chosen = band
        return chosen


@dataclass(frozen=True)
class SkipRule:
    when_item: str
    op: str
    value: Number | tuple[Number, ...]
    skip: tuple[str, ...]
    impute: Number


@dataclass(frozen=True)
class SafetyTrigger:
    item: str
    op: str
    value: Number | tuple[Number, ...]
    message: LocalizedText
    code: str | None = None


@dataclass(frozen=True)
class SafetyItem:
    """An item that must be answered: when it is not, the result carries an "ask it now"
    prompt (``message``, or the engine's default wording when the definition gives none)."""

    item: str
    message: LocalizedText | None = None
    code: str | None = None


@dataclass(frozen=True)
class Licence:
    category: str
    notice: LocalizedText | None = None
    holder: str | None = None
    terms: str | None = None
    url: str | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    name: LocalizedText
    languages: tuple[str, ...]
    licence: Licence
    response_sets: dict[str, ResponseSet]
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    group_level: bool = False
    total_scale: str | None = None
    skip_rules: tuple[SkipRule, ...] = ()
    safety_triggers: tuple[SafetyTrigger, ...] = ()
    safety_items: tuple[SafetyItem, ...] = ()
    description: LocalizedText | None = None
    instructions: LocalizedText | None = None
    citation: str | None = None
    doi: str | None = None
    adaptation: str | None = None
    items_source: str | None = None
    items_supplied: bool = False
    source: str | None = None
    # The validated definition as plain data (after items_source merge); used for re-merging
    # organization-supplied items and for export.
    definition: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _items_by_id: dict[str, Item] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _scales_by_id: dict[str, Scale] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_items_by_id", {item.id: item for item in self.items})
        object.__setattr__(self, "_scales_by_id", {scale.id: scale for scale in self.scales})

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def has_item_text(self) -> bool:
        """True when every item has wording, so the instrument can be administered."""
        return bool(self.items) and all(item.text for item in self.items)

    def item(self, item_id: str) -> Item:
        return self._items_by_id[item_id]

    def has_item(self, item_id: str) -> bool:
        return item_id in self._items_by_id

    def scale(self, scale_id: str) -> Scale:
        return self._scales_by_id[scale_id]

    def response_set_for(self, item_id: str) -> ResponseSet:
        return self.response_sets[self._items_by_id[item_id].response_set]

    def scored_bounds(self, item_id: str) -> tuple[Number, Number]:
        """Lowest and highest scored value of an item (after score_map; reverse keeps them)."""
        item = self._items_by_id[item_id]
        values = [
            item.score_map.get(v, v) if item.score_map else v
            for v in self.response_sets[item.response_set].scored_values
        ]
        return min(values), max(values)

    @property
    def total(self) -> Scale | None:
        return self._scales_by_id.get(self.total_scale) if self.total_scale else None


def condition_holds(op: str, answer: Number, value: Number | tuple[Number, ...]) -> bool:
    """Evaluate a skip-rule or safety-trigger condition against one raw answer."""
    if op == "in":
        values = value if isinstance(value, tuple) else (value,)
        return any(answer == v for v in values)
    if isinstance(value, tuple):
        return False
    if op == "==":
        return answer == value
    if op == ">":
        return answer > value
    if op == ">=":
        return answer >= value
    if op == "<":
        return answer < value
    if op == "<=":
        return answer <= value
    raise ValueError(f"unknown operator {op!r}")

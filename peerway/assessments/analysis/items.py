"""Item values as the scoring engine uses them (after skip rules, exclusions, score_map and
reverse keys), for item-level statistics such as Cronbach's alpha and rwg(j).

The engine scores scales but has no public function returning keyed item values; this one is
built from the same public pieces (``validate_answers``, ``scored_value``) so it follows the
engine's order of operations exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from peerway.instruments.engine import Instrument, validate_answers
from peerway.instruments.engine.model import Number, condition_holds
from peerway.instruments.engine.scoring import scored_value


def keyed_item_values(
    instrument: Instrument, answers: Mapping[str, Number | None]
) -> dict[str, float | None]:
    """Each item's scored value, or None when unanswered or answered N/A / don't know.

    Skip rules impute first (as in ``score``), then excluded options are dropped, then
    ``score_map`` and the reverse key apply. Raises ``AnswerError`` for invalid answers.
    """
    given = validate_answers(instrument, answers)
    effective = dict(given)
    for rule in instrument.skip_rules:
        trigger = given.get(rule.when_item)
        if trigger is not None and condition_holds(rule.op, trigger, rule.value):
            for target in rule.skip:
                effective[target] = rule.impute
    out: dict[str, float | None] = {}
    for item_id in instrument.item_ids:
        raw = effective.get(item_id)
        if raw is None or raw in instrument.response_set_for(item_id).excluded_values:
            out[item_id] = None
        else:
            out[item_id] = float(scored_value(instrument, item_id, raw))
    return out


def keyed_levels(instrument: Instrument, item_id: str) -> tuple[float, ...]:
    """The distinct values an item can contribute after score_map and reverse key, sorted."""
    rs = instrument.response_set_for(item_id)
    return tuple(sorted({float(scored_value(instrument, item_id, v)) for v in rs.scored_values}))


def rating_scale(instrument: Instrument, item_ids: Sequence[str]) -> tuple[int, float] | None:
    """(number of options A, step between options) when every item of a scale can take the
    same equally spaced values, else None. rwg(j) compares variances with the variance of a
    uniform answer over A options, which assumes such a scale (values are divided by the
    step, so 0/25/50/75/100 behaves like 0–4)."""
    if not item_ids:
        return None
    levels = {keyed_levels(instrument, item_id) for item_id in item_ids}
    if len(levels) != 1:
        return None
    values = next(iter(levels))
    if len(values) < 2:
        return None
    steps = {round(b - a, 9) for a, b in zip(values, values[1:], strict=False)}
    if len(steps) != 1:
        return None
    return len(values), steps.pop()

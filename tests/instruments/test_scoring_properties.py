"""Properties of scoring that hold for any answers (hypothesis)."""

from __future__ import annotations

import random
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerway.instruments.engine import load_definition, load_library, score

from .factories import definition, item, options, scale

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LIBRARY = load_library()
SHIPPED = sorted(LIBRARY)


@cache
def contiguous_instrument(lo: int, hi: int, reverse: bool):
    values = list(range(lo, hi + 1))
    return load_definition(
        definition(
            response_sets={"r": options(values)},
            items=[item(i, "r", reverse=reverse) for i in "abcd"],
            scales=[scale("total", list("abcd"), min_answered=2, on_incomplete="prorate")],
        )
    )


@FAST
@given(
    lo=st.integers(-3, 3),
    width=st.integers(1, 6),
    data=st.data(),
)
def test_reversed_score_equals_forward_score_of_reflected_answers(lo, width, data):
    hi = lo + width
    forward = contiguous_instrument(lo, hi, reverse=False)
    reverse = contiguous_instrument(lo, hi, reverse=True)
    answers = {i: data.draw(st.integers(lo, hi) | st.none(), label=i) for i in "abcd"}
    reflected = {i: (None if v is None else lo + hi - v) for i, v in answers.items()}
    twice = {i: (None if v is None else lo + hi - v) for i, v in reflected.items()}
    assert twice == answers  # reflecting twice is the identity
    assert score(reverse, answers).total.to_dict() == score(forward, reflected).total.to_dict()


PAIR = load_definition(
    definition(
        items=[item("a"), item("b", reverse=True)],
        scales=[scale("fa", ["a"]), scale("rb", ["b"])],
        total_scale="fa",
    )
)


@pytest.mark.parametrize("value", [1, 2, 3, 4, 5])
def test_forward_plus_reversed_item_is_min_plus_max(value):
    inst = PAIR
    result = score(inst, {"a": value, "b": value})
    assert result.scales["fa"].score + result.scales["rb"].score == 1 + 5


@cache
def answer_sets(code: str, allow_missing: bool, scored_only: bool = False):
    """Strategy for whole answer dicts of a shipped instrument (one draw per dict)."""
    inst = LIBRARY[code]
    fields = {}
    for item_id in inst.item_ids:
        rs = inst.response_set_for(item_id)
        values = rs.scored_values if scored_only else sorted(rs.allowed_values)
        choices = st.sampled_from(values)
        fields[item_id] = choices | st.none() if allow_missing else choices
    return st.fixed_dictionaries(fields)


@pytest.mark.parametrize("code", SHIPPED)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_every_valid_scale_score_lies_inside_its_range(code, data):
    inst = LIBRARY[code]
    result = score(inst, data.draw(answer_sets(code, allow_missing=True)))
    for scale_id, s in result.scales.items():
        if s.valid:
            lo, hi = inst.scale(scale_id).range
            assert lo - 1e-9 <= s.score <= hi + 1e-9, (scale_id, s.score)
            if inst.scale(scale_id).bands:
                assert s.band is not None


@pytest.mark.parametrize("code", SHIPPED)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_complete_answers_always_give_valid_scores(code, data):
    inst = LIBRARY[code]
    answers = data.draw(answer_sets(code, allow_missing=False, scored_only=True))
    result = score(inst, answers)
    assert result.valid
    assert result.n_answered == len(inst.items)


@settings(max_examples=30, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_order_of_the_answers_dict_does_not_change_the_result(data, seed):
    code = data.draw(st.sampled_from(SHIPPED), label="code")
    inst = LIBRARY[code]
    answers = data.draw(answer_sets(code, allow_missing=True))
    keys = list(answers)
    random.Random(seed).shuffle(keys)
    shuffled = {k: answers[k] for k in keys}
    assert score(inst, shuffled).to_dict() == score(inst, answers).to_dict()


PRORATED = load_definition(
    definition(scales=[scale("total", list("abcd"), min_answered=2, on_incomplete="prorate")])
)


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_prorating_equals_full_score_when_missing_items_are_answered_at_the_mean(data):
    inst = PRORATED
    mean = data.draw(st.integers(1, 5), label="mean")
    n_answered = data.draw(st.integers(2, 3), label="answered")
    # Pairs (mean + d, mean − d) keep the mean exact; an odd count adds the mean itself.
    values: list[int] = []
    while len(values) + 2 <= n_answered:
        d = data.draw(st.integers(0, min(mean - 1, 5 - mean)), label="d")
        values += [mean + d, mean - d]
    if len(values) < n_answered:
        values.append(mean)
    answered_ids = data.draw(st.permutations(list("abcd")), label="order")[:n_answered]
    partial = dict(zip(answered_ids, values, strict=True))
    full = {i: partial.get(i, mean) for i in "abcd"}
    prorated = score(inst, partial).total
    assert prorated.prorated
    assert prorated.score == pytest.approx(score(inst, full).total.score)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_phq9_prorating_matches_answering_missing_items_at_the_mean(data):
    phq9 = LIBRARY["phq9"]
    mean = data.draw(st.integers(0, 3), label="mean")
    missing = data.draw(st.integers(1, 2), label="missing")
    ids = data.draw(st.permutations(list(phq9.item_ids)), label="order")
    answered = ids[: 9 - missing]
    values: list[int] = []
    while len(values) + 2 <= len(answered):
        d = data.draw(st.integers(0, min(mean, 3 - mean)), label="d")
        values += [mean + d, mean - d]
    if len(values) < len(answered):
        values.append(mean)
    partial = dict(zip(answered, values, strict=True))
    full = {i: partial.get(i, mean) for i in phq9.item_ids}
    assert score(phq9, partial).total.score == score(phq9, full).total.score == 9 * mean

"""Totals published as the mean of subscale scores (ILS, ICS) are scored that way, also when
answers are missing, and a definition that asks for one is checked on load."""

from __future__ import annotations

import pytest

from peerway.instruments.engine import DefinitionError, load_definition
from peerway.instruments.engine.loader import load_library
from peerway.instruments.engine.scoring import score

from .factories import definition, item, scale


def _two_subscales(**total_extra):
    return definition(
        items=[item(i) for i in "abcde"],
        scales=[
            scale("short", ["a", "b"], "mean", min_answered=1, on_incomplete="prorate"),
            scale("long", ["c", "d", "e"], "mean", min_answered=2, on_incomplete="prorate"),
            scale("total", list("abcde"), "mean", of_scales=["short", "long"], **total_extra),
        ],
    )


def test_total_is_the_mean_of_subscale_means_not_of_items():
    instrument = load_definition(_two_subscales())
    result = score(instrument, {"a": 5, "b": 5, "c": 1, "d": 1, "e": 1})
    # Items: 13 / 5 = 2.6. Published rule: (5 + 1) / 2 = 3.
    assert result.total.score == pytest.approx(3.0)
    assert result.total.valid


def test_with_missing_answers_each_subscale_keeps_its_weight():
    instrument = load_definition(_two_subscales())
    result = score(instrument, {"a": 5, "b": None, "c": 1, "d": 2, "e": None})
    assert result.scales["short"].score == pytest.approx(5.0)
    assert result.scales["long"].score == pytest.approx(1.5)
    assert result.total.score == pytest.approx(3.25)
    assert result.total.prorated
    assert result.total.n_answered == 3


def test_total_is_not_scored_when_a_subscale_is_not():
    instrument = load_definition(_two_subscales())
    result = score(instrument, {"a": 5, "b": 4, "c": 1, "d": None, "e": None})
    assert not result.scales["long"].valid
    assert not result.total.valid
    assert result.total.score is None
    assert "long" in result.total.reason


@pytest.mark.parametrize(
    ("of_scales", "field", "problem"),
    [
        (["short", "nowhere"], "scales[2].of_scales[1]", "defined before"),
        (["short", "short"], "scales[2].of_scales", "exactly once"),
        (["short"], "scales[2].of_scales", "too short"),
    ],
)
def test_bad_subscale_lists_are_named(of_scales, field, problem):
    data = _two_subscales()
    data["scales"][2]["of_scales"] = of_scales
    with pytest.raises(DefinitionError) as exc:
        load_definition(data)
    assert exc.value.field == field
    assert problem in str(exc.value)


def test_subscales_must_cover_the_items_of_the_total():
    data = _two_subscales()
    data["scales"][2]["items"] = ["a", "b", "c", "d"]
    with pytest.raises(DefinitionError) as exc:
        load_definition(data)
    assert exc.value.field == "scales[2].of_scales"


def test_a_sum_cannot_be_a_mean_of_subscales():
    data = _two_subscales()
    data["scales"][2]["method"] = "sum"
    with pytest.raises(DefinitionError) as exc:
        load_definition(data)
    assert exc.value.field == "scales[2].method"


@pytest.mark.parametrize(
    ("code", "subscales"),
    [
        ("ils", ["proactive", "knowledgeable", "supportive", "perseverant"]),
        (
            "ics",
            [
                "focus",
                "educational_support",
                "recognition",
                "rewards",
                "selection_for_peer_support",
                "selection_for_openness",
            ],
        ),
    ],
)
def test_shipped_ils_and_ics_totals_follow_the_published_rule(code, subscales):
    instrument = load_library()[code]
    total = instrument.scale(instrument.total_scale)
    assert total.of_scales == tuple(subscales)
    # One subscale answered high, the others low, one answer missing in the first subscale:
    # the mean of items would give the high subscale less weight than the rule does.
    answers = {i.id: 0 for i in instrument.items}
    first = instrument.scale(subscales[0]).items
    answers[first[0]] = 4
    answers[first[1]] = 4
    answers[first[2]] = None
    result = score(instrument, answers)
    assert result.total.score == pytest.approx(4 / len(subscales))
    item_mean = 8 / (len(instrument.items) - 1)
    assert result.total.score != pytest.approx(item_mean)

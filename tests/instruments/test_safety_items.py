"""A safety item (PHQ-9 item 9) is never silently covered by prorating: when it is missing the
result says so and asks for it now."""

from __future__ import annotations

import json

import pytest

from peerway.instruments.engine import DefinitionError, load_definition, load_library, score
from peerway.instruments.engine.cli import score_json

from .factories import definition, item, scale


@pytest.fixture(scope="module")
def phq9():
    return load_library()["phq9"]


def all_twos(inst, **overrides):
    answers = dict.fromkeys(inst.item_ids, 2)
    answers.update(overrides)
    return answers


def test_phq9_declares_item_9_as_its_safety_item(phq9):
    assert [s.item for s in phq9.safety_items] == ["phq9_9"]


def test_phq9_with_item_9_unanswered_keeps_the_prorated_total_but_says_item_9_is_missing(phq9):
    result = score(phq9, all_twos(phq9, phq9_9=None))

    # The published rule still gives a total (8 answers of 2, prorated to 9 items)...
    assert result.valid
    assert result.total.score == 18
    assert result.total.prorated
    # ...but the total says it was computed without the safety item, and the result asks for it.
    assert result.total.missing_safety_items == ("phq9_9",)
    assert not result.safety_complete
    [missing] = result.missing_safety_items
    assert (missing.item, missing.number, missing.reason) == ("phq9_9", 9, "not_answered")
    assert missing.code == "phq9_item9_missing"
    assert missing.message["en"].startswith("Safety item not answered: ask it now.")
    assert missing.message["fr"].startswith("Question de sécurité sans réponse")


def test_phq9_with_item_9_left_out_of_the_answers_is_missing_too(phq9):
    answers = all_twos(phq9)
    del answers["phq9_9"]
    assert [m.item for m in score(phq9, answers).missing_safety_items] == ["phq9_9"]


@pytest.mark.parametrize("value", [0, 1, 3])
def test_phq9_with_item_9_answered_has_no_missing_safety_item(phq9, value):
    result = score(phq9, all_twos(phq9, phq9_9=value))
    assert result.safety_complete
    assert result.missing_safety_items == ()
    assert result.total.missing_safety_items == ()


def test_another_missing_item_is_prorated_without_a_safety_prompt(phq9):
    result = score(phq9, all_twos(phq9, phq9_3=None))
    assert result.total.prorated
    assert result.safety_complete


def test_a_too_incomplete_phq9_is_invalid_and_still_asks_for_item_9(phq9):
    answers = all_twos(phq9, phq9_7=None, phq9_8=None, phq9_9=None)
    result = score(phq9, answers)
    assert not result.valid
    assert result.total.score is None
    assert [m.item for m in result.missing_safety_items] == ["phq9_9"]


def test_the_result_as_json_carries_the_prompt(phq9):
    data = score(phq9, all_twos(phq9, phq9_9=None)).to_dict()
    assert data["safety_complete"] is False
    assert data["missing_safety_items"][0]["item"] == "phq9_9"
    assert data["total"]["missing_safety_items"] == ["phq9_9"]
    json.dumps(data)  # stays JSON-ready


def test_cli_score_output_includes_the_missing_safety_item():
    answers = {f"phq9_{i}": 1 for i in range(1, 9)}
    out = score_json("phq9", json.dumps(answers))
    assert out["total"]["score"] == 9
    assert out["safety_complete"] is False
    assert out["missing_safety_items"][0]["message"]["en"].startswith(
        "Safety item not answered: ask it now."
    )


# --------------------------------------------------------------------------- definitions


def safety_definition(**extra):
    return definition(
        response_sets={
            "agree5": [{"value": v, "label": {"en": str(v), "fr": str(v)}} for v in range(1, 6)],
            "agree5_na": [{"value": v, "label": {"en": str(v), "fr": str(v)}} for v in range(1, 6)]
            + [{"value": 9, "label": {"en": "Don't know", "fr": "Ne sait pas"}, "excluded": True}],
        },
        items=[item("a"), item("b"), item("c"), item("d", "agree5_na")],
        scales=[scale("total", ["a", "b", "c", "d"], min_answered=3, on_incomplete="prorate")],
        **extra,
    )


def test_a_safety_item_without_its_own_wording_gets_the_default_prompt_with_its_number():
    inst = load_definition(safety_definition(safety_items=[{"item": "d"}]))
    [missing] = score(inst, {"a": 1, "b": 1, "c": 1}).missing_safety_items
    assert missing.number == 4
    assert "Question 4 is a safety question" in missing.message["en"]
    assert "La question 4 est une question de sécurité" in missing.message["fr"]


def test_dont_know_on_a_safety_item_counts_as_missing():
    inst = load_definition(safety_definition(safety_items=[{"item": "d"}]))
    [missing] = score(inst, {"a": 1, "b": 1, "c": 1, "d": 9}).missing_safety_items
    assert missing.reason == "excluded_answer"


def test_a_safety_item_must_name_a_known_item():
    with pytest.raises(DefinitionError) as exc:
        load_definition(safety_definition(safety_items=[{"item": "z"}]))
    assert exc.value.field == "safety_items[0].item"
    assert "unknown item 'z'" in str(exc.value)


def test_a_safety_item_cannot_be_listed_twice():
    with pytest.raises(DefinitionError) as exc:
        load_definition(safety_definition(safety_items=[{"item": "d"}, {"item": "d"}]))
    assert exc.value.field == "safety_items[1].item"


def test_a_safety_item_cannot_be_skipped_by_a_skip_rule():
    data = safety_definition(
        safety_items=[{"item": "b"}],
        skip_rules=[{"when": {"item": "a", "op": "==", "value": 1}, "skip": ["b"], "impute": 1}],
    )
    with pytest.raises(DefinitionError) as exc:
        load_definition(data)
    assert exc.value.field == "safety_items[0].item"
    assert "cannot be skipped" in str(exc.value)


def test_a_safety_item_message_needs_every_language():
    with pytest.raises(DefinitionError) as exc:
        load_definition(safety_definition(safety_items=[{"item": "d", "message": {"en": "Ask"}}]))
    assert exc.value.field.startswith("safety_items[0].message")

"""The pure functions behind `peerway instruments list` and `peerway score`."""

from __future__ import annotations

import json

import pytest
import yaml

from peerway.instruments.engine import AnswerError, UnknownInstrument
from peerway.instruments.engine.cli import list_library_json, score_json


def test_instrument_list_is_json_with_licence_and_item_counts():
    entries = list_library_json()
    json.dumps(entries)
    by_code = {e["code"]: e for e in entries}
    phq9 = by_code["phq9"]
    assert phq9["item_count"] == 9
    assert phq9["licence_category"] == "free_with_notice"
    assert phq9["languages"] == ["en", "fr"]
    assert phq9["version"] == "1"
    assert phq9["has_item_text"] and not phq9["items_supplied"]
    assert by_code["wemwbs"]["licence_category"] == "structure_only"
    assert not by_code["wemwbs"]["has_item_text"]
    assert "pibc" in by_code  # available, or listed with the reason it is not
    assert [e["code"] for e in entries] == sorted(by_code)


def test_instrument_list_shows_organization_supplied_items(tmp_path):
    supplied = {
        "code": "swemwbs",
        "version": "1",
        "languages": ["en"],
        "items": [{"id": f"swemwbs_{n}", "text": {"en": f"Item {n}"}} for n in range(1, 8)],
    }
    (tmp_path / "swemwbs.yaml").write_text(yaml.safe_dump(supplied), encoding="utf-8")
    by_code = {e["code"]: e for e in list_library_json(tmp_path)}
    assert by_code["swemwbs"]["items_supplied"]
    assert by_code["swemwbs"]["has_item_text"]


def test_score_json_returns_scores_and_flags():
    answers = {f"phq9_{n}": 1 for n in range(1, 10)}
    result = score_json("phq9", json.dumps(answers))
    assert result["total"]["score"] == 9
    assert result["total"]["band"]["code"] == "mild"
    assert result["flags"][0]["item"] == "phq9_9"


def test_score_json_unknown_instrument_lists_the_known_ones():
    with pytest.raises(UnknownInstrument) as exc:
        score_json("mbi", "{}")
    message = str(exc.value)
    assert message.startswith("unknown instrument 'mbi'")
    assert "phq9" in message


def test_score_json_unknown_version_is_named():
    with pytest.raises(UnknownInstrument) as exc:
        score_json("phq9", "{}", version="7")
    assert str(exc.value) == "instrument 'phq9' has no version '7'; known versions: 1"


def test_score_json_bad_answer_names_the_item():
    with pytest.raises(AnswerError) as exc:
        score_json("gad7", '{"gad7_4": "often"}')
    assert str(exc.value).startswith("gad7_4: wrong type")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("{not json", "not valid JSON at line 1, column 2"), ("[1, 2]", "expected a JSON object")],
)
def test_score_json_rejects_text_that_is_not_an_answers_object(text, fragment):
    with pytest.raises(AnswerError) as exc:
        score_json("gad7", text)
    assert exc.value.item == "answers"
    assert fragment in str(exc.value)

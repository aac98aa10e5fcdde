"""Bad definitions are refused with a message that names the offending field."""

from __future__ import annotations

import pytest

from peerway.instruments.engine import DefinitionError, load_definition
from peerway.instruments.engine.loader import read_definition_file

from .factories import definition, item, options, scale


def error_for(data) -> DefinitionError:
    with pytest.raises(DefinitionError) as exc:
        load_definition(data)
    return exc.value


# --------------------------------------------------------------------------- schema


def test_missing_required_field_is_named():
    data = definition()
    del data["items"][3]["response_set"]
    err = error_for(data)
    assert err.field == "items[3].response_set"
    assert "items[3].response_set: is required" in str(err)


def test_wrong_type_inside_options_names_the_path():
    data = definition()
    data["response_sets"]["agree5"][2]["value"] = "three"
    err = error_for(data)
    assert err.field == "response_sets.agree5[2].value"
    assert "not of type" in err.problem


def test_unknown_field_is_named_as_not_allowed():
    data = definition()
    data["items"][1]["colour"] = "blue"
    err = error_for(data)
    assert err.field == "items[1].colour"
    assert err.problem == "is not an allowed field here"


def test_unknown_method_is_refused():
    data = definition(scales=[scale("total", ["a"], method="median")])
    assert error_for(data).field == "scales[0].method"


def test_unknown_licence_category_is_refused():
    data = definition(licence={"category": "maybe"})
    assert error_for(data).field == "licence.category"


def test_unknown_audience_in_variants_is_refused():
    data = definition()
    data["items"][0]["variants"] = {"clinicians": {"en": "x", "fr": "y"}}
    assert error_for(data).field.startswith("items[0].variants")


def test_code_must_be_lowercase_identifier():
    assert error_for(definition(code="PHQ-9")).field == "code"


# --------------------------------------------------------------------------- semantics


def test_scale_listing_an_unknown_item_names_the_position():
    data = definition(scales=[scale("total", ["a", "b", "zzz"], min_answered=3)])
    err = error_for(data)
    assert err.field == "scales[0].items[2]"
    assert "unknown item 'zzz'" in err.problem


def test_item_with_unknown_response_set_is_refused():
    data = definition()
    data["items"][2]["response_set"] = "nope"
    err = error_for(data)
    assert err.field == "items[2].response_set"
    assert "unknown response set 'nope'" in err.problem


def test_duplicate_item_ids_are_refused():
    data = definition(items=[item("a"), item("a")], scales=[scale("t", ["a"])])
    assert error_for(data).field == "items[1].id"


def test_missing_french_text_is_named():
    data = definition()
    del data["items"][2]["text"]["fr"]
    err = error_for(data)
    assert err.field == "items[2].text"
    assert "'fr'" in err.problem


def test_open_instrument_without_item_text_is_refused():
    data = definition()
    del data["items"][0]["text"]
    assert error_for(data).field == "items[0].text"


def test_structure_only_definition_must_not_ship_item_text():
    data = definition(licence={"category": "structure_only"})
    err = error_for(data)
    assert err.field == "items[0].text"
    assert "must not ship item text" in err.problem


def test_free_with_notice_needs_a_notice():
    err = error_for(definition(licence={"category": "free_with_notice"}))
    assert err.field == "licence.notice"


def test_response_set_needs_two_scored_options():
    data = definition()
    data["response_sets"]["agree5"] = options([1], excluded={9: "N/A"})
    err = error_for(data)
    assert err.field == "response_sets.agree5"


def test_null_value_is_only_allowed_on_excluded_options():
    data = definition()
    data["response_sets"]["agree5"].append({"value": None, "label": {"en": "x", "fr": "x"}})
    assert error_for(data).field == "response_sets.agree5[5].value"


def test_duplicate_option_value_is_refused():
    data = definition()
    data["response_sets"]["agree5"][1]["value"] = 1
    err = error_for(data)
    assert err.field == "response_sets.agree5[1].value"
    assert "duplicate value 1" in err.problem


def test_score_map_must_cover_every_scored_value():
    data = definition()
    data["items"][0]["score_map"] = {1: 0, 2: 25, 3: 50, 4: 75}
    err = error_for(data)
    assert err.field == "items[0].score_map"
    assert "no mapping for answer value(s) 5" in err.problem


def test_score_map_key_must_be_an_answer_value():
    data = definition()
    data["items"][0]["score_map"] = {1: 0, 2: 25, 3: 50, 4: 75, 5: 100, 6: 125}
    assert "key 6 is not a scored value" in error_for(data).problem


def test_score_map_accepts_numeric_string_keys_from_json():
    data = definition()
    data["items"][0]["score_map"] = {"1": 0, "2": 25, "3": 50, "4": 75, "5": 100}
    assert load_definition(data).item("a").score_map == {1: 0, 2: 25, 3: 50, 4: 75, 5: 100}


def test_given_range_must_match_the_items():
    data = definition(scales=[scale("total", list("abcd"), range=[0, 20])])
    err = error_for(data)
    assert err.field == "scales[0].range"
    assert "[4, 20]" in err.problem


def test_min_answered_above_item_count_is_refused():
    data = definition(scales=[scale("total", list("abcd"), min_answered=5)])
    err = error_for(data)
    assert err.field == "scales[0].min_answered"
    assert "5 is more than the scale's 4 items" in err.problem


def test_sum_that_refuses_incomplete_answers_must_require_every_item():
    data = definition(
        scales=[scale("total", list("abcd"), min_answered=3, on_incomplete="invalid")]
    )
    assert error_for(data).field == "scales[0].on_incomplete"


def band(lo, hi):
    return {"min": lo, "max": hi, "label": {"en": f"{lo}-{hi}", "fr": f"{lo}-{hi}"}}


def test_band_gap_is_refused_naming_the_band():
    data = definition(scales=[scale("total", list("abcd"), bands=[band(4, 10), band(12, 20)])])
    err = error_for(data)
    assert err.field == "scales[0].bands[1].min"
    assert "gap between 10 and 12" in err.problem


def test_band_overlap_is_refused_naming_the_band():
    data = definition(scales=[scale("total", list("abcd"), bands=[band(4, 10), band(10, 20)])])
    err = error_for(data)
    assert err.field == "scales[0].bands[1].min"
    assert "overlaps the previous band" in err.problem


def test_bands_must_start_and_end_at_the_scale_range():
    data = definition(scales=[scale("total", list("abcd"), bands=[band(0, 10), band(11, 20)])])
    assert error_for(data).field == "scales[0].bands[0].min"
    data = definition(scales=[scale("total", list("abcd"), bands=[band(4, 10), band(11, 19)])])
    assert error_for(data).field == "scales[0].bands[1].max"


def test_integer_bands_on_an_unrounded_prorated_sum_are_refused():
    # A prorated sum can be 10.5, which 4–10 / 11–20 bands would not cover.
    data = definition(
        scales=[
            scale(
                "total",
                list("abcd"),
                min_answered=3,
                on_incomplete="prorate",
                bands=[band(4, 10), band(11, 20)],
            )
        ]
    )
    assert "gap between 10 and 11" in error_for(data).problem
    data["scales"][0]["round"] = 0
    assert load_definition(data).scale("total").integer_valued


def test_skip_rule_on_unknown_item_is_refused():
    data = definition(
        skip_rules=[{"when": {"item": "zz", "op": "==", "value": 1}, "skip": ["b"], "impute": 1}]
    )
    assert error_for(data).field == "skip_rules[0].when.item"


def test_skip_rule_imputing_a_value_that_is_not_an_option_is_refused():
    data = definition(
        skip_rules=[{"when": {"item": "a", "op": "==", "value": 1}, "skip": ["b"], "impute": 0}]
    )
    err = error_for(data)
    assert err.field == "skip_rules[0].impute"
    assert "item 'b'" in err.problem


def test_safety_trigger_that_can_never_fire_is_refused():
    data = definition(
        safety_triggers=[{"item": "a", "op": ">", "value": 5, "message": {"en": "x", "fr": "x"}}]
    )
    err = error_for(data)
    assert err.field == "safety_triggers[0].value"
    assert "no answer of item 'a' satisfies > 5" in err.problem


def test_safety_trigger_on_unknown_item_is_refused():
    data = definition(
        safety_triggers=[{"item": "q", "op": ">", "value": 0, "message": {"en": "x", "fr": "x"}}]
    )
    assert error_for(data).field == "safety_triggers[0].item"


def test_total_scale_must_exist():
    assert error_for(definition(total_scale="overall")).field == "total_scale"


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("code: x\nitems: [\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        read_definition_file(path)
    assert exc.value.field == "(file)"
    assert "line" in exc.value.problem
    assert str(path) in str(exc.value)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(DefinitionError) as exc:
        load_definition(tmp_path / "absent.yaml")
    assert "file not found" in str(exc.value)


def test_error_message_includes_the_source_file(tmp_path):
    path = tmp_path / "definition.yaml"
    path.write_text("code: Bad Code\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load_definition(path)
    assert str(exc.value).startswith(str(path))

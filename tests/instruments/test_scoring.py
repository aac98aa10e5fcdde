"""Scoring rules, each checked on a hand-computed case."""

from __future__ import annotations

import json

import pytest

from peerway.instruments.engine import AnswerError, load_definition, load_library, score

from .factories import definition, item, scale


@pytest.fixture(scope="module")
def library():
    return load_library()


def answers_for(inst, value, **overrides):
    out = dict.fromkeys(inst.item_ids, value)
    out.update(overrides)
    return out


# --------------------------------------------------------------------------- published rules


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands_at_each_boundary(library, total, band):
    phq9 = library["phq9"]
    # Fill items with 3s, then the remainder, then zeros: the sum is `total`.
    answers, left = {}, total
    for item_id in phq9.item_ids:
        answers[item_id] = min(3, left)
        left -= answers[item_id]
    result = score(phq9, answers)
    assert result.total.score == total
    assert result.total.band.code == band


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate")]
    + [(14, "moderate"), (15, "severe"), (21, "severe")],
)
def test_gad7_bands_at_each_boundary(library, total, band):
    gad7 = library["gad7"]
    answers, left = {}, total
    for item_id in gad7.item_ids:
        answers[item_id] = min(3, left)
        left -= answers[item_id]
    assert score(gad7, answers).total.band.code == band


@pytest.mark.parametrize(
    ("total", "band"),
    [(10, "low"), (15, "low"), (16, "moderate"), (21, "moderate"), (22, "high"), (29, "high")]
    + [(30, "very_high"), (50, "very_high")],
)
def test_k10_bands_at_each_boundary(library, total, band):
    k10 = library["k10"]
    # Items 2 and 5 are raised first, so a skip rule only fires when every item is 1
    # (and then imputes the 1 that was given anyway).
    answers = dict.fromkeys(k10.item_ids, 1)
    left = total - 10
    for item_id in ["k10_2", "k10_5"] + [i for i in k10.item_ids if i not in ("k10_2", "k10_5")]:
        extra = min(4, left)
        answers[item_id] += extra
        left -= extra
    result = score(k10, answers)
    assert result.total.score == total
    assert result.total.band.code == band


@pytest.mark.parametrize(("total", "band"), [(46, "below_47"), (47, "at_or_above_47")])
def test_barc10_threshold_of_47(library, total, band):
    barc = library["barc10"]
    answers = dict.fromkeys(barc.item_ids, 4)  # 40
    left = total - 40
    for item_id in barc.item_ids:
        extra = min(2, left)
        answers[item_id] += extra
        left -= extra
    result = score(barc, answers)
    assert result.total.score == total
    assert result.total.band.code == band


def test_k10_all_none_of_the_time_scores_10_and_all_of_the_time_scores_50(library):
    k10 = library["k10"]
    assert score(k10, answers_for(k10, 1)).total.score == 10
    assert score(k10, answers_for(k10, 5)).total.score == 50


def test_qpr15_sums_items_scored_0_to_4(library):
    qpr = library["qpr15"]
    answers = {item_id: i % 5 for i, item_id in enumerate(qpr.item_ids)}  # 0,1,2,3,4 ×3
    assert score(qpr, answers).total.score == 30


def test_oric_subscales_are_means_of_their_items(library):
    oric = library["oric"]
    commitment = {"oric_2": 5, "oric_4": 4, "oric_6": 4, "oric_9": 3, "oric_11": 4}
    efficacy = dict.fromkeys(oric.scale("change_efficacy").items, 2)
    result = score(oric, {**commitment, **efficacy})
    assert result.scales["change_commitment"].score == pytest.approx(4.0)
    assert result.scales["change_efficacy"].score == pytest.approx(2.0)
    assert result.total is None  # ORIC has no total


def test_aim_iam_fim_give_one_mean_per_measure(library):
    inst = library["aim_iam_fim"]
    answers = {"aim_1": 5, "aim_2": 4, "aim_3": 4, "aim_4": 3}
    answers |= {f"iam_{i}": 2 for i in range(1, 5)}
    answers |= {"fim_1": 1, "fim_2": 2, "fim_3": 3, "fim_4": 4}
    result = score(inst, answers)
    assert result.scales["aim"].score == pytest.approx(4.0)
    assert result.scales["iam"].score == pytest.approx(2.0)
    assert result.scales["fim"].score == pytest.approx(2.5)


def test_ils_total_is_the_mean_of_all_twelve_items(library):
    ils = library["ils"]
    answers = {item_id: (3 if n < 6 else 1) for n, item_id in enumerate(ils.item_ids)}
    result = score(ils, answers)
    assert result.scales["proactive"].score == 3
    assert result.scales["perseverant"].score == 1
    assert result.total.score == pytest.approx(2.0)


# --------------------------------------------------------------------------- score_map, reverse


def test_cbi_answers_score_100_75_50_25_0(library):
    cbi = library["cbi"]
    personal = cbi.scale("personal").items
    for raw, expected in [(1, 100), (2, 75), (3, 50), (4, 25), (5, 0)]:
        result = score(cbi, dict.fromkeys(personal, raw))
        assert result.scales["personal"].score == expected


def test_cbi_reverse_item_scores_always_having_energy_as_no_burnout(library):
    cbi = library["cbi"]
    work = dict.fromkeys(cbi.scale("work").items, 1)  # "Always"/"very high" = 100
    work["cbi_w7"] = 1  # always enough energy → 0 after reversing
    result = score(cbi, work)
    assert result.scales["work"].score == pytest.approx(600 / 7)


def test_cbi_scale_needs_three_answered_items(library):
    cbi = library["cbi"]
    result = score(cbi, {"cbi_p1": 1, "cbi_p2": 3})
    personal = result.scales["personal"]
    assert not personal.valid
    assert personal.reason == "2 of 6 items answered; needs 3"
    result = score(cbi, {"cbi_p1": 1, "cbi_p2": 3, "cbi_p3": 5})
    assert result.scales["personal"].score == 50
    assert result.scales["personal"].prorated


def test_reverse_key_is_min_plus_max_minus_value():
    inst = load_definition(
        definition(
            items=[item("a"), item("b", reverse=True)],
            scales=[scale("total", ["a", "b"])],
        )
    )
    # b reversed over 1..5: 1→5, 2→4, 4→2
    assert score(inst, {"a": 1, "b": 1}).total.score == 6
    assert score(inst, {"a": 1, "b": 2}).total.score == 5
    assert score(inst, {"a": 1, "b": 4}).total.score == 3


def test_herth_reverse_items_3_and_6_are_flipped(library):
    hhi = library["herth_hope_index"]
    answers = dict.fromkeys(hhi.item_ids, 4)
    assert score(hhi, answers).total.score == 4 * 10 + 1 * 2


def test_reverse_applies_after_score_map_over_the_mapped_range():
    inst = load_definition(
        definition(
            items=[item("a", score_map={1: 0, 2: 10, 3: 20, 4: 30, 5: 40}, reverse=True)],
            scales=[scale("total", ["a"])],
        )
    )
    assert score(inst, {"a": 1}).total.score == 40
    assert score(inst, {"a": 5}).total.score == 0


# --------------------------------------------------------------------------- skip rules


def test_k10_items_3_and_6_are_imputed_as_1_after_none_of_the_time(library):
    k10 = library["k10"]
    answers = answers_for(k10, 3, k10_2=1, k10_3=None, k10_5=1, k10_6=None)
    result = score(k10, answers)
    assert result.imputed == {"k10_3": 1, "k10_6": 1}
    # 6 items × 3 + items 2, 3, 5, 6 at 1
    assert result.total.score == 6 * 3 + 4
    assert result.total.n_imputed == 2
    assert not result.total.prorated


def test_k10_skip_rule_overrides_an_answer_sent_for_a_skipped_question(library):
    k10 = library["k10"]
    answers = answers_for(k10, 2, k10_2=1, k10_3=5)
    result = score(k10, answers)
    assert result.imputed == {"k10_3": 1}
    assert result.total.score == 8 * 2 + 1 + 1


def test_k10_skip_rule_does_not_fire_when_the_item_before_is_above_none(library):
    k10 = library["k10"]
    result = score(k10, answers_for(k10, 2))
    assert result.imputed == {}
    assert result.total.score == 20


# --------------------------------------------------------------------------- N/A, completion


def test_not_applicable_answers_are_excluded_from_a_mean():
    inst = load_definition(
        definition(
            items=[item(i, "agree5_na") for i in "abcd"],
            scales=[scale("mean", list("abcd"), method="mean", min_answered=2)],
            total_scale="mean",
        )
    )
    result = score(inst, {"a": 2, "b": 4, "c": 9, "d": 9})
    assert result.total.score == 3
    assert result.total.n_excluded == 2
    assert result.total.n_answered == 2
    assert result.n_answered == 4


def test_not_applicable_answers_count_against_minimum_completion_with_reason():
    inst = load_definition(
        definition(
            items=[item(i, "agree5_na") for i in "abcd"],
            scales=[scale("mean", list("abcd"), method="mean", min_answered=3)],
            total_scale="mean",
        )
    )
    result = score(inst, {"a": 2, "b": 4, "c": 9})
    assert not result.total.valid
    assert result.total.score is None
    assert result.total.reason == (
        "2 of 4 items answered; needs 3 (1 answered N/A or don't know, which are not scored)"
    )


def test_prorated_sum_is_mean_of_answered_times_number_of_items():
    inst = load_definition(
        definition(scales=[scale("total", list("abcd"), min_answered=3, on_incomplete="prorate")])
    )
    result = score(inst, {"a": 1, "b": 2, "c": 4})
    assert result.total.score == pytest.approx(7 / 3 * 4)
    assert result.total.prorated


def test_phq9_prorates_two_missing_items_and_rounds_half_up(library):
    phq9 = library["phq9"]
    # 7 answered summing to 7 → 7/7×9 = 9
    answers = {f"phq9_{i}": 1 for i in range(1, 8)}
    assert score(phq9, answers).total.score == 9
    # 8 answered summing to 9 → 9/8×9 = 10.125 → 10
    answers = {f"phq9_{i}": 1 for i in range(1, 9)} | {"phq9_1": 2}
    assert score(phq9, answers).total.score == 10
    # 8 answered summing to 12 → 13.5 → 14 (half up, not to even)
    answers = {f"phq9_{i}": 1 for i in range(1, 9)} | {"phq9_1": 3, "phq9_2": 3}
    assert score(phq9, answers).total.score == 14


def test_phq9_with_three_missing_items_is_invalid_with_reason(library):
    phq9 = library["phq9"]
    result = score(phq9, {f"phq9_{i}": 1 for i in range(1, 7)})
    assert not result.total.valid
    assert result.total.reason == "6 of 9 items answered; needs 7"
    assert result.total.band is None
    assert not result.valid


def test_invalid_rule_refuses_an_incomplete_sum_and_names_the_counts():
    inst = load_definition(definition())
    result = score(inst, {"a": 1, "b": 2, "c": 3})
    assert not result.total.valid
    assert result.total.reason == "3 of 4 items answered; needs 4"


def test_fraction_min_answered_rounds_up():
    inst = load_definition(
        definition(
            items=[item(str(n)) for n in range(10)],
            scales=[scale("m", [str(n) for n in range(10)], method="mean", min_answered=0.7)],
        )
        | {"total_scale": "m"}
    )
    assert inst.scale("m").min_required == 7
    assert not score(inst, {str(n): 3 for n in range(6)}).total.valid
    assert score(inst, {str(n): 3 for n in range(7)}).total.valid


# --------------------------------------------------------------------------- transforms, bands


def test_linear_transform_applies_after_the_mean():
    inst = load_definition(
        definition(
            scales=[
                scale(
                    "pct",
                    list("abcd"),
                    method="mean",
                    transform={"multiply": 25, "add": -25},
                    range=[0, 100],
                )
            ],
            total_scale="pct",
        )
    )
    assert score(inst, dict.fromkeys("abcd", 1)).total.score == 0
    assert score(inst, dict.fromkeys("abcd", 5)).total.score == 100
    assert score(inst, {"a": 2, "b": 3, "c": 3, "d": 4}).total.score == 50


def test_continuous_bands_put_a_boundary_value_in_the_upper_band():
    inst = load_definition(
        definition(
            scales=[
                scale(
                    "m",
                    list("abcd"),
                    method="mean",
                    bands=[
                        {"min": 1, "max": 2.5, "label": {"en": "low", "fr": "bas"}},
                        {"min": 2.5, "max": 5, "label": {"en": "high", "fr": "haut"}},
                    ],
                )
            ],
            total_scale="m",
        )
    )
    assert score(inst, {"a": 2, "b": 2, "c": 3, "d": 2}).total.band.label["en"] == "low"
    assert score(inst, {"a": 2, "b": 3, "c": 3, "d": 2}).total.band.label["en"] == "high"


# --------------------------------------------------------------------------- safety triggers


def test_phq9_item9_above_zero_fires_safety_trigger(library):
    phq9 = library["phq9"]
    for value in (1, 2, 3):
        result = score(phq9, answers_for(phq9, 0, phq9_9=value))
        assert [(f.item, f.answer, f.code) for f in result.flags] == [
            ("phq9_9", value, "phq9_item9")
        ]
        assert "safety" in result.flags[0].message["en"]


def test_phq9_item9_at_zero_or_missing_fires_nothing(library):
    phq9 = library["phq9"]
    assert score(phq9, answers_for(phq9, 0)).flags == ()
    assert score(phq9, answers_for(phq9, 2, phq9_9=None)).flags == ()


def test_safety_trigger_with_in_operator():
    inst = load_definition(
        definition(
            safety_triggers=[
                {"item": "a", "op": "in", "value": [4, 5], "message": {"en": "x", "fr": "x"}}
            ]
        )
    )
    assert score(inst, {"a": 5}).flags[0].item == "a"
    assert score(inst, {"a": 3}).flags == ()


def test_dont_know_code_does_not_fire_a_threshold_trigger():
    inst = load_definition(
        definition(
            items=[item("a", "agree5_na")],
            scales=[scale("t", ["a"], method="mean")],
            total_scale="t",
            safety_triggers=[
                {"item": "a", "op": ">=", "value": 4, "message": {"en": "x", "fr": "x"}}
            ],
        )
    )
    assert score(inst, {"a": 9}).flags == ()
    assert len(score(inst, {"a": 4}).flags) == 1


# --------------------------------------------------------------------------- answer validation


def test_unknown_item_is_rejected_naming_the_item(library):
    with pytest.raises(AnswerError) as exc:
        score(library["phq9"], {"phq9_10": 1})
    assert exc.value.item == "phq9_10"
    assert "phq9_10: unknown item for phq9 version 1" in str(exc.value)


def test_value_outside_the_options_is_rejected_listing_allowed_values(library):
    with pytest.raises(AnswerError) as exc:
        score(library["phq9"], {"phq9_3": 4})
    assert str(exc.value) == "phq9_3: 4 is not an allowed answer; allowed: 0, 1, 2, 3"


@pytest.mark.parametrize("bad", ["2", True, [1], float("nan")])
def test_wrong_type_is_rejected_naming_the_item(library, bad):
    with pytest.raises(AnswerError) as exc:
        score(library["phq9"], {"phq9_2": bad})
    assert exc.value.item == "phq9_2"
    assert "wrong type" in str(exc.value)


def test_every_bad_answer_is_reported_at_once(library):
    with pytest.raises(AnswerError) as exc:
        score(library["gad7"], {"gad7_1": "x", "gad7_2": 9, "nope": 1})
    assert set(exc.value.problems) == {"gad7_1", "gad7_2", "nope"}


def test_answers_must_be_a_mapping(library):
    with pytest.raises(AnswerError) as exc:
        score(library["gad7"], [1, 2, 3])
    assert exc.value.item == "answers"


def test_float_answer_equal_to_an_option_is_accepted(library):
    assert score(library["gad7"], {f"gad7_{i}": 1.0 for i in range(1, 8)}).total.score == 7


# --------------------------------------------------------------------------- result shape


def test_result_to_dict_is_json_serializable_and_names_instrument_and_version(library):
    phq9 = library["phq9"]
    data = score(phq9, answers_for(phq9, 1, phq9_9=2)).to_dict()
    text = json.dumps(data)
    assert json.loads(text) == data
    assert data["instrument"] == "phq9" and data["version"] == "1"
    assert data["total"]["score"] == 10 and data["total"]["band"]["code"] == "moderate"
    assert data["n_answered"] == 9 and data["flags"][0]["item"] == "phq9_9"


def test_empty_answers_give_invalid_scales_not_errors(library):
    result = score(library["cbi"], {})
    assert result.n_answered == 0
    assert all(not s.valid for s in result.scales.values())

"""Organizations load the licensed items they hold onto a shipped scoring structure."""

from __future__ import annotations

import pytest
import yaml

from peerway.instruments.engine import (
    DefinitionError,
    load_library,
    load_supplied,
    merge_supplied,
    score,
)


@pytest.fixture(scope="module")
def library():
    return load_library()


def herth_items(languages=("en",), skip=()):
    return {
        "code": "herth_hope_index",
        "version": "1",
        "languages": list(languages),
        "items": [
            {"id": f"hhi_{n}", "text": {lang: f"Licensed item {n} [{lang}]" for lang in languages}}
            for n in range(1, 13)
            if n not in skip
        ],
    }


def test_supplied_items_add_text_to_a_structure_only_instrument(library):
    structure = library["herth_hope_index"]
    merged = merge_supplied(structure, herth_items())
    assert merged.items_supplied and merged.has_item_text
    assert merged.languages == ("en",)
    assert merged.item("hhi_3").text == {"en": "Licensed item 3 [en]"}
    assert merged.item("hhi_3").reverse  # scoring structure kept
    assert merged.licence.category == "structure_only"
    assert not structure.has_item_text  # the shipped structure is untouched


def test_structure_only_instrument_scores_without_items(library):
    hhi = library["herth_hope_index"]
    assert score(hhi, {f"hhi_{n}": 3 for n in range(1, 13)}).total.score == 3 * 10 + 2 * 2


def test_merged_instrument_scores_like_the_structure(library):
    structure = library["herth_hope_index"]
    merged = merge_supplied(structure, herth_items(("en", "fr")))
    answers = {f"hhi_{n}": (n % 4) + 1 for n in range(1, 13)}
    assert score(merged, answers).to_dict() == score(structure, answers).to_dict()


def test_supplied_file_for_another_instrument_is_refused(library):
    data = herth_items() | {"code": "wemwbs"}
    with pytest.raises(DefinitionError) as exc:
        merge_supplied(library["herth_hope_index"], data)
    assert exc.value.field == "code"


def test_supplied_file_for_another_version_is_refused(library):
    with pytest.raises(DefinitionError) as exc:
        merge_supplied(library["herth_hope_index"], herth_items() | {"version": "2"})
    assert exc.value.field == "version"
    assert "version '1'" in exc.value.problem


def test_supplied_item_id_not_in_the_structure_is_named(library):
    data = herth_items()
    data["items"][4]["id"] = "hhi_99"
    with pytest.raises(DefinitionError) as exc:
        merge_supplied(library["herth_hope_index"], data)
    assert exc.value.field == "items[4].id"
    assert "'hhi_99' is not an item of herth_hope_index version 1" in exc.value.problem


def test_missing_supplied_items_are_listed(library):
    with pytest.raises(DefinitionError) as exc:
        merge_supplied(library["herth_hope_index"], herth_items(skip=(3, 7)))
    assert exc.value.field == "items"
    assert "hhi_3, hhi_7" in exc.value.problem


def test_supplied_item_missing_a_declared_language_is_named(library):
    data = herth_items(("en", "fr"))
    del data["items"][2]["text"]["fr"]
    with pytest.raises(DefinitionError) as exc:
        merge_supplied(library["herth_hope_index"], data)
    assert exc.value.field == "items[2].text"


def test_supplied_file_with_unknown_field_is_refused(library):
    data = herth_items() | {"scoring": "mine"}
    with pytest.raises(DefinitionError) as exc:
        merge_supplied(library["herth_hope_index"], data)
    assert exc.value.field == "scoring"


def test_supplied_option_labels_must_match_existing_values(library):
    data = herth_items() | {
        "response_sets": {"agreement4": [{"value": 7, "label": {"en": "Seven"}}]}
    }
    with pytest.raises(DefinitionError) as exc:
        merge_supplied(library["herth_hope_index"], data)
    assert exc.value.field == "response_sets.agreement4[0].value"


def test_supplied_option_labels_replace_the_generic_ones(library):
    data = herth_items() | {
        "response_sets": {"agreement4": [{"value": 1, "label": {"en": "Totally disagree"}}]}
    }
    merged = merge_supplied(library["herth_hope_index"], data)
    assert merged.response_sets["agreement4"].options[0].label["en"] == "Totally disagree"


def test_official_translation_can_be_loaded_over_a_shipped_instrument(library):
    gad7 = library["gad7"]
    data = {
        "code": "gad7",
        "version": "1",
        "languages": ["fr"],
        "items": [{"id": i, "text": {"fr": f"Officiel {i}"}} for i in gad7.item_ids],
    }
    merged = merge_supplied(gad7, data)
    assert merged.item("gad7_1").text == {
        "en": gad7.item("gad7_1").text["en"],
        "fr": "Officiel gad7_1",
    }
    assert merged.languages == ("en", "fr")


def test_library_directory_merges_supplied_files_and_adds_new_instruments(tmp_path):
    (tmp_path / "hhi.yaml").write_text(yaml.safe_dump(herth_items()), encoding="utf-8")
    own = tmp_path / "team_climate"
    own.mkdir()
    (own / "definition.yaml").write_text(
        yaml.safe_dump(
            {
                "code": "team_climate",
                "version": "1",
                "name": {"en": "Our team climate"},
                "languages": ["en"],
                "licence": {"category": "locally_developed"},
                "response_sets": {
                    "yn": [
                        {"value": 0, "label": {"en": "No"}},
                        {"value": 1, "label": {"en": "Yes"}},
                    ]
                },
                "items": [{"id": "q1", "text": {"en": "Is it good?"}, "response_set": "yn"}],
                "scales": [{"id": "t", "name": {"en": "T"}, "items": ["q1"], "method": "sum"}],
            }
        ),
        encoding="utf-8",
    )
    library = load_library(tmp_path)
    assert library["herth_hope_index"].items_supplied
    assert library["team_climate"].licence.category == "locally_developed"
    assert not library["wemwbs"].items_supplied


def test_library_directory_refuses_a_second_copy_of_a_shipped_version(tmp_path, library):
    copy = dict(library["gad7"].definition)
    (tmp_path / "gad7.yaml").write_text(yaml.safe_dump(copy, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load_library(tmp_path)
    assert exc.value.field == "version"
    assert "gad7 version 1 is already defined" in exc.value.problem


def test_library_keeps_old_versions_for_scoring_old_responses(tmp_path, library):
    v2 = dict(library["gad7"].definition) | {"version": "2"}
    (tmp_path / "gad7_v2.yaml").write_text(yaml.safe_dump(v2, allow_unicode=True), encoding="utf-8")
    lib = load_library(tmp_path)
    assert lib["gad7"].version == "2"
    assert lib.versions("gad7") == ("1", "2")
    assert lib.get_version("gad7", "1").version == "1"


def test_supplied_file_for_an_unknown_instrument_is_refused(tmp_path):
    (tmp_path / "x.yaml").write_text(
        yaml.safe_dump({"code": "nope", "version": "1", "items": []}), encoding="utf-8"
    )
    with pytest.raises(DefinitionError) as exc:
        load_library(tmp_path)
    assert exc.value.field == "code"
    assert "unknown instrument 'nope'" in exc.value.problem


def test_load_supplied_finds_the_structure_by_code_and_version(tmp_path, library):
    path = tmp_path / "hhi.yaml"
    path.write_text(yaml.safe_dump(herth_items()), encoding="utf-8")
    merged = load_supplied(path, library)
    assert merged.code == "herth_hope_index" and merged.items_supplied


def test_load_supplied_refuses_a_file_that_brings_its_own_scoring(library):
    data = herth_items() | {"scales": []}
    with pytest.raises(DefinitionError) as exc:
        load_supplied(data, library)
    assert exc.value.field == "scales"

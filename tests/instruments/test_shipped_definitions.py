"""Every shipped definition loads, has the published structure, and carries its NOTICE."""

from __future__ import annotations

import re

import pytest

from peerway.instruments.engine import DEFINITIONS_DIR, load_definition, load_library

# code: (item count, {scale id: number of items}, method, licence category)
EXPECTED = {
    "oric": (12, {"change_commitment": 5, "change_efficacy": 7}, "mean", "open"),
    "aim_iam_fim": (12, {"aim": 4, "iam": 4, "fim": 4}, "mean", "open"),
    "ils": (
        12,
        {"proactive": 3, "knowledgeable": 3, "supportive": 3, "perseverant": 3, "total": 12},
        "mean",
        "open",
    ),
    "ics": (
        18,
        {
            "focus": 3,
            "educational_support": 3,
            "recognition": 3,
            "rewards": 3,
            "selection_for_peer_support": 3,
            "selection_for_openness": 3,
            "total": 18,
        },
        "mean",
        "open",
    ),
    "qpr15": (15, {"total": 15}, "sum", "open"),
    "phq9": (9, {"total": 9}, "sum", "free_with_notice"),
    "gad7": (7, {"total": 7}, "sum", "free_with_notice"),
    "k10": (10, {"total": 10}, "sum", "open"),
    "barc10": (10, {"total": 10}, "sum", "open"),
    "cbi": (19, {"personal": 6, "work": 7, "client": 6}, "mean", "open"),
    "herth_hope_index": (12, {"total": 12}, "sum", "structure_only"),
    "wemwbs": (14, {"total": 14}, "sum", "structure_only"),
    "swemwbs": (7, {"raw_total": 7}, "sum", "structure_only"),
    "ras24": (24, {"total": 24}, "sum", "structure_only"),
    "rsa_r": (32, {"total": 32}, "mean", "structure_only"),
    "proqol5": (
        30,
        {"compassion_satisfaction": 10, "burnout": 10, "secondary_traumatic_stress": 10},
        "sum",
        "structure_only",
    ),
}

EXPECTED_RANGES = {
    ("phq9", "total"): (0, 27),
    ("gad7", "total"): (0, 21),
    ("k10", "total"): (10, 50),
    ("qpr15", "total"): (0, 60),
    ("barc10", "total"): (10, 60),
    ("cbi", "personal"): (0, 100),
    ("cbi", "work"): (0, 100),
    ("cbi", "client"): (0, 100),
    ("oric", "change_commitment"): (1, 5),
    ("aim_iam_fim", "fim"): (1, 5),
    ("ils", "total"): (0, 4),
    ("ics", "total"): (0, 4),
    ("herth_hope_index", "total"): (12, 48),
    ("wemwbs", "total"): (14, 70),
    ("swemwbs", "raw_total"): (7, 35),
    ("ras24", "total"): (24, 120),
}


@pytest.fixture(scope="module")
def library():
    return load_library()


def test_library_holds_every_expected_instrument(library):
    assert set(EXPECTED) <= set(library)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_shipped_definition_has_published_item_count_and_scales(library, code):
    n_items, scales, method, category = EXPECTED[code]
    inst = library[code]
    assert len(inst.items) == n_items
    assert {s.id: len(s.items) for s in inst.scales} == scales
    assert {s.method for s in inst.scales} == {method}
    assert inst.licence.category == category


@pytest.mark.parametrize(("code", "scale_id"), sorted(EXPECTED_RANGES))
def test_shipped_scale_ranges_match_the_published_ranges(library, code, scale_id):
    assert library[code].scale(scale_id).range == EXPECTED_RANGES[(code, scale_id)]


def test_every_item_of_the_instrument_is_in_some_scale(library):
    for code in EXPECTED:
        inst = library[code]
        covered = {item_id for s in inst.scales for item_id in s.items}
        assert covered == set(inst.item_ids), code


def test_oric_is_group_level_with_adapted_referent_marked(library):
    oric = library["oric"]
    assert oric.group_level
    assert "introducing peer support workers" in oric.adaptation
    assert all("peer support workers" in item.text["en"] for item in oric.items)


def test_ics_and_ils_are_group_level(library):
    assert library["ics"].group_level
    assert library["ils"].group_level


def test_phq9_and_gad7_show_the_pfizer_notice(library):
    for code in ("phq9", "gad7"):
        notice = library[code].licence.notice
        assert "Pfizer" in notice["en"] and "Pfizer" in notice["fr"]


def test_phq9_says_it_is_a_screen_not_a_diagnosis(library):
    assert "not a diagnosis" in library["phq9"].description["en"]


def test_cbi_has_exactly_one_reverse_keyed_item_and_it_is_in_the_work_scale(library):
    cbi = library["cbi"]
    reversed_items = [item.id for item in cbi.items if item.reverse]
    assert reversed_items == ["cbi_w7"]
    assert "cbi_w7" in cbi.scale("work").items


def test_herth_reverse_items_are_3_and_6(library):
    hhi = library["herth_hope_index"]
    assert [item.id for item in hhi.items if item.reverse] == ["hhi_3", "hhi_6"]


def test_k10_skips_items_3_and_6(library):
    rules = library["k10"].skip_rules
    assert [(r.when_item, r.skip, r.impute) for r in rules] == [
        ("k10_2", ("k10_3",), 1),
        ("k10_5", ("k10_6",), 1),
    ]


def test_open_instruments_ship_english_and_french_text_for_every_item(library):
    for code, (_, _, _, category) in EXPECTED.items():
        if category == "structure_only":
            continue
        for item in library[code].items:
            assert item.text["en"].strip() and item.text["fr"].strip(), (code, item.id)


def test_structure_only_instruments_ship_no_item_text(library):
    for code, (_, _, _, category) in EXPECTED.items():
        if category == "structure_only":
            inst = library[code]
            assert not inst.has_item_text
            assert all(item.text is None for item in inst.items)


def test_every_definition_folder_has_a_notice_with_citation_and_licence():
    folders = [p for p in DEFINITIONS_DIR.iterdir() if p.is_dir()]
    assert folders
    for folder in folders:
        notice = folder / "NOTICE.md"
        assert notice.is_file(), folder.name
        content = notice.read_text(encoding="utf-8")
        assert re.search(r"licen[cs]e", content, re.IGNORECASE), folder.name
        if folder.name != "pibc":
            assert re.search(r"\b10\.\d{4,}/", content) or "no DOI" in content, folder.name


def test_maslach_burnout_inventory_is_not_shipped():
    names = " ".join(p.name.lower() for p in DEFINITIONS_DIR.rglob("*"))
    assert "maslach" not in names and "mbi" not in names.split()
    for path in DEFINITIONS_DIR.rglob("definition*.yaml"):
        assert "maslach" not in path.read_text(encoding="utf-8").lower()


def test_each_definition_file_loads_on_its_own():
    for path in sorted(DEFINITIONS_DIR.glob("*/definition.yaml")):
        if path.parent.name == "pibc":
            continue  # needs the knowledge base; see test_items_source.py
        inst = load_definition(path)
        assert inst.code == path.parent.name

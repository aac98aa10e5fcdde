"""Definitions whose items come from a function (the PIBC and its knowledge base)."""

from __future__ import annotations

import importlib.util

import pytest

from peerway.instruments.engine import (
    DEFINITIONS_DIR,
    DefinitionError,
    ItemsSourceUnavailable,
    load_definition,
    load_library,
    loader,
    score,
)
from peerway.instruments.engine.loader import read_definition_file

from .factories import text

FACTORS = ("role_clarity", "staff_attitudes")


def _pibc_item(factor: str, n: int, reverse: bool = False) -> dict:
    wording = f"{factor} statement {n}"
    return {
        "id": f"pibc_{factor}_{n}",
        "text": text(wording),
        "variants": {
            "staff": text(f"{wording} (staff)"),
            "leaders": text(f"{wording} (leaders)"),
            "peer_workers": text(f"{wording} (peer workers)"),
        },
        "response_set": "agreement5_dk",
        "reverse": reverse,
        "factor": factor,
    }


def fake_pibc_items() -> dict:
    """Same shape as peerway.planning.knowledge.kb:pibc_items, with two factors."""
    items = [
        _pibc_item("role_clarity", 1),
        _pibc_item("role_clarity", 2, reverse=True),
        _pibc_item("staff_attitudes", 1),
    ]
    scales = [
        {
            "id": factor,
            "name": text(factor),
            "items": [i["id"] for i in items if i["factor"] == factor],
            "method": "mean",
            "min_answered": 1,
            "on_incomplete": "invalid",
        }
        for factor in FACTORS
    ]
    scales.append(
        {
            "id": "level_meso",
            "name": text("Meso level"),
            "items": [i["id"] for i in items],
            "method": "mean",
            "min_answered": 0.5,
            "on_incomplete": "invalid",
        }
    )
    return {"items": items, "scales": scales}


def fake_items_with_bad_response_set() -> dict:
    data = fake_pibc_items()
    data["items"][1]["response_set"] = "agree7"
    return data


def fake_items_not_a_dict():
    return ["nope"]


def fake_items_that_raise():
    raise RuntimeError("knowledge base is empty")


def pibc_with(source: str) -> dict:
    data = read_definition_file(DEFINITIONS_DIR / "pibc" / "definition.yaml")
    data["items_source"] = source
    return data


HERE = "tests.fake"


@pytest.fixture(autouse=True)
def fake_sources(monkeypatch):
    """Register this module's generators as if they were shipped item sources."""
    for func in (
        fake_pibc_items,
        fake_items_with_bad_response_set,
        fake_items_not_a_dict,
        fake_items_that_raise,
    ):
        monkeypatch.setitem(loader.ITEM_SOURCES, f"{HERE}:{func.__name__}", func)


def test_pibc_definition_merges_generated_items_and_scales():
    inst = load_definition(pibc_with(f"{HERE}:fake_pibc_items"))
    assert inst.code == "pibc"
    assert inst.licence.category == "locally_developed"
    assert inst.item_ids == ("pibc_role_clarity_1", "pibc_role_clarity_2", "pibc_staff_attitudes_1")
    assert [s.id for s in inst.scales] == ["role_clarity", "staff_attitudes", "level_meso"]
    assert inst.scale("level_meso").min_required == 2
    assert (
        inst.item("pibc_role_clarity_1")
        .text_for("fr", "peer_workers")
        .endswith("(peer workers) (fr)")
    )


def test_pibc_dont_know_is_excluded_and_reverse_items_are_flipped():
    inst = load_definition(pibc_with(f"{HERE}:fake_pibc_items"))
    result = score(
        inst,
        {"pibc_role_clarity_1": 9, "pibc_role_clarity_2": 2, "pibc_staff_attitudes_1": 9},
    )
    assert result.scales["role_clarity"].score == 4  # 2 reversed on 1..5
    assert result.scales["role_clarity"].n_excluded == 1
    staff = result.scales["staff_attitudes"]
    assert not staff.valid
    assert staff.reason.startswith("0 of 1 items answered; needs 1")
    assert not result.scales["level_meso"].valid  # 1 of 3 scored, needs 2


def test_generated_item_errors_name_the_field_and_the_generator():
    with pytest.raises(DefinitionError) as exc:
        load_definition(pibc_with(f"{HERE}:fake_items_with_bad_response_set"))
    assert exc.value.field == "items[1].response_set"
    assert "fake_items_with_bad_response_set" in str(exc.value)


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        (f"{HERE}:fake_items_not_a_dict", "must return a dict"),
        (f"{HERE}:fake_items_that_raise", "RuntimeError: knowledge base is empty"),
        (f"{HERE}:no_such_function", "is not one of Peerway's shipped item sources"),
        ("not a dotted path", "is not one of Peerway's shipped item sources"),
    ],
)
def test_broken_items_source_is_reported_on_the_items_source_field(source, fragment):
    with pytest.raises(DefinitionError) as exc:
        load_definition(pibc_with(source))
    assert exc.value.field == "items_source"
    assert fragment in str(exc.value)


def test_a_shipped_source_whose_module_is_missing_is_reported_as_unavailable(monkeypatch):
    def missing():
        raise ModuleNotFoundError("No module named 'peerway.planning.knowledge.kb'")

    monkeypatch.setitem(loader.ITEM_SOURCES, "peerway.planning.knowledge.kb:pibc_items", missing)
    with pytest.raises(ItemsSourceUnavailable) as exc:
        load_definition(DEFINITIONS_DIR / "pibc" / "definition.yaml")
    assert "not available" in str(exc.value)


@pytest.mark.parametrize(
    "spec",
    [
        "os:system",
        "subprocess:getoutput",
        "builtins:exit",
        "tests.instruments.test_items_source:fake_pibc_items",
        "peerway.no_such_module_xyz:items",
    ],
)
def test_a_definition_naming_any_module_is_refused_and_nothing_is_imported(
    spec, monkeypatch, tmp_path
):
    """Definitions are data: naming code to run is refused before anything is imported."""
    called = []
    monkeypatch.setattr("os.system", lambda *a: called.append(a) or 0)
    imported = []
    real_import = importlib.import_module
    monkeypatch.setattr(
        importlib, "import_module", lambda name, *a: imported.append(name) or real_import(name, *a)
    )
    path = tmp_path / "evil.yaml"
    path.write_text(
        "code: evil\nversion: '1'\nname: {en: Evil}\nlanguages: [en]\n"
        "licence: {category: locally_developed}\n"
        f"items_source: '{spec}'\n"
        "response_sets: {r: [{value: 0, label: {en: a}}, {value: 1, label: {en: b}}]}\n"
        "items: []\nscales: []\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as exc:
        load_definition(path)
    assert exc.value.field == "items_source"
    assert "cannot name code to run" in str(exc.value)
    assert not isinstance(exc.value, ItemsSourceUnavailable)
    assert imported == []
    assert called == []


def test_a_definition_that_fails_validation_never_runs_its_item_source(monkeypatch):
    calls = []
    monkeypatch.setitem(
        loader.ITEM_SOURCES, f"{HERE}:counted", lambda: calls.append(1) or fake_pibc_items()
    )
    data = pibc_with(f"{HERE}:counted")
    data["licence"] = {"category": "not-a-category"}
    with pytest.raises(DefinitionError) as exc:
        load_definition(data)
    assert exc.value.field.startswith("licence")
    assert calls == []


def test_library_lists_pibc_as_unavailable_until_the_knowledge_base_exists(monkeypatch):
    real = loader.call_items_source

    def missing(spec, *, source=None):
        if spec.startswith("peerway.planning.knowledge.kb"):
            raise ItemsSourceUnavailable("items_source", "module not available", source=source)
        return real(spec, source=source)

    monkeypatch.setattr(loader, "call_items_source", missing)
    library = load_library()
    assert "pibc" not in library
    assert "pibc" in library.unavailable
    with pytest.raises(KeyError) as exc:
        library["pibc"]
    assert "module not available" in str(exc.value)


def test_real_pibc_loads_from_the_knowledge_base():
    if importlib.util.find_spec("peerway.planning.knowledge.kb") is None:
        pytest.skip("peerway.planning.knowledge.kb is not written yet")
    inst = load_definition(DEFINITIONS_DIR / "pibc" / "definition.yaml")
    assert inst.code == "pibc"
    assert inst.items, "the knowledge base returned no items"
    for item in inst.items:
        assert item.id.startswith(f"pibc_{item.factor}_")
        assert item.response_set == "agreement5_dk"
        assert set(item.variants) == {"staff", "leaders", "peer_workers"}
    factors = {item.factor for item in inst.items}
    assert factors <= {s.id for s in inst.scales}
    # Every answer "don't know" leaves every scale invalid rather than crashing.
    result = score(inst, dict.fromkeys(inst.item_ids, 9))
    assert not any(s.valid for s in result.scales.values())

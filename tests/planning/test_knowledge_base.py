"""The factor → strategy knowledge base: data integrity, checklist contract, queries.

These tests are framework-free: they read the YAML files and the pure-Python loader only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from peerway.planning.knowledge import (
    KnowledgeBaseError,
    format_citation,
    load_knowledge_base,
    pibc_items,
)
from peerway.planning.knowledge.kb import (
    AUDIENCES,
    DATA_DIR,
    FILES,
    LANGUAGES,
    LEVELS,
    LONG_TEXT_CHARS,
    SUPPORT_TYPES,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
# libyaml's loader and dumper keep the tests fast; fall back to pure Python without it.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


@pytest.fixture(scope="module")
def raw():
    return {name: yaml.load((DATA_DIR / name).read_bytes(), Loader=Loader) for name in FILES}


def copy_of_data(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def rewrite(directory: Path, name: str, change) -> None:
    path = directory / name
    data = yaml.load(path.read_bytes(), Loader=Loader)
    change(data)
    text = yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")


def localized_texts(node, path=()):
    """Every {en, fr} mapping in a parsed file, with its path."""
    if isinstance(node, dict):
        if set(node) == set(LANGUAGES):
            yield path, node
            return
        for key, value in node.items():
            yield from localized_texts(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from localized_texts(value, (*path, index))


# ------------------------------------------------------------------------ integrity


def test_knowledge_base_has_the_planned_size(kb):
    assert 18 <= len(kb.factors) <= 24
    assert len(kb.strategies) >= 32
    assert len(kb.links) >= len(kb.factors)
    assert len(kb.references) >= 31


def test_at_least_thirty_strategies(kb):
    assert len(kb.strategies) >= 30


def test_every_factor_has_at_least_one_strategy(kb):
    for factor in kb.factors:
        assert kb.strategies_for(factor.code), f"{factor.code} has no strategy"


def test_every_strategy_addresses_at_least_one_factor(kb):
    for strategy in kb.strategies:
        assert kb.factors_for(strategy.code), f"{strategy.code} is an orphan"


def test_every_citation_resolves_to_a_bibliography_entry(kb):
    cited = [(f"factor {f.code}", rid) for f in kb.factors for rid in f.sources]
    cited += [(f"strategy {s.code}", rid) for s in kb.strategies for rid in s.citations]
    cited += [(f"link {lk.factor}->{lk.strategy}", rid) for lk in kb.links for rid in lk.citations]
    unresolved = [(where, rid) for where, rid in cited if rid not in kb.references]
    assert unresolved == []


def test_every_bibliography_entry_is_cited_somewhere(kb):
    cited = {rid for f in kb.factors for rid in f.sources}
    cited |= {rid for s in kb.strategies for rid in s.citations}
    cited |= {rid for lk in kb.links for rid in lk.citations}
    cited |= {kb.frameworks.cfir_source, *kb.frameworks.eric_sources}
    cited |= {e.source for e in kb.frameworks.endorsements}
    assert set(kb.references) - cited == set()


def test_every_strategy_and_link_cites_at_least_one_source(kb):
    assert all(s.citations for s in kb.strategies)
    assert all(lk.citations for lk in kb.links)
    assert all(f.sources for f in kb.factors)


def test_codes_are_unique(kb):
    factor_codes = [f.code for f in kb.factors]
    strategy_codes = [s.code for s in kb.strategies]
    pairs = [(lk.factor, lk.strategy) for lk in kb.links]
    assert len(set(factor_codes)) == len(factor_codes)
    assert len(set(strategy_codes)) == len(strategy_codes)
    assert len(set(pairs)) == len(pairs)
    for factor in kb.factors:
        codes = [i.code for i in factor.indicators]
        assert len(set(codes)) == len(codes), factor.code


def test_codes_are_snake_case(kb):
    pattern = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
    codes = [f.code for f in kb.factors] + [s.code for s in kb.strategies]
    codes += [i.code for f in kb.factors for i in f.indicators]
    assert [c for c in codes if not pattern.match(c)] == []


def test_every_text_field_has_non_empty_english_and_french(kb):
    texts = []
    for f in kb.factors:
        texts += [f.name, f.description] + [i.description for i in f.indicators]
        texts += [item.variants[a] for item in f.checklist for a in AUDIENCES]
    for s in kb.strategies:
        texts += [s.name, s.description, *s.first_steps]
    texts += [lk.rationale for lk in kb.links]
    texts += [r.note for r in kb.references.values() if r.note]
    for text in texts:
        assert text.en.strip() and text.fr.strip(), text


def test_every_bilingual_mapping_in_the_files_is_complete(raw):
    for name, data in raw.items():
        for path, text in localized_texts(data):
            for lang in LANGUAGES:
                value = text.get(lang)
                assert isinstance(value, str) and value.strip(), f"{name}: {path} {lang}"


def test_long_french_texts_are_translated_not_copied(raw):
    for name, data in raw.items():
        for path, text in localized_texts(data):
            if len(text["en"].strip()) >= LONG_TEXT_CHARS:
                assert text["fr"].strip() != text["en"].strip(), f"{name}: {path}"


def test_every_level_and_both_support_types_are_represented_among_factors(kb):
    assert {f.level for f in kb.factors} == set(LEVELS)
    assert {f.support_type for f in kb.factors} == set(SUPPORT_TYPES)
    for level in LEVELS:
        types_at_level = {f.support_type for f in kb.factors if f.level == level}
        assert types_at_level, level


def test_every_factor_has_a_checklist_item_for_each_audience_in_both_languages(kb):
    for factor in kb.factors:
        assert 1 <= len(factor.checklist) <= 2, factor.code
        for item in factor.checklist:
            for audience in AUDIENCES:
                for lang in LANGUAGES:
                    assert item.text(audience, lang).strip(), (item.id, audience, lang)


def test_reverse_worded_items_are_few(kb):
    items = kb.checklist_items()
    reverse = [i for i in items if i.reverse]
    assert 0 < len(reverse) <= len(items) // 5


def test_strategies_have_two_to_four_first_steps_and_known_vocabularies(kb):
    for s in kb.strategies:
        assert 2 <= len(s.first_steps) <= 4, s.code
        assert s.phase in {"prepare", "recruit_train", "launch", "sustain"}
        assert s.level in LEVELS and s.support_type in SUPPORT_TYPES


def test_strategies_the_brief_requires_are_present(kb):
    required = {
        "educate_supervisors_on_peer_role",
        "coproduce_role_description",
        "hire_in_cohorts",
        "peer_led_supervision",
        "peers_in_senior_positions",
        "disclosure_control_policy",
        "information_sharing_policy",
        "pay_parity_career_ladder",
        "recurring_workforce_training",
        "peer_community_of_practice",
        "involve_hr_early",
        "agency_wide_recovery_orientation",
        "formal_recruitment_process",
        "job_security_and_dignity",
        "cooperative_service_planning",
        "peer_voice_in_clinical_meetings",
        "monitor_role_drift",
        "boundary_negotiation_relational_risk",
        "wellbeing_supports_accommodations",
        "leadership_commitment_statement",
        "implementation_champions",
        "structured_clinician_referral_pathway",
    }
    assert required - {s.code for s in kb.strategies} == set()


def test_supervisor_education_rests_on_kuhn(kb):
    link = kb.link("supervision_support", "educate_supervisors_on_peer_role")
    assert link is not None and link.strength == 3
    assert "kuhn2015" in link.citations


def test_lone_peer_indicator_measures_peer_isolation(kb):
    codes = {i.code for i in kb.factor("peer_isolation_network").indicators}
    assert "lone_peer_on_team" in codes
    assert "drift_above_threshold" in {i.code for i in kb.factor("role_drift").indicators}


# ----------------------------------------------------------------- unverified facts


def test_vandewalle_barrier_groups_are_labelled_unverified(kb):
    assert kb.reference("vandewalle2016").verified is False
    assert kb.reference("vandewalle2016").note is not None
    identity = kb.factor("identity_role_transition")
    assert identity.unverified and identity.note is not None


def test_claims_resting_only_on_unverified_sources_are_labelled(kb):
    unverified = {rid for rid, ref in kb.references.items() if not ref.verified}
    for factor in kb.factors:
        if set(factor.sources) <= unverified:
            assert factor.unverified, factor.code
    for link in kb.links:
        if set(link.citations) <= unverified:
            assert link.unverified, (link.factor, link.strategy)
        if link.unverified:
            assert link.strength < 3


def test_seed_article_references_are_all_present_with_valid_dois(kb):
    seed = [r for r in kb.references.values() if r.in_seed_article]
    assert len(seed) == 31
    for ref in kb.references.values():
        if ref.doi:
            assert re.match(r"^10\.\d{4,9}/\S+$", ref.doi), ref.id


# ------------------------------------------------------------------ checklist contract


def test_pibc_items_match_the_instruments_contract(kb):
    checklist = pibc_items()
    assert set(checklist) == {"items", "scales"}
    ids = [item["id"] for item in checklist["items"]]
    assert len(ids) == len(set(ids))
    factor_codes = {f.code for f in kb.factors}
    for item in checklist["items"]:
        assert set(item) == {"id", "text", "variants", "response_set", "reverse", "factor"}
        assert re.fullmatch(rf"pibc_{item['factor']}_[1-9]\d*", item["id"]), item["id"]
        assert item["factor"] in factor_codes
        assert item["response_set"] == "agreement5_dk"
        assert isinstance(item["reverse"], bool)
        assert set(item["text"]) == {"en", "fr"}
        assert set(item["variants"]) == {"staff", "leaders", "peer_workers"}
        for variant in item["variants"].values():
            assert set(variant) == {"en", "fr"}
        assert item["text"] == item["variants"]["staff"]
    numbers = {}
    for item in checklist["items"]:
        numbers.setdefault(item["factor"], []).append(int(item["id"].rsplit("_", 1)[1]))
    assert all(ns == list(range(1, len(ns) + 1)) for ns in numbers.values())


def test_pibc_scales_reference_existing_items(kb):
    checklist = pibc_items()
    item_ids = {item["id"] for item in checklist["items"]}
    scales = {scale["id"]: scale for scale in checklist["scales"]}
    assert len(scales) == len(checklist["scales"])
    expected = {f.code for f in kb.factors}
    expected |= {f"level_{lv}" for lv in LEVELS} | {f"support_{st}" for st in SUPPORT_TYPES}
    assert set(scales) == expected
    for scale in checklist["scales"]:
        assert set(scale) == {"id", "name", "items", "method", "min_answered", "on_incomplete"}
        assert scale["items"] and set(scale["items"]) <= item_ids
        assert scale["method"] == "mean" and scale["on_incomplete"] == "invalid"
        assert set(scale["name"]) == {"en", "fr"}
    for factor in kb.factors:
        assert scales[factor.code]["min_answered"] == 1
        assert scales[factor.code]["items"] == [i.id for i in factor.checklist]
    for group in expected - {f.code for f in kb.factors}:
        assert scales[group]["min_answered"] == 0.5
    by_level = [i for lv in LEVELS for i in scales[f"level_{lv}"]["items"]]
    by_support = [i for st in SUPPORT_TYPES for i in scales[f"support_{st}"]["items"]]
    assert sorted(by_level) == sorted(item_ids) == sorted(by_support)


def test_pibc_items_returns_a_fresh_dict_each_call():
    first = pibc_items()
    first["items"][0]["text"]["en"] = "changed"
    first["scales"].clear()
    second = pibc_items()
    assert second["items"][0]["text"]["en"] != "changed"
    assert second["scales"]


# ------------------------------------------------------------------------ validation


def test_validation_error_names_the_file_and_field(tmp_path):
    directory = copy_of_data(tmp_path)
    rewrite(directory, "strategies.yaml", lambda d: d["strategies"][0]["name"].pop("fr"))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(directory)
    problem = caught.value.problems[0]
    assert problem.file == "strategies.yaml"
    assert problem.field == "strategies[0].name.fr"
    assert "strategies.yaml: strategies[0].name.fr" in str(caught.value)


def test_unknown_citation_is_reported_with_file_and_field(tmp_path):
    directory = copy_of_data(tmp_path)
    rewrite(directory, "links.yaml", lambda d: d["links"][2]["citations"].append("nobody2099"))
    with pytest.raises(KnowledgeBaseError, match=r"links\.yaml: links\[2\]\.citations\[\d+\]"):
        load_knowledge_base(directory)


def test_bad_vocabulary_value_is_reported(tmp_path):
    directory = copy_of_data(tmp_path)
    rewrite(directory, "factors.yaml", lambda d: d["factors"][1].update(level="global"))
    with pytest.raises(KnowledgeBaseError, match=r"factors\.yaml: factors\[1\]\.level"):
        load_knowledge_base(directory)


def test_orphan_strategy_is_reported(tmp_path):
    directory = copy_of_data(tmp_path)
    target = "equip_peer_workspace"
    rewrite(
        directory,
        "links.yaml",
        lambda d: d.update(links=[lk for lk in d["links"] if lk["strategy"] != target]),
    )
    with pytest.raises(KnowledgeBaseError, match=f"'{target}' addresses no factor"):
        load_knowledge_base(directory)


def test_uncited_reference_is_reported(tmp_path):
    directory = copy_of_data(tmp_path)

    def add_reference(data):
        data["references"]["nobody2020"] = {
            "type": "web",
            "authors": ["Nobody, N."],
            "year": 2020,
            "title": "Nothing",
            "url": "https://example.org/",
            "in_seed_article": False,
            "verified": True,
        }

    rewrite(directory, "bibliography.yaml", add_reference)
    with pytest.raises(KnowledgeBaseError, match=r"bibliography\.yaml: references\.nobody2020"):
        load_knowledge_base(directory)


def test_link_resting_only_on_unverified_sources_must_be_labelled(tmp_path):
    directory = copy_of_data(tmp_path)

    def unlabel(data):
        for link in data["links"]:
            if link["citations"] == ["vandewalle2016"]:
                link.pop("unverified", None)
                return

    rewrite(directory, "links.yaml", unlabel)
    with pytest.raises(KnowledgeBaseError, match=r"must be marked 'unverified: true'"):
        load_knowledge_base(directory)


def test_untranslated_french_is_reported(tmp_path):
    directory = copy_of_data(tmp_path)

    def copy_english(data):
        text = data["factors"][0]["description"]
        text["fr"] = text["en"]

    rewrite(directory, "factors.yaml", copy_english)
    with pytest.raises(KnowledgeBaseError, match=r"factors\[0\]\.description\.fr: French text"):
        load_knowledge_base(directory)


def test_duplicate_yaml_key_is_rejected(tmp_path):
    directory = copy_of_data(tmp_path)
    path = directory / "bibliography.yaml"
    text = path.read_text(encoding="utf-8")
    duplicate = "\n  gates2007:\n    type: web\n"
    path.write_text(text.replace("\nreferences:\n", "\nreferences:" + duplicate, 1))
    with pytest.raises(KnowledgeBaseError, match=r"bibliography\.yaml: line \d+: .*duplicate key"):
        load_knowledge_base(directory)


def test_loading_is_cached_per_directory(kb):
    assert load_knowledge_base() is kb
    assert load_knowledge_base(DATA_DIR) is kb


# ---------------------------------------------------------------------------- queries


def test_search_finds_a_strategy_by_a_french_word_with_or_without_accents(kb):
    for query in ("équité", "equite", "ÉQUITÉ SALARIALE", "Equité"):
        codes = [hit.code for hit in kb.search(query, "fr")]
        assert "pay_parity_career_ladder" in codes, query


def test_search_handles_french_ligatures(kb):
    codes = [hit.code for hit in kb.search("coeur du role", "fr")]
    assert "role_clarity" in codes


def test_search_ranks_name_matches_first(kb):
    hits = kb.search("drift", "en")
    assert hits[0].code in {"role_drift", "monitor_role_drift"}
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))
    assert kb.search("", "en") == []
    assert kb.search("zzzz-no-such-word", "fr") == []


def test_strategies_for_lists_the_strongest_evidence_first(kb):
    links = kb.links_for_factor("role_clarity")
    assert [lk.strength for lk in links] == sorted((lk.strength for lk in links), reverse=True)
    assert kb.strategies_for("role_clarity")[0].code == "coproduce_role_description"
    assert "supervision_support" in [f.code for f in kb.factors_for("peer_led_supervision")]
    with pytest.raises(KeyError, match="unknown factor"):
        kb.strategies_for("no_such_factor")


def test_format_citation_gives_a_full_reference_in_english_and_french():
    english = format_citation("gates2007", "en")
    french = format_citation("gates2007", "fr")
    assert english.startswith("Gates, L. B., & Akabas, S. H. (2007).")
    assert french.startswith("Gates, L. B. et Akabas, S. H. (2007).")
    assert english.endswith("https://doi.org/10.1007/s10488-006-0109-4")
    report = format_citation("sunderland2013", "fr")
    assert "Calgary : Peer Leadership Group" in report and "doi.org" not in report
    with pytest.raises(KeyError):
        format_citation("nobody2099")
    with pytest.raises(ValueError):
        format_citation("gates2007", "de")


def test_knowledge_base_does_not_import_django():
    code = (
        "import sys; from peerway.planning.knowledge import load_knowledge_base, pibc_items; "
        "load_knowledge_base(); pibc_items(); "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=False)
    assert result.returncode == 0


def test_docs_list_every_factor_and_strategy(kb):
    doc = (REPO_ROOT / "docs" / "knowledge-base.md").read_text(encoding="utf-8")
    missing = [f.code for f in kb.factors if f"`{f.code}`" not in doc]
    missing += [s.code for s in kb.strategies if f"`{s.code}`" not in doc]
    assert missing == []

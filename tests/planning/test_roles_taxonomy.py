"""The peer role taxonomy: the single source of activity codes."""

import ast
from pathlib import Path

from peerway.planning import taxonomy


def test_codes_are_unique_and_every_entry_has_both_languages():
    codes = [c.code for c in taxonomy.entries()]
    assert len(codes) == len(set(codes))
    for category in taxonomy.entries():
        for lang in taxonomy.LANGUAGES:
            assert category.label[lang].strip(), (category.code, lang)
            assert category.description[lang].strip(), (category.code, lang)
        assert category.kind in ("activity", "task")


def test_every_entry_cites_a_known_source():
    for category in taxonomy.entries():
        assert category.sources, category.code
        assert set(category.sources) <= set(taxonomy.SOURCES), category.code


def test_the_issue_s_activities_and_out_of_scope_tasks_are_all_there():
    activities = {c.code for c in taxonomy.activity_categories()}
    tasks = {c.code for c in taxonomy.out_of_scope_tasks()}
    assert {
        "sharing_recovery_story",
        "hope_role_modelling",
        "recovery_planning",
        "navigation_accompaniment",
        "advocacy",
        "community_linking",
        "group_facilitation",
        "peer_crisis_support",
        "family_peer_support",
    } <= activities
    assert {
        "clinical_assessment",
        "medication_administration",
        "restraint",
        "transport_only",
        "clerical_cover",
        "clinical_documentation_for_others",
    } <= tasks
    assert not activities & tasks


def test_default_scope_classifies_every_current_entry_once():
    in_scope, out_of_scope = taxonomy.default_scope()
    assert not set(in_scope) & set(out_of_scope)
    assert set(in_scope) | set(out_of_scope) == {
        c.code for c in taxonomy.entries() if not c.retired
    }
    # Non-peer tasks always start out of scope.
    assert {c.code for c in taxonomy.out_of_scope_tasks()} <= set(out_of_scope)


def test_labels_follow_the_language_and_unknown_codes_show_as_themselves():
    assert taxonomy.label("advocacy", "fr") == "Défense des droits"
    assert taxonomy.label("advocacy") == "Advocacy"
    assert taxonomy.label("no_such_code", "fr") == "no_such_code"


def test_the_taxonomy_does_not_import_django():
    tree = ast.parse(Path(taxonomy.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name.startswith("django") for name in imported)

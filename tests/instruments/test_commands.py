"""`peerway instruments list|load` and `peerway score` from the command line."""

import io
import json

import pytest
from django.core.management import CommandError, call_command


@pytest.fixture(autouse=True)
def _own_instruments_dir(settings, tmp_path):
    settings.PEERWAY_INSTRUMENTS_DIR = str(tmp_path / "instruments")


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_list_prints_the_library_as_json():
    entries = {e["code"]: e for e in json.loads(run("instruments", "list"))}
    assert {"phq9", "gad7", "k10", "oric", "qpr15", "cbi", "pibc"} <= set(entries)
    phq9 = entries["phq9"]
    assert phq9["item_count"] == 9
    assert set(phq9["languages"]) == {"en", "fr"}
    assert {"code", "name", "version", "licence_category"} <= set(phq9)
    assert entries["wemwbs"]["licence_category"] == "structure_only"


def test_score_prints_the_result_with_the_safety_flag():
    answers = {f"phq9_{i}": 1 for i in range(1, 10)}
    result = json.loads(run("score", "phq9", "--answers", json.dumps(answers)))
    assert result["total"]["score"] == 9
    assert result["flags"], "item 9 above zero fires the safety trigger"


@pytest.mark.parametrize(
    ("code", "answers", "named"),
    [
        ("phq9", '{"phq9_99": 1}', "phq9_99"),
        ("phq9", '{"phq9_1": 7}', "phq9_1"),
        ("phq9", '{"phq9_2": "often"}', "phq9_2"),
        ("nope", "{}", "nope"),
        ("phq9", "{not json", "answers"),
    ],
)
def test_score_fails_with_a_message_naming_the_problem(code, answers, named):
    with pytest.raises(CommandError, match=named):
        run("score", code, "--answers", answers)


def test_load_rejects_a_bad_file_naming_the_field_and_installs_nothing(tmp_path, settings):
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: wemwbs\nversion: '1'\nitems: 3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="items"):
        run("instruments", "load", str(bad))
    from pathlib import Path

    installed = Path(settings.PEERWAY_INSTRUMENTS_DIR)
    assert not installed.exists() or not list(installed.glob("*.yaml"))


def test_load_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError):
        run("instruments", "load", str(tmp_path / "missing.yaml"))


@pytest.mark.django_db
def test_load_installs_licensed_items_and_list_marks_them_supplied(tmp_path):
    import yaml

    supplied = {
        "code": "herth_hope_index",
        "version": "1",
        "languages": ["en"],
        "items": [{"id": f"hhi_{n}", "text": {"en": f"Licensed item {n}"}} for n in range(1, 13)],
    }
    path = tmp_path / "hhi.yaml"
    path.write_text(yaml.safe_dump(supplied), encoding="utf-8")
    assert "Installed" in run("instruments", "load", str(path))
    entries = {e["code"]: e for e in json.loads(run("instruments", "list"))}
    assert entries["herth_hope_index"]["items_supplied"] is True
    assert entries["herth_hope_index"]["has_item_text"] is True
    from peerway.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="instrument.loaded").exists()


def _evil_definition(spec: str) -> str:
    return (
        "code: evil\nversion: '1'\nname: {en: Evil}\nlanguages: [en]\n"
        "licence: {category: locally_developed}\n"
        f"items_source: '{spec}'\n"
        "response_sets: {r: [{value: 0, label: {en: a}}, {value: 1, label: {en: b}}]}\n"
        "items: []\nscales: []\n"
    )


@pytest.mark.parametrize("spec", ["os:system", "subprocess:run", "shutil:rmtree"])
def test_load_refuses_a_definition_that_names_code_and_runs_nothing(
    spec, tmp_path, settings, monkeypatch
):
    called = []
    monkeypatch.setattr("os.system", lambda *a: called.append(a) or 0)
    monkeypatch.setattr("subprocess.run", lambda *a, **k: called.append(a))
    path = tmp_path / "evil.yaml"
    path.write_text(_evil_definition(spec), encoding="utf-8")
    with pytest.raises(CommandError, match="items_source.*cannot name code to run"):
        run("instruments", "load", str(path))
    assert called == []
    from pathlib import Path

    installed = Path(settings.PEERWAY_INSTRUMENTS_DIR)
    assert not installed.exists() or not list(installed.glob("*.yaml"))


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"code: caf\xe9\n", "not UTF-8"),
        (b"\x00\x01\x02\xff\xfe", "not UTF-8"),
        (("a: " + "[" * 5000 + "]" * 5000).encode(), "(file)"),
        (b"- just\n- a list\n", "mapping"),
        (b"code: [unclosed\n", "not valid YAML"),
    ],
)
def test_load_answers_a_malformed_file_with_a_message_not_a_traceback(tmp_path, content, named):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(CommandError) as exc:
        run("instruments", "load", str(path))
    assert named in str(exc.value)


def test_load_reports_a_directory_given_as_the_file(tmp_path):
    with pytest.raises(CommandError):
        run("instruments", "load", str(tmp_path))


@pytest.mark.parametrize(
    "answers",
    ["[" * 100000 + "]" * 100000, '{"phq9_1": 1e999}', '{"phq9_1": ' + "9" * 5000 + "}"],
)
def test_score_answers_pathological_json_with_a_message(answers):
    with pytest.raises(CommandError):
        run("score", "phq9", "--answers", answers)


def test_load_refuses_yaml_aliases_that_could_expand_without_end(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    lines.append("items: *a9")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="aliases"):
        run("instruments", "load", str(path))

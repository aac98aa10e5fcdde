"""The French (Canada) catalogue is complete, well-formed and compiled.

The .po file is read with a small parser below (no extra dependency). The checks are:
every entry translated (plural forms included), nothing fuzzy, placeholders and HTML tags
kept, the committed .mo matching the .po, and every literal msgid used in the templates
and Python code present in the catalogue (so `makemessages` was run after adding strings).

After adding or changing strings:

    .venv/bin/python manage.py makemessages -l fr_CA --no-obsolete \\
        --ignore=.venv --ignore=data --ignore=tests
    (translate the new entries in peerway/locale/fr_CA/LC_MESSAGES/django.po, remove "fuzzy")
    .venv/bin/python manage.py compilemessages -l fr_CA --ignore=.venv
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "peerway"
LC_MESSAGES = SOURCE / "locale" / "fr_CA" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"


# --- a minimal .po reader -------------------------------------------------------------


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        """The key gettext uses for this entry in a compiled catalogue."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    def __str__(self) -> str:
        return f"django.po line {self.line}: {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    # PO strings use C escapes (\n, \t, \", \\), which Python string literals share.
    return ast.literal_eval(text)


def parse_po(text: str) -> list[Entry]:
    """Entries in file order; a comment, msgctxt or msgid after a msgstr starts a new one."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)  # the field that continuation lines extend

    def begin(lineno: int) -> Entry:
        if current is not None and current.msgstr:
            entries.append(current)
        return Entry(line=lineno)

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            continue
        if line.startswith("#"):
            if current is None or current.msgstr:
                current = begin(lineno)
            if line.startswith("#,"):
                current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith('"'):
            assert current is not None, f"django.po line {lineno}: string outside an entry"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line))
            continue
        keyword, _, value = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and (current is None or current.msgstr):
            current = begin(lineno)
        assert current is not None, f"django.po line {lineno}: {keyword} outside an entry"
        current.obsolete = current.obsolete or obsolete
        if match := re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword):
            index = int(match.group(1) or 0)
            current.msgstr[index] = _unquote(value)
            target = ("msgstr", index)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(current, keyword, _unquote(value))
            target = (keyword, 0)
        else:
            raise AssertionError(f"django.po line {lineno}: unexpected {keyword!r}")
    if current is not None and current.msgstr:
        entries.append(current)
    return entries


@cache
def catalogue() -> tuple[dict[str, str], tuple[Entry, ...]]:
    """(header fields, translatable entries) of the French catalogue."""
    entries = parse_po(PO.read_text(encoding="utf-8"))
    header_entries = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(header_entries) == 1, "the catalogue needs exactly one header entry"
    header = {
        name.strip(): value.strip()
        for name, _, value in (
            line.partition(":") for line in header_entries[0].msgstr[0].splitlines() if line
        )
    }
    messages = tuple(e for e in entries if e.msgid and not e.obsolete)
    return header, messages


def entries() -> tuple[Entry, ...]:
    return catalogue()[1]


def msgids() -> set[str]:
    return {e.key for e in entries()}


def test_parser_reads_plural_and_multiline_entries():
    sample = (
        'msgid ""\nmsgstr ""\n"Language: fr_CA\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "%(n)s event"\nmsgid_plural "%(n)s events"\n'
        'msgstr[0] "%(n)s événement"\nmsgstr[1] "%(n)s événements"\n\n'
        'msgctxt "month"\nmsgid ""\n"May "\n"\\"quoted\\""\nmsgstr "Mai"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Vieux"\n'
    )
    header, plural, ctxt, old = parse_po(sample)
    assert header.msgstr == {0: "Language: fr_CA\n"}
    assert plural.flags == {"python-format"}
    assert plural.msgid_plural == "%(n)s events"
    assert plural.msgstr == {0: "%(n)s événement", 1: "%(n)s événements"}
    assert (ctxt.msgctxt, ctxt.msgid, ctxt.msgstr) == ("month", 'May "quoted"', {0: "Mai"})
    assert ctxt.key == 'month\x04May "quoted"'
    assert old.obsolete


# --- the catalogue itself -------------------------------------------------------------


def test_header_declares_french_canada_utf8_and_plural_rule():
    header, _ = catalogue()
    assert header["Language"] == "fr_CA"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Plural-Forms"] == "nplurals=2; plural=(n > 1);"


def test_catalogue_is_not_empty():
    assert len(entries()) > 100


def test_every_entry_is_translated_including_plural_forms():
    untranslated = []
    for entry in entries():
        expected_forms = 2 if entry.msgid_plural is not None else 1
        forms = [entry.msgstr.get(i, "") for i in range(expected_forms)]
        if not all(form.strip() for form in forms):
            untranslated.append(str(entry))
    assert not untranslated, "untranslated:\n" + "\n".join(untranslated)


def test_no_fuzzy_entry():
    text = PO.read_text(encoding="utf-8")
    fuzzy_lines = [
        n for n, line in enumerate(text.splitlines(), 1) if re.match(r"#,.*\bfuzzy\b", line)
    ]
    assert not fuzzy_lines, f"fuzzy entries at django.po lines {fuzzy_lines}"


HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
PLACEHOLDER = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdif]|\{\w*\}")


def _placeholders(text: str) -> Counter[str]:
    return Counter(match.group(0) for match in PLACEHOLDER.finditer(text))


def _prose(text: str) -> str:
    """The words of a message, without placeholders or HTML tags."""
    return HTML_TAG.sub(" ", PLACEHOLDER.sub(" ", text))


def test_placeholders_are_kept_exactly():
    problems = []
    for entry in entries():
        for index, translation in entry.msgstr.items():
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            if _placeholders(source) != _placeholders(translation):
                problems.append(f"{entry} [{index}]: {translation!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_python_format_translations_can_be_formatted():
    problems = []
    for entry in entries():
        if "python-format" not in entry.flags:
            continue
        names = set(re.findall(r"%\((\w+)\)", entry.msgid + (entry.msgid_plural or "")))
        for translation in entry.msgstr.values():
            try:
                translation % dict.fromkeys(names, 1)
            except (KeyError, ValueError, TypeError) as exc:
                problems.append(f"{entry}: {translation!r} ({exc!r})")
    assert not problems, "\n".join(problems)


def test_html_tags_are_kept():
    problems = []
    for entry in entries():
        tags = Counter(HTML_TAG.findall(entry.msgid))
        for translation in entry.msgstr.values():
            if Counter(HTML_TAG.findall(translation)) != tags:
                problems.append(f"{entry}: {translation!r}")
    assert not problems, "HTML tags differ:\n" + "\n".join(problems)


def test_translations_keep_surrounding_whitespace_and_final_punctuation():
    problems = []
    for entry in entries():
        for translation in entry.msgstr.values():
            if translation != translation.strip() and entry.msgid == entry.msgid.strip():
                problems.append(f"{entry}: leading or trailing space in {translation!r}")
            if entry.msgid.endswith("\n") != translation.endswith("\n"):
                problems.append(f"{entry}: final newline differs in {translation!r}")
            if entry.msgid.rstrip().endswith(".") and not translation.rstrip().endswith((".", "…")):
                problems.append(f"{entry}: final full stop missing in {translation!r}")
    assert not problems, "\n".join(problems)


def _translation(msgid: str) -> str:
    for entry in entries():
        if entry.msgid == msgid and entry.msgctxt is None:
            return entry.msgstr[0]
    raise AssertionError(f"{msgid!r} is not in the catalogue")


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        ("People and access", "Personnes et accès"),
        ("English", "Anglais"),
        ("French", "Français"),
        ("Peer support worker", "Pair aidant"),
        ("Peer supervisor", "Superviseur des pairs aidants"),
        ("Manager", "Gestionnaire"),
        ("Clinician", "Clinicien"),
        ("Evaluator", "Évaluateur"),
        ("Administrator", "Administrateur"),
        ("Sign in", "Se connecter"),
    ],
)
def test_key_terms(msgid, expected):
    assert _translation(msgid) == expected


@pytest.mark.parametrize(
    ("english", "french"),
    [
        (r"\be-?mail\b", "courriel"),
        (r"\btwo-factor\b", "deux facteurs"),
        (r"\bpeer support workers?\b", "pair"),
        (r"\bsign in\b|\bsign-in\b", "conne"),
    ],
)
def test_terminology_is_consistent(english, french):
    problems = []
    for entry in entries():
        if re.search(english, _prose(entry.msgid), re.IGNORECASE):
            for translation in entry.msgstr.values():
                if french not in _prose(translation).lower():
                    problems.append(f"{entry}: {translation!r} lacks {french!r}")
    assert not problems, "\n".join(problems)


def test_no_english_spelling_of_email_in_french():
    offenders = [
        f"{entry}: {translation!r}"
        for entry in entries()
        for translation in entry.msgstr.values()
        if re.search(r"\be-?mail\b", _prose(translation), re.IGNORECASE)
    ]
    assert not offenders, "use « courriel »:\n" + "\n".join(offenders)


# --- the compiled catalogue -----------------------------------------------------------


def _expected_mo_catalogue() -> dict:
    expected = {}
    for entry in entries():
        if "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            for index, translation in entry.msgstr.items():
                expected[(entry.key, index)] = translation
    return expected


def _mo_catalogue(path: Path) -> dict:
    with path.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    return {k: v for k, v in compiled._catalog.items() if k != ""}


def test_compiled_catalogue_matches_the_po_file():
    assert MO.exists(), "run: manage.py compilemessages -l fr_CA --ignore=.venv"
    compiled = _mo_catalogue(MO)
    expected = _expected_mo_catalogue()
    stale = sorted(str(k) for k in expected.keys() - compiled.keys())
    extra = sorted(str(k) for k in compiled.keys() - expected.keys())
    changed = sorted(
        str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]
    )
    assert not (stale or extra or changed), (
        "django.mo is out of date; run: manage.py compilemessages -l fr_CA --ignore=.venv\n"
        f"missing: {stale[:10]}\nextra: {extra[:10]}\nchanged: {changed[:10]}"
    )


def test_compiled_catalogue_plural_rule_is_french():
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    assert compiled.ngettext("%(n)s event", "%(n)s events", 0) == "%(n)s événement"
    assert compiled.ngettext("%(n)s event", "%(n)s events", 1) == "%(n)s événement"
    assert compiled.ngettext("%(n)s event", "%(n)s events", 2) == "%(n)s événements"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
def test_msgfmt_accepts_the_po_file_and_builds_the_committed_mo(tmp_path):
    built = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(built), str(PO)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert _mo_catalogue(built) == _mo_catalogue(MO), "django.mo differs from a fresh msgfmt"


# --- the catalogue covers the source ----------------------------------------------------

# {% translate "literal" [context "ctx"] [noop] [as var] %}, filters allowed after the literal
TEMPLATE_TRANSLATE = re.compile(
    r"""\{%-?\s*(?:translate|trans)\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)(?P<rest>[^%]*)%\}""",
    re.DOTALL,
)
TEMPLATE_CONTEXT = re.compile(r"""\bcontext\s+(?P<q>["'])(?P<ctx>.*?)(?P=q)""")
TEMPLATE_UNDERSCORE = re.compile(r"""(?<![\w.])_\((?P<q>["'])(?P<msgid>.*?)(?P=q)\)""")
PYTHON_CALL = re.compile(
    r"""(?<![\w.])(?:_|gettext|gettext_lazy|gettext_noop)\(\s*"""
    r"""(?P<literal>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*[,)]"""
)


def _templates() -> list[Path]:
    return sorted(
        p
        for p in SOURCE.rglob("*")
        if p.suffix in {".html", ".txt"} and "templates" in p.relative_to(SOURCE).parts
    )


def _template_msgids(text: str):
    """Yield the catalogue keys of literal strings marked in a template (not blocktranslate)."""
    for match in TEMPLATE_TRANSLATE.finditer(text):
        # Django's template engine doubles "%" in literal msgids, as makemessages does.
        msgid = match.group("msgid").replace("%", "%%")
        context = TEMPLATE_CONTEXT.search(match.group("rest"))
        yield f"{context.group('ctx')}\x04{msgid}" if context else msgid
    for match in TEMPLATE_UNDERSCORE.finditer(text):
        yield match.group("msgid").replace("%", "%%")


def test_template_literal_reader():
    sample = (
        """{% translate "Save" %}{% trans 'Main' as m %}{% translate "May" context "month" %}"""
        """{% translate "Up"|upper %}{{ x|default:_("None") }}{% translate "100%" noop %}"""
        """{% blocktranslate %}Skipped {{ n }}{% endblocktranslate %}"""
    )
    assert list(_template_msgids(sample)) == [
        "Save",
        "Main",
        "month\x04May",
        "Up",
        "100%%",
        "None",
    ]


def test_every_template_literal_is_in_the_catalogue():
    known = msgids()
    templates = _templates()
    assert templates, "no template found"
    missing = [
        f"{path.relative_to(ROOT)}: {key!r}"
        for path in templates
        for key in _template_msgids(path.read_text(encoding="utf-8"))
        if key not in known
    ]
    assert not missing, (
        "not in django.po; run makemessages (command in the module docstring) and translate:\n"
        + "\n".join(missing)
    )


def test_every_python_literal_is_in_the_catalogue():
    known = msgids()
    missing = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "gettext" not in text:
            continue
        for match in PYTHON_CALL.finditer(text):
            msgid = ast.literal_eval(match.group("literal"))
            if msgid and msgid not in known:
                missing.append(f"{path.relative_to(ROOT)}: {msgid!r}")
    assert not missing, "not in django.po; run makemessages and translate:\n" + "\n".join(missing)

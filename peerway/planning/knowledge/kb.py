"""The factor → strategy knowledge base: load, validate and query it.

The data lives in YAML files next to this module (bibliography, factors, strategies,
links) and is reviewed like code. This module is framework-free: it must not import Django,
so that the planning and instruments engines can use it in fast, plain tests.

Public API
    load_knowledge_base(directory=None) -> KnowledgeBase   (cached per directory)
    pibc_items(kb=None) -> dict                             (Peer Integration Barrier Checklist)
    format_citation(ref_id, lang="en", kb=None) -> str
    KnowledgeBaseError                                      (names file and field)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml

from .schema import (
    AUDIENCES,
    ENDORSEMENT_LEVEL_1,
    ERIC_COUNT,
    LANGUAGES,
    LEVELS,
    OWNERS,
    PHASES,
    SCHEMAS,
    SUPPORT_TYPES,
)

__all__ = [
    "AUDIENCES",
    "DATA_DIR",
    "LAYER_NAMES",
    "LANGUAGES",
    "LEVELS",
    "LEVEL_NAMES",
    "OWNERS",
    "OWNER_NAMES",
    "PHASES",
    "PHASE_NAMES",
    "PIBC_RESPONSE_SET",
    "STRENGTH_NAMES",
    "SUPPORT_TYPES",
    "SUPPORT_TYPE_NAMES",
    "ChecklistItem",
    "CfirConstruct",
    "CfirDomain",
    "Endorsement",
    "EricCluster",
    "EricStrategy",
    "Factor",
    "Indicator",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Link",
    "LocalizedText",
    "Problem",
    "Reference",
    "SearchHit",
    "Strategy",
    "format_citation",
    "load_knowledge_base",
    "pibc_items",
]

DATA_DIR = Path(__file__).resolve().parent
FILES = (
    "bibliography.yaml",
    "factors.yaml",
    "strategies.yaml",
    "links.yaml",
    "cfir.yaml",
    "eric.yaml",
    "cfir_eric.yaml",
)
PIBC_RESPONSE_SET = "agreement5_dk"
# Texts at least this long must be translated: a French text identical to the English one
# is almost always a copy-paste left behind.
LONG_TEXT_CHARS = 40
RESERVED_SCALE_PREFIXES = ("level_", "support_")


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class LocalizedText:
    en: str
    fr: str

    def get(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
        return getattr(self, lang)

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "fr": self.fr}


def _text(data: Mapping[str, str]) -> LocalizedText:
    return LocalizedText(en=data["en"].strip(), fr=data["fr"].strip())


LEVEL_NAMES: Mapping[str, LocalizedText] = MappingProxyType(
    {
        "macro": LocalizedText("Macro level (system)", "Niveau macro (système)"),
        "meso": LocalizedText("Meso level (organization)", "Niveau méso (organisation)"),
        "micro": LocalizedText(
            "Micro level (team and individual)", "Niveau micro (équipe et personne)"
        ),
    }
)
SUPPORT_TYPE_NAMES: Mapping[str, LocalizedText] = MappingProxyType(
    {
        "philosophical": LocalizedText("Philosophical support", "Soutien philosophique"),
        "instrumental": LocalizedText("Instrumental support", "Soutien instrumental"),
    }
)
PHASE_NAMES: Mapping[str, LocalizedText] = MappingProxyType(
    {
        "prepare": LocalizedText("Prepare", "Préparer"),
        "recruit_train": LocalizedText("Recruit and train", "Recruter et former"),
        "launch": LocalizedText("Launch", "Lancer"),
        "sustain": LocalizedText("Sustain", "Pérenniser"),
    }
)
OWNER_NAMES: Mapping[str, LocalizedText] = MappingProxyType(
    {
        "executive_sponsor": LocalizedText(
            "Executive sponsor", "Parrain ou marraine à la haute direction"
        ),
        "program_manager": LocalizedText("Program manager", "Gestionnaire de programme"),
        "hr": LocalizedText("Human resources", "Ressources humaines"),
        "peer_supervisor": LocalizedText("Peer supervisor", "Superviseur de pairs aidants"),
        "education_lead": LocalizedText("Education lead", "Responsable de la formation"),
        "peer_workers": LocalizedText("Peer workers", "Pairs aidants"),
        "clinical_lead": LocalizedText("Clinical lead", "Responsable clinique"),
        "evaluator": LocalizedText("Evaluator", "Responsable de l'évaluation"),
    }
)
# The two layers of evidence that can rank a strategy for a factor.
PEER_SUPPORT_LAYER = "peer_support"
CFIR_ERIC_LAYER = "cfir_eric"
LAYER_NAMES: Mapping[str, LocalizedText] = MappingProxyType(
    {
        PEER_SUPPORT_LAYER: LocalizedText(
            "Peer-support evidence (a link in Peerway's knowledge base)",
            "Données sur le soutien par les pairs (un lien de la base de connaissances de Peerway)",
        ),
        CFIR_ERIC_LAYER: LocalizedText(
            "CFIR–ERIC expert endorsement (Waltz et al. 2019), not specific to peer support",
            "Appui d'experts CFIR–ERIC (Waltz et coll. 2019), non propre au soutien par les pairs",
        ),
    }
)
STRENGTH_NAMES: Mapping[int, LocalizedText] = MappingProxyType(
    {
        1: LocalizedText("Plausible", "Plausible"),
        2: LocalizedText("Supported by one source", "Appuyé par une source"),
        3: LocalizedText(
            "Supported by several sources or direct evidence",
            "Appuyé par plusieurs sources ou par des données directes",
        ),
    }
)


@dataclass(frozen=True)
class Reference:
    id: str
    type: str
    authors: tuple[str, ...]
    year: int
    title: str
    in_seed_article: bool
    verified: bool
    authors_truncated: bool = False
    journal: str | None = None
    publisher: str | None = None
    place: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    url: str | None = None
    note: LocalizedText | None = None

    @property
    def short(self) -> str:
        """Author–year label, e.g. "Gates & Akabas 2007" or "Kuhn et al. 2015"."""
        surnames = [a.split(",")[0] for a in self.authors]
        if len(surnames) == 1:
            who = surnames[0]
        elif len(surnames) == 2 and not self.authors_truncated:
            who = f"{surnames[0]} & {surnames[1]}"
        else:
            who = f"{surnames[0]} et al."
        return f"{who} {self.year}"

    def citation(self, lang: str = "en") -> str:
        """A full reference in an APA-like style, in English or French."""
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
        parts = [f"{_author_list(self.authors, self.authors_truncated, lang)} ({self.year})."]
        parts.append(_sentence(self.title))
        if self.type == "article" and self.journal:
            source = self.journal
            if self.volume:
                source += f", {self.volume}"
                if self.issue:
                    source += f"({self.issue})"
            if self.pages:
                source += f", {self.pages}"
            parts.append(source + ".")
        elif self.type == "report" and self.publisher:
            colon = " :" if lang == "fr" else ":"
            parts.append(
                f"{self.place}{colon} {self.publisher}." if self.place else f"{self.publisher}."
            )
        if self.doi:
            parts.append(f"https://doi.org/{self.doi}")
        elif self.url:
            parts.append(
                ("Accessible en ligne : " if lang == "fr" else "Available online: ") + self.url
            )
        return " ".join(parts)


def _author_list(authors: tuple[str, ...], truncated: bool, lang: str) -> str:
    if len(authors) == 1:
        listed = authors[0]
    elif truncated:
        listed = ", ".join(authors[:-1]) + ", … " + authors[-1]
    elif lang == "fr":
        listed = ", ".join(authors[:-1]) + " et " + authors[-1]
    else:
        listed = ", ".join(authors[:-1]) + ", & " + authors[-1]
    # Group authors ("World Health Organization") still end the author element with a period.
    return listed if listed.endswith(".") else listed + "."


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


@dataclass(frozen=True)
class Indicator:
    code: str
    description: LocalizedText


@dataclass(frozen=True)
class ChecklistItem:
    """One Peer Integration Barrier Checklist item, with a text per audience."""

    id: str
    factor: str
    number: int
    variants: Mapping[str, LocalizedText]
    reverse: bool = False

    def text(self, audience: str = "staff", lang: str = "en") -> str:
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r}; expected one of {AUDIENCES}")
        return self.variants[audience].get(lang)


@dataclass(frozen=True)
class Factor:
    code: str
    level: str
    support_type: str
    name: LocalizedText
    description: LocalizedText
    sources: tuple[str, ...]
    checklist: tuple[ChecklistItem, ...]
    indicators: tuple[Indicator, ...]
    unverified: bool = False
    note: LocalizedText | None = None
    cfir: tuple[str, ...] = ()


@dataclass(frozen=True)
class Strategy:
    code: str
    name: LocalizedText
    description: LocalizedText
    first_steps: tuple[LocalizedText, ...]
    owner: str
    phase: str
    support_type: str
    level: str
    citations: tuple[str, ...]
    eric: tuple[int, ...] = ()


@dataclass(frozen=True)
class CfirDomain:
    id: str
    name: LocalizedText


@dataclass(frozen=True)
class CfirConstruct:
    id: str
    domain: str
    name: LocalizedText
    description: LocalizedText


@dataclass(frozen=True)
class EricCluster:
    code: str
    name: LocalizedText


@dataclass(frozen=True)
class EricStrategy:
    number: int
    name: LocalizedText
    cluster: str


@dataclass(frozen=True)
class Endorsement:
    """Share of experts who chose an ERIC strategy for a CFIR barrier (Waltz et al. 2019)."""

    construct: str  # CFIR 2.0 id
    cfir_2009: str  # the original CFIR construct the survey used
    eric: int
    percent: int
    source: str
    verified: bool
    respondents: int | None = None
    note: LocalizedText | None = None
    crosswalk: str = "peerway"  # "same_name": CFIR 2.0 keeps a construct of that name
    count: int | None = None  # how many respondents chose it, when the source gives it
    complete: bool = False  # the source lists every strategy at 20 % or more

    @property
    def level(self) -> int:
        return 1 if self.percent >= ENDORSEMENT_LEVEL_1 else 2


@dataclass(frozen=True)
class EndorsedMatch:
    """A Peerway strategy endorsed, through its ERIC strategy, for one of a factor's CFIR
    constructs. ``endorsement`` is the strongest such endorsement."""

    factor: str
    strategy: str
    endorsement: Endorsement


@dataclass(frozen=True)
class Link:
    factor: str
    strategy: str
    strength: int
    rationale: LocalizedText
    citations: tuple[str, ...]
    unverified: bool = False


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "factor" or "strategy"
    code: str
    score: int
    item: Factor | Strategy


# --------------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class KnowledgeBaseError(ValueError):
    """The knowledge-base files are invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:25])
        more = len(self.problems) - 25
        if more > 0:
            shown += f"\n  … and {more} more"
        super().__init__(f"invalid knowledge base ({len(self.problems)} problem(s)):\n{shown}")


# ------------------------------------------------------------------------------ loading


# The C loader is several times faster; fall back to the pure-Python one where libyaml is absent.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):
    """A safe loader that refuses duplicate mapping keys (PyYAML silently keeps the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first defined on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_UniqueKeyLoader)  # noqa: S506 (safe subclass)
    except FileNotFoundError as exc:
        raise KnowledgeBaseError([Problem(path.name, "(file)", "file not found")]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise KnowledgeBaseError([Problem(path.name, where, f"not valid YAML: {exc}")]) from exc


def _field(path: Iterator[Any] | list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _schema_problems(file: str, data: Any) -> list[Problem]:
    validator = jsonschema.Draft202012Validator(SCHEMAS[file])
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        path = list(error.absolute_path)
        message = error.message
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [k for k in error.validator_value if k not in error.instance]
            if missing:
                path.append(missing[0])
                message = "is required but missing"
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            extra = sorted(k for k in error.instance if k not in allowed)
            if extra:
                path.append(extra[0])
                message = "is not an allowed field here"
        problems.append(Problem(file, _field(path), message))
    return problems


def _walk_texts(node: Any, path: list[Any]) -> Iterator[tuple[list[Any], Mapping[str, str]]]:
    """Yield every {en, fr} mapping in a parsed file, with its path."""
    if isinstance(node, dict):
        if set(node) == set(LANGUAGES) and all(isinstance(v, str) for v in node.values()):
            yield path, node
            return
        for key, value in node.items():
            yield from _walk_texts(value, [*path, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_texts(value, [*path, index])


def _semantic_problems(raw: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    refs: Mapping[str, Any] = raw["bibliography.yaml"]["references"]
    factors: list[dict] = raw["factors.yaml"]["factors"]
    strategies: list[dict] = raw["strategies.yaml"]["strategies"]
    links: list[dict] = raw["links.yaml"]["links"]
    unverified_refs = {rid for rid, ref in refs.items() if not ref["verified"]}
    cited: set[str] = set()

    def add(file: str, path: list[Any], message: str) -> None:
        problems.append(Problem(file, _field(path), message))

    def check_citations(file: str, base: list[Any], ids: list[str]) -> None:
        for index, rid in enumerate(ids):
            if rid not in refs:
                add(file, [*base, index], f"unknown reference {rid!r}; add it to bibliography.yaml")
            if rid in ids[:index]:
                add(file, [*base, index], f"reference {rid!r} is listed twice")
            cited.add(rid)

    def check_unique_codes(file: str, top: str, items: list[dict]) -> None:
        first: dict[str, int] = {}
        for index, item in enumerate(items):
            code = item["code"]
            if code in first:
                add(
                    file, [top, index, "code"], f"duplicate code {code!r} (see index {first[code]})"
                )
            first.setdefault(code, index)

    check_unique_codes("factors.yaml", "factors", factors)
    check_unique_codes("strategies.yaml", "strategies", strategies)

    for index, factor in enumerate(factors):
        base = ["factors", index]
        if factor["code"].startswith(RESERVED_SCALE_PREFIXES):
            add("factors.yaml", [*base, "code"], "must not start with 'level_' or 'support_'")
        check_citations("factors.yaml", [*base, "sources"], factor["sources"])
        if set(factor["sources"]) <= unverified_refs and not factor.get("unverified", False):
            add(
                "factors.yaml",
                [*base, "unverified"],
                "every source is unverified, so the factor must be marked 'unverified: true'",
            )
        indicator_codes = [i["code"] for i in factor["measured_by"]["indicators"]]
        for i, code in enumerate(indicator_codes):
            if code in indicator_codes[:i]:
                path = [*base, "measured_by", "indicators", i, "code"]
                add("factors.yaml", path, f"duplicate indicator code {code!r}")

    for index, strategy in enumerate(strategies):
        base = ["strategies", index, "citations"]
        check_citations("strategies.yaml", base, strategy["citations"])

    factor_codes = {f["code"] for f in factors}
    strategy_codes = {s["code"] for s in strategies}
    first_link: dict[tuple[str, str], int] = {}
    for index, link in enumerate(links):
        base = ["links", index]
        if link["factor"] not in factor_codes:
            add("links.yaml", [*base, "factor"], f"unknown factor {link['factor']!r}")
        if link["strategy"] not in strategy_codes:
            add("links.yaml", [*base, "strategy"], f"unknown strategy {link['strategy']!r}")
        pair = (link["factor"], link["strategy"])
        if pair in first_link:
            add(
                "links.yaml",
                base,
                f"duplicate link {pair[0]} → {pair[1]} (see index {first_link[pair]})",
            )
        first_link.setdefault(pair, index)
        check_citations("links.yaml", [*base, "citations"], link["citations"])
        if set(link["citations"]) <= unverified_refs and not link.get("unverified", False):
            add(
                "links.yaml",
                [*base, "unverified"],
                "every citation is unverified, so the link must be marked 'unverified: true'",
            )
        if link.get("unverified", False) and link["strength"] == 3:
            add("links.yaml", [*base, "strength"], "an unverified link cannot have strength 3")

    linked_factors = {factor for factor, _ in first_link}
    linked_strategies = {strategy for _, strategy in first_link}
    for index, factor in enumerate(factors):
        if factor["code"] not in linked_factors:
            message = f"factor {factor['code']!r} has no strategy in links.yaml"
            add("factors.yaml", ["factors", index, "code"], message)
    for index, strategy in enumerate(strategies):
        if strategy["code"] not in linked_strategies:
            message = f"strategy {strategy['code']!r} addresses no factor in links.yaml"
            add("strategies.yaml", ["strategies", index, "code"], message)
    _framework_problems(raw, factors, strategies, add, check_citations)

    for rid in refs:
        if rid not in cited:
            message = "not cited by any factor, strategy or link; cite it or remove it"
            add("bibliography.yaml", ["references", rid], message)

    for file in FILES:
        for path, text in _walk_texts(raw[file], []):
            en, fr = text["en"].strip(), text["fr"].strip()
            if len(en) >= LONG_TEXT_CHARS and en == fr:
                message = "French text is identical to the English text; translate it"
                add(file, [*path, "fr"], message)
    return problems


def _construct_key(name: str) -> str:
    """A construct name compared across CFIR versions: case, "&" and "and" ignored."""
    return " ".join(name.lower().replace("&", "and").split())


def _percent(count: int, respondents: int) -> int:
    """A share as a whole percentage, halves rounded up, as published tables print it."""
    return (200 * count + respondents) // (2 * respondents)


def _framework_problems(raw, factors, strategies, add, check_citations) -> None:
    """CFIR and ERIC ids are known and unique; every factor and strategy is mapped (the
    schema requires the lists, this checks what is in them); endorsements resolve."""
    cfir = raw["cfir.yaml"]
    eric = raw["eric.yaml"]
    check_citations("cfir.yaml", ["source"], [cfir["source"]])
    check_citations("eric.yaml", ["sources"], eric["sources"])
    domains = {d["id"] for d in cfir["domains"]}
    construct_names = {c["id"]: c["name"]["en"] for c in cfir["constructs"]}
    construct_ids: set[str] = set()
    for index, construct in enumerate(cfir["constructs"]):
        cid = construct["id"]
        if cid in construct_ids:
            add("cfir.yaml", ["constructs", index, "id"], f"duplicate construct id {cid!r}")
        construct_ids.add(cid)
        if cid.split(".")[0] not in domains:
            add("cfir.yaml", ["constructs", index, "id"], f"unknown domain for {cid!r}")
    clusters = {c["code"] for c in eric["clusters"]}
    numbers = [s["number"] for s in eric["strategies"]]
    for index, strategy in enumerate(eric["strategies"]):
        if strategy["number"] in numbers[:index]:
            message = f"duplicate ERIC number {strategy['number']}"
            add("eric.yaml", ["strategies", index, "number"], message)
        if strategy["cluster"] not in clusters:
            message = f"unknown cluster {strategy['cluster']!r}"
            add("eric.yaml", ["strategies", index, "cluster"], message)
    eric_numbers = set(numbers)
    if eric_numbers != set(range(1, ERIC_COUNT + 1)):
        add("eric.yaml", ["strategies"], f"must number the strategies 1 to {ERIC_COUNT}")
    for index, factor in enumerate(factors):
        for i, cid in enumerate(factor["cfir"]):
            path = ["factors", index, "cfir", i]
            if cid not in construct_ids:
                add("factors.yaml", path, f"unknown CFIR construct {cid!r}; see cfir.yaml")
            if cid in factor["cfir"][:i]:
                add("factors.yaml", path, f"CFIR construct {cid!r} is listed twice")
    for index, strategy in enumerate(strategies):
        for i, number in enumerate(strategy["eric"]):
            path = ["strategies", index, "eric", i]
            if number not in eric_numbers:
                add("strategies.yaml", path, f"unknown ERIC strategy {number}; see eric.yaml")
            if number in strategy["eric"][:i]:
                add("strategies.yaml", path, f"ERIC strategy {number} is listed twice")
    seen: set[str] = set()
    for index, entry in enumerate(raw["cfir_eric.yaml"]["endorsements"]):
        base = ["endorsements", index]
        if entry["construct"] not in construct_ids:
            message = f"unknown CFIR construct {entry['construct']!r}; see cfir.yaml"
            add("cfir_eric.yaml", [*base, "construct"], message)
        if entry["construct"] in seen:
            message = f"construct {entry['construct']!r} already has an entry"
            add("cfir_eric.yaml", [*base, "construct"], message)
        seen.add(entry["construct"])
        check_citations("cfir_eric.yaml", [*base, "source"], [entry["source"]])
        source = raw["bibliography.yaml"]["references"].get(entry["source"])
        if entry["verified"] and source is not None and not source["verified"]:
            message = "an entry read in an unverified reference cannot be marked verified"
            add("cfir_eric.yaml", [*base, "verified"], message)
        if entry.get("complete") and not entry["verified"]:
            message = "only an entry read in full in Waltz et al. (2019) can be complete"
            add("cfir_eric.yaml", [*base, "complete"], message)
        construct_name = construct_names.get(entry["construct"])
        if (
            entry["crosswalk"] == "same_name"
            and construct_name is not None
            and _construct_key(entry["cfir_2009"]) != _construct_key(construct_name)
        ):
            message = (
                f"{entry['cfir_2009']!r} is not named like CFIR 2.0 {construct_name!r}; "
                "use crosswalk: peerway"
            )
            add("cfir_eric.yaml", [*base, "crosswalk"], message)
        respondents = entry.get("respondents")
        for i, item in enumerate(entry["strategies"]):
            if "count" not in item:
                continue
            path = [*base, "strategies", i, "count"]
            if respondents is None:
                add("cfir_eric.yaml", path, "a count needs the entry's respondents")
            elif (
                item["count"] > respondents
                or _percent(item["count"], respondents) != item["percent"]
            ):
                message = f"{item['count']} of {respondents} respondents is not {item['percent']} %"
                add("cfir_eric.yaml", path, message)
        listed = [s["eric"] for s in entry["strategies"]]
        for i, number in enumerate(listed):
            path = [*base, "strategies", i, "eric"]
            if number not in eric_numbers:
                add("cfir_eric.yaml", path, f"unknown ERIC strategy {number}; see eric.yaml")
            if number in listed[:i]:
                add("cfir_eric.yaml", path, f"ERIC strategy {number} is listed twice")


def _build(raw: Mapping[str, Any]) -> KnowledgeBase:
    references = {
        rid: Reference(
            id=rid,
            type=ref["type"],
            authors=tuple(ref["authors"]),
            year=ref["year"],
            title=" ".join(ref["title"].split()),
            in_seed_article=ref["in_seed_article"],
            verified=ref["verified"],
            authors_truncated=ref.get("authors_truncated", False),
            journal=ref.get("journal"),
            publisher=ref.get("publisher"),
            place=ref.get("place"),
            volume=ref.get("volume"),
            issue=ref.get("issue"),
            pages=ref.get("pages"),
            doi=ref.get("doi"),
            url=ref.get("url"),
            note=_text(ref["note"]) if "note" in ref else None,
        )
        for rid, ref in raw["bibliography.yaml"]["references"].items()
    }
    factors = []
    for f in raw["factors.yaml"]["factors"]:
        checklist = tuple(
            ChecklistItem(
                id=f"pibc_{f['code']}_{n}",
                factor=f["code"],
                number=n,
                variants=MappingProxyType({a: _text(item[a]) for a in AUDIENCES}),
                reverse=item.get("reverse", False),
            )
            for n, item in enumerate(f["measured_by"]["checklist"], start=1)
        )
        factors.append(
            Factor(
                code=f["code"],
                level=f["level"],
                support_type=f["support_type"],
                name=_text(f["name"]),
                description=_text(f["description"]),
                sources=tuple(f["sources"]),
                checklist=checklist,
                indicators=tuple(
                    Indicator(code=i["code"], description=_text(i["description"]))
                    for i in f["measured_by"]["indicators"]
                ),
                unverified=f.get("unverified", False),
                note=_text(f["note"]) if "note" in f else None,
                cfir=tuple(f["cfir"]),
            )
        )
    strategies = [
        Strategy(
            code=s["code"],
            name=_text(s["name"]),
            description=_text(s["description"]),
            first_steps=tuple(_text(step) for step in s["first_steps"]),
            owner=s["owner"],
            phase=s["phase"],
            support_type=s["support_type"],
            level=s["level"],
            citations=tuple(s["citations"]),
            eric=tuple(s["eric"]),
        )
        for s in raw["strategies.yaml"]["strategies"]
    ]
    links = [
        Link(
            factor=link["factor"],
            strategy=link["strategy"],
            strength=link["strength"],
            rationale=_text(link["rationale"]),
            citations=tuple(link["citations"]),
            unverified=link.get("unverified", False),
        )
        for link in raw["links.yaml"]["links"]
    ]
    cfir, eric = raw["cfir.yaml"], raw["eric.yaml"]
    frameworks = Frameworks(
        cfir_source=cfir["source"],
        eric_sources=tuple(eric["sources"]),
        domains=tuple(CfirDomain(d["id"], _text(d["name"])) for d in cfir["domains"]),
        constructs=tuple(
            CfirConstruct(
                id=c["id"],
                domain=c["id"].split(".")[0],
                name=_text(c["name"]),
                description=_text(c["description"]),
            )
            for c in cfir["constructs"]
        ),
        clusters=tuple(EricCluster(c["code"], _text(c["name"])) for c in eric["clusters"]),
        eric=tuple(
            EricStrategy(s["number"], _text(s["name"]), s["cluster"])
            for s in sorted(eric["strategies"], key=lambda s: s["number"])
        ),
        endorsements=tuple(
            Endorsement(
                construct=entry["construct"],
                cfir_2009=entry["cfir_2009"],
                eric=item["eric"],
                percent=item["percent"],
                source=entry["source"],
                verified=entry["verified"],
                respondents=entry.get("respondents"),
                note=_text(entry["note"]) if "note" in entry else None,
                crosswalk=entry["crosswalk"],
                count=item.get("count"),
                complete=entry.get("complete", False),
            )
            for entry in raw["cfir_eric.yaml"]["endorsements"]
            for item in entry["strategies"]
        ),
    )
    return KnowledgeBase(references, factors, strategies, links, frameworks=frameworks)


@dataclass(frozen=True)
class Frameworks:
    """CFIR 2.0 constructs, the ERIC compilation and the CFIR–ERIC endorsement layer."""

    cfir_source: str
    eric_sources: tuple[str, ...]
    domains: tuple[CfirDomain, ...]
    constructs: tuple[CfirConstruct, ...]
    clusters: tuple[EricCluster, ...]
    eric: tuple[EricStrategy, ...]
    endorsements: tuple[Endorsement, ...]


def load_knowledge_base(directory: str | Path | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base (cached per directory).

    ``directory`` defaults to the files shipped with Peerway; tests pass a copy. Raises
    ``KnowledgeBaseError`` listing every problem, each naming the file and the field.
    """
    return _load_cached(str(Path(directory or DATA_DIR).resolve()))


@functools.lru_cache(maxsize=8)
def _load_cached(directory: str) -> KnowledgeBase:
    base = Path(directory)
    raw = {file: _read_yaml(base / file) for file in FILES}
    problems = [p for file in FILES for p in _schema_problems(file, raw[file])]
    if problems:
        # Semantic checks assume a well-formed structure.
        raise KnowledgeBaseError(problems)
    problems = _semantic_problems(raw)
    if problems:
        raise KnowledgeBaseError(problems)
    return _build(raw)


load_knowledge_base.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ queries


def _fold(text: str) -> str:
    """Lower-case, accent-free form used for searching ("Équité" → "equite")."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_WORD = re.compile(r"[a-z0-9]+")


class KnowledgeBase:
    """Read-only view of the validated knowledge base."""

    def __init__(
        self,
        references: Mapping[str, Reference],
        factors: list[Factor],
        strategies: list[Strategy],
        links: list[Link],
        *,
        frameworks: Frameworks | None = None,
    ) -> None:
        self.references: Mapping[str, Reference] = MappingProxyType(dict(references))
        self.factors: tuple[Factor, ...] = tuple(factors)
        self.strategies: tuple[Strategy, ...] = tuple(strategies)
        self.links: tuple[Link, ...] = tuple(links)
        self._factors = {f.code: f for f in self.factors}
        self._strategies = {s.code: s for s in self.strategies}
        self._links = {(lk.factor, lk.strategy): lk for lk in self.links}
        self.frameworks = frameworks or Frameworks("", (), (), (), (), (), ())
        self._constructs = {c.id: c for c in self.frameworks.constructs}
        self._domains = {d.id: d for d in self.frameworks.domains}
        self._eric = {e.number: e for e in self.frameworks.eric}
        self._clusters = {c.code: c for c in self.frameworks.clusters}

    def __repr__(self) -> str:
        return (
            f"<KnowledgeBase {len(self.factors)} factors, {len(self.strategies)} strategies, "
            f"{len(self.links)} links, {len(self.references)} references>"
        )

    # -- lookups
    def factor(self, code: str) -> Factor:
        try:
            return self._factors[code]
        except KeyError:
            raise KeyError(f"unknown factor {code!r}") from None

    def strategy(self, code: str) -> Strategy:
        try:
            return self._strategies[code]
        except KeyError:
            raise KeyError(f"unknown strategy {code!r}") from None

    def reference(self, ref_id: str) -> Reference:
        try:
            return self.references[ref_id]
        except KeyError:
            raise KeyError(f"unknown reference {ref_id!r}") from None

    def link(self, factor_code: str, strategy_code: str) -> Link | None:
        return self._links.get((factor_code, strategy_code))

    def links_for_factor(self, factor_code: str) -> list[Link]:
        """Links from a factor, strongest first, then by phase order, then by code."""
        self.factor(factor_code)
        phase_rank = {p: i for i, p in enumerate(PHASES)}
        return sorted(
            (lk for lk in self.links if lk.factor == factor_code),
            key=lambda lk: (
                -lk.strength,
                phase_rank[self._strategies[lk.strategy].phase],
                lk.strategy,
            ),
        )

    def links_for_strategy(self, strategy_code: str) -> list[Link]:
        """Links to a strategy, strongest first, then by level order, then by code."""
        self.strategy(strategy_code)
        level_rank = {lv: i for i, lv in enumerate(LEVELS)}
        return sorted(
            (lk for lk in self.links if lk.strategy == strategy_code),
            key=lambda lk: (-lk.strength, level_rank[self._factors[lk.factor].level], lk.factor),
        )

    def strategies_for(self, factor_code: str) -> list[Strategy]:
        """Strategies that address a factor, strongest evidence first."""
        return [self._strategies[lk.strategy] for lk in self.links_for_factor(factor_code)]

    def factors_for(self, strategy_code: str) -> list[Factor]:
        """Factors a strategy addresses, strongest evidence first."""
        return [self._factors[lk.factor] for lk in self.links_for_strategy(strategy_code)]

    def format_citation(self, ref_id: str, lang: str = "en") -> str:
        return self.reference(ref_id).citation(lang)

    # -- frameworks (CFIR 2.0, ERIC, and the CFIR–ERIC endorsement layer)
    def cfir_construct(self, construct_id: str) -> CfirConstruct:
        try:
            return self._constructs[construct_id]
        except KeyError:
            raise KeyError(f"unknown CFIR construct {construct_id!r}") from None

    def cfir_domain(self, domain_id: str) -> CfirDomain:
        return self._domains[domain_id]

    def eric_strategy(self, number: int) -> EricStrategy:
        try:
            return self._eric[number]
        except KeyError:
            raise KeyError(f"unknown ERIC strategy {number!r}") from None

    def eric_cluster(self, code: str) -> EricCluster:
        return self._clusters[code]

    def factors_for_construct(self, construct_id: str) -> list[Factor]:
        return [f for f in self.factors if construct_id in f.cfir]

    def strategies_for_eric(self, number: int) -> list[Strategy]:
        return [s for s in self.strategies if number in s.eric]

    def endorsements_for_construct(self, construct_id: str) -> list[Endorsement]:
        """Recorded endorsements for a construct, most endorsed first."""
        return sorted(
            (e for e in self.frameworks.endorsements if e.construct == construct_id),
            key=lambda e: (-e.percent, e.eric),
        )

    def endorsed_strategies(self, factor_code: str) -> list[EndorsedMatch]:
        """Peerway strategies whose ERIC strategy experts endorsed for one of the factor's
        CFIR constructs (the second layer of evidence), most endorsed first. Each strategy
        appears once, with its strongest endorsement; linked or not."""
        factor = self.factor(factor_code)
        best: dict[str, Endorsement] = {}
        for construct in factor.cfir:
            for endorsement in self.endorsements_for_construct(construct):
                for strategy in self.strategies_for_eric(endorsement.eric):
                    current = best.get(strategy.code)
                    if current is None or endorsement.percent > current.percent:
                        best[strategy.code] = endorsement
        matches = [EndorsedMatch(factor_code, code, e) for code, e in best.items()]
        return sorted(matches, key=lambda m: (-m.endorsement.percent, m.strategy))

    def search(self, text: str, lang: str = "en") -> list[SearchHit]:
        """Find factors and strategies whose name or description (or CFIR construct / ERIC
        strategy name) contains every word of ``text`` (case- and accent-insensitive). Name
        matches rank above the others."""
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
        words = _WORD.findall(_fold(text))
        if not words:
            return []
        hits = []
        items: list[tuple[str, Factor | Strategy]] = [("factor", f) for f in self.factors]
        items += [("strategy", s) for s in self.strategies]
        for kind, item in items:
            name = _fold(item.name.get(lang))
            # Framework names count as description text: an evaluator searching
            # "compatibility" or "champions" finds the factors and strategies mapped there.
            if isinstance(item, Factor):
                extra = [self._constructs[c].name.get(lang) for c in item.cfir]
            else:
                extra = [self._eric[n].name.get(lang) for n in item.eric]
            body = _fold(" ".join([item.description.get(lang), *extra]))
            if not all(w in name or w in body for w in words):
                continue
            score = sum(3 if w in name else 1 for w in words)
            hits.append(SearchHit(kind=kind, code=item.code, score=score, item=item))
        hits.sort(key=lambda h: (-h.score, h.kind, h.code))
        return hits

    # -- Peer Integration Barrier Checklist
    def checklist_items(self) -> list[ChecklistItem]:
        return [item for factor in self.factors for item in factor.checklist]

    def pibc_items(self) -> dict:
        """The Peer Integration Barrier Checklist in the instruments engine's dict shape."""
        items = [
            {
                "id": item.id,
                "text": item.variants["staff"].as_dict(),
                "variants": {a: item.variants[a].as_dict() for a in AUDIENCES},
                "response_set": PIBC_RESPONSE_SET,
                "reverse": item.reverse,
                "factor": item.factor,
            }
            for item in self.checklist_items()
        ]
        scales = [
            {
                "id": factor.code,
                "name": factor.name.as_dict(),
                "items": [item.id for item in factor.checklist],
                "method": "mean",
                "min_answered": 1,
                "on_incomplete": "invalid",
            }
            for factor in self.factors
        ]
        groups = [(f"level_{lv}", LEVEL_NAMES[lv], "level", lv) for lv in LEVELS]
        groups += [
            (f"support_{st}", SUPPORT_TYPE_NAMES[st], "support_type", st) for st in SUPPORT_TYPES
        ]
        for scale_id, name, attribute, value in groups:
            scales.append(
                {
                    "id": scale_id,
                    "name": name.as_dict(),
                    "items": [
                        item.id
                        for factor in self.factors
                        if getattr(factor, attribute) == value
                        for item in factor.checklist
                    ],
                    "method": "mean",
                    "min_answered": 0.5,
                    "on_incomplete": "invalid",
                }
            )
        return {"items": items, "scales": scales}


# ------------------------------------------------------------------- module-level helpers


def pibc_items(kb: KnowledgeBase | None = None) -> dict:
    """Items and scales of the Peer Integration Barrier Checklist (locally developed, not
    validated), built from the knowledge base so that both share one source.

    Builds a fresh dict on every call; callers may modify it freely.
    """
    return (kb or load_knowledge_base()).pibc_items()


def format_citation(ref_id: str, lang: str = "en", kb: KnowledgeBase | None = None) -> str:
    return (kb or load_knowledge_base()).format_citation(ref_id, lang)

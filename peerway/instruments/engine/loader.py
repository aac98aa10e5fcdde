"""Load instrument definitions (YAML or dict) into immutable ``Instrument`` objects.

Loading = parse → check ``items_source`` against the shipped table and the file against the
JSON Schema → merge the shipped source's output → JSON Schema → semantic checks → dataclasses.
Every failure raises ``DefinitionError`` naming the offending field.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import yaml

from .errors import DefinitionError, ItemsSourceUnavailable, UnknownInstrument
from .model import (
    Band,
    Instrument,
    Item,
    Licence,
    LocalizedText,
    Number,
    Option,
    ResponseSet,
    SafetyItem,
    SafetyTrigger,
    Scale,
    SkipRule,
    condition_holds,
    round_half_up,
)
from .model import (
    format_number as _n,
)
from .schema import (
    DEFINITION_SCHEMA,
    PRE_SOURCE_SCHEMA,
    SUPPLIED_SCHEMA,
    validate_with_schema,
)

DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "definitions"
_EPS = 1e-9
# The C loader is ~10× faster; both are safe loaders (no arbitrary objects).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# --------------------------------------------------------------------------- reading files


def _refuse_aliases(text: str, source: str) -> None:
    """A definition is plain data: YAML aliases (``*name``) could make a few lines expand
    into billions of nodes when validated, so they are refused."""
    try:
        for event in yaml.parse(text, Loader=_YAML_LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise DefinitionError(
                    "(file)",
                    "YAML aliases (*name) are not accepted: write each value out",
                    source=source,
                )
    except yaml.YAMLError:
        return  # reported, with its line, when the file is loaded
    except RecursionError as exc:
        raise DefinitionError("(file)", "nested too deeply", source=source) from exc


def read_definition_file(path: str | Path) -> dict[str, Any]:
    """Parse a YAML (or JSON) definition file into a dict, with clear errors."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DefinitionError("(file)", "file not found", source=source) from exc
    except UnicodeDecodeError as exc:
        raise DefinitionError("(file)", "file is not UTF-8 text", source=source) from exc
    except OSError as exc:  # a directory, no permission, …
        raise DefinitionError("(file)", exc.strerror or str(exc), source=source) from exc
    _refuse_aliases(text, source)
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except RecursionError as exc:
        raise DefinitionError("(file)", "nested too deeply", source=source) from exc
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError("(file)", f"not valid YAML{where}: {problem}", source=source) from exc
    if not isinstance(data, dict):
        raise DefinitionError(
            "(top level)", "the file must hold a mapping of fields", source=source
        )
    return data


# --------------------------------------------------------------------------- items_source


def _pibc_items() -> Any:
    # Imported here, not at the top: the engine does not import Django apps on its own.
    from peerway.planning.knowledge.kb import pibc_items

    return pibc_items()


# Definitions are data: a file can only NAME one of these shipped generators, never a module
# or function of its choosing. Nothing outside this table is ever imported or called.
ITEM_SOURCES: dict[str, Callable[[], Any]] = {
    "peerway.planning.knowledge.kb:pibc_items": _pibc_items,
}


def check_items_source(spec: Any, *, source: str | None = None) -> str:
    """The name of a shipped item source, or a ``DefinitionError``; imports nothing."""
    if not isinstance(spec, str) or spec not in ITEM_SOURCES:
        known = ", ".join(sorted(ITEM_SOURCES)) or "(none)"
        raise DefinitionError(
            "items_source",
            f"{str(spec)[:100]!r} is not one of Peerway's shipped item sources ({known}); "
            "definition files are data and cannot name code to run",
            source=source,
        )
    return spec


def call_items_source(spec: str, *, source: str | None = None) -> dict[str, list[Any]]:
    """Call the shipped item source ``spec``; return its ``{"items": [...], "scales": [...]}``."""
    func = ITEM_SOURCES[check_items_source(spec, source=source)]
    try:
        result = func()
    except ModuleNotFoundError as exc:
        raise ItemsSourceUnavailable(
            "items_source", f"'{spec}' is not available ({exc})", source=source
        ) from exc
    except Exception as exc:
        raise DefinitionError(
            "items_source", f"{spec}() raised {type(exc).__name__}: {exc}", source=source
        ) from exc
    if not isinstance(result, Mapping):
        raise DefinitionError(
            "items_source",
            f"{spec}() must return a dict with 'items' and 'scales', got {type(result).__name__}",
            source=source,
        )
    out: dict[str, list[Any]] = {}
    for key in ("items", "scales"):
        value = result.get(key, [])
        if not isinstance(value, list | tuple):
            raise DefinitionError(
                "items_source", f"{spec}() returned '{key}' that is not a list", source=source
            )
        out[key] = copy.deepcopy(list(value))
    extra = set(result) - {"items", "scales"}
    if extra:
        raise DefinitionError(
            "items_source",
            f"{spec}() returned unexpected keys: {', '.join(sorted(map(str, extra)))}",
            source=source,
        )
    return out


# --------------------------------------------------------------------------- loading


def load_definition(
    path_or_dict: str | Path | Mapping[str, Any], *, source: str | None = None
) -> Instrument:
    """Load and validate one definition from a YAML file path or an already-parsed dict."""
    if isinstance(path_or_dict, Mapping):
        data = copy.deepcopy(dict(path_or_dict))
        source = source or f"<definition {data.get('code', '?')}>"
    else:
        source = source or str(path_or_dict)
        data = read_definition_file(path_or_dict)
    if "items_source" in data:
        # Validate the file itself (with its own, possibly empty, lists) before anything runs.
        spec = check_items_source(data["items_source"], source=source)
        validate_with_schema(data, PRE_SOURCE_SCHEMA, source=source)
        generated = call_items_source(spec, source=source)
        data["items"] = list(data.get("items") or []) + generated["items"]
        data["scales"] = list(data.get("scales") or []) + generated["scales"]
        source = f"{source} (with items from {spec})"
    validate_with_schema(data, DEFINITION_SCHEMA, source=source)
    return _build(data, source=source, supplied=False)


def _version_str(value: Any) -> str:
    return str(value)


def _require_languages(
    text: Mapping[str, str] | None, languages: Iterable[str], field: str, source: str | None
) -> None:
    if text is None:
        raise DefinitionError(field, "is required", source=source)
    for language in languages:
        if language not in text:
            raise DefinitionError(field, f"missing text for language '{language}'", source=source)


def _number_key(key: Any, field: str, source: str | None) -> Number:
    if isinstance(key, bool):
        raise DefinitionError(field, f"key {key!r} is not a number", source=source)
    if isinstance(key, int | float):
        return key
    if isinstance(key, str):
        try:
            return int(key)
        except ValueError:
            try:
                return float(key)
            except ValueError:
                pass
    raise DefinitionError(field, f"key {key!r} is not a number", source=source)


def _is_integral(value: Number) -> bool:
    return float(value).is_integer()


def _check_of_scales(
    of_scales: tuple[str, ...],
    raw: Mapping[str, Any],
    earlier: list[Scale],
    members: list[str],
    method: str,
    field: str,
    source: str | None,
) -> None:
    """A mean of subscale scores: its subscales come earlier, do not overlap, use the same
    transform-free mean, and together hold exactly the scale's items."""
    if method != "mean":
        raise DefinitionError(
            f"{field}.method", "a scale computed from other scales must use 'mean'", source=source
        )
    if raw.get("transform"):
        raise DefinitionError(
            f"{field}.transform",
            "a scale computed from other scales takes no transform",
            source=source,
        )
    known = {s.id: s for s in earlier}
    covered: list[str] = []
    for k, sub_id in enumerate(of_scales):
        sub = known.get(sub_id)
        if sub is None:
            raise DefinitionError(
                f"{field}.of_scales[{k}]",
                f"'{sub_id}' must name a scale defined before this one",
                source=source,
            )
        if sub.method != "mean" or sub.has_transform or sub.of_scales:
            raise DefinitionError(
                f"{field}.of_scales[{k}]",
                f"'{sub_id}' must be a plain mean of items",
                source=source,
            )
        covered.extend(sub.items)
    if sorted(covered) != sorted(members) or len(set(covered)) != len(covered):
        raise DefinitionError(
            f"{field}.of_scales",
            "the subscales must hold each of the scale's items exactly once",
            source=source,
        )


def _min_required(raw: Any, n_items: int, field: str, source: str | None) -> int:
    if raw is None:
        return n_items
    if isinstance(raw, bool):
        raise DefinitionError(field, "must be a count or a fraction", source=source)
    if isinstance(raw, int) or (isinstance(raw, float) and raw > 1 and raw.is_integer()):
        count = int(raw)
        if count > n_items:
            raise DefinitionError(
                field, f"{count} is more than the scale's {n_items} items", source=source
            )
        return count
    # Decimal avoids 0.7 * 10 rounding up to 8.
    needed = (Decimal(str(raw)) * n_items).to_integral_value(rounding=ROUND_CEILING)
    return max(1, int(needed))


def _build(data: dict[str, Any], *, source: str | None, supplied: bool) -> Instrument:
    code: str = data["code"]
    languages = tuple(data["languages"])
    _require_languages(data["name"], languages, "name", source)
    for key in ("description", "instructions"):
        if key in data:
            _require_languages(data[key], languages, key, source)

    lic = data["licence"]
    category = lic["category"]
    if category == "free_with_notice" and "notice" not in lic:
        raise DefinitionError(
            "licence.notice", "is required when the category is free_with_notice", source=source
        )
    if "notice" in lic:
        _require_languages(lic["notice"], languages, "licence.notice", source)
    licence = Licence(
        category=category,
        notice=lic.get("notice"),
        holder=lic.get("holder"),
        terms=lic.get("terms"),
        url=lic.get("url"),
        uncertain=bool(lic.get("uncertain", False)),
    )

    # Response sets --------------------------------------------------------------------------
    response_sets: dict[str, ResponseSet] = {}
    for name, options_raw in data["response_sets"].items():
        seen: set[Number] = set()
        options: list[Option] = []
        for i, opt in enumerate(options_raw):
            field = f"response_sets.{name}[{i}]"
            value = opt["value"]
            excluded = bool(opt.get("excluded", False))
            if value is None and not excluded:
                raise DefinitionError(
                    f"{field}.value",
                    "only an excluded option (N/A, don't know) may have a null value",
                    source=source,
                )
            if value is not None:
                if value in seen:
                    raise DefinitionError(
                        f"{field}.value", f"duplicate value {_n(value)}", source=source
                    )
                seen.add(value)
            _require_languages(opt["label"], languages, f"{field}.label", source)
            options.append(Option(value, dict(opt["label"]), excluded, opt.get("code")))
        rs = ResponseSet(name, tuple(options))
        if len(rs.scored_values) < 2:
            raise DefinitionError(
                f"response_sets.{name}",
                "needs at least two numeric options that are not excluded",
                source=source,
            )
        response_sets[name] = rs

    # Items ----------------------------------------------------------------------------------
    if not data["items"]:
        raise DefinitionError("items", "at least one item is required", source=source)
    items: list[Item] = []
    item_ids: set[str] = set()
    for i, raw in enumerate(data["items"]):
        field = f"items[{i}]"
        item_id = raw["id"]
        if item_id in item_ids:
            raise DefinitionError(f"{field}.id", f"duplicate item id '{item_id}'", source=source)
        item_ids.add(item_id)
        rs_name = raw["response_set"]
        if rs_name not in response_sets:
            raise DefinitionError(
                f"{field}.response_set",
                f"unknown response set '{rs_name}'; defined: {', '.join(response_sets)}",
                source=source,
            )
        rs = response_sets[rs_name]
        text = raw.get("text")
        if category == "structure_only" and not supplied:
            if text is not None or raw.get("variants"):
                raise DefinitionError(
                    f"{field}.text",
                    "a structure_only definition must not ship item text; the organization "
                    "supplies it (see merge_supplied)",
                    source=source,
                )
        else:
            _require_languages(text, languages, f"{field}.text", source)
        variants: dict[str, LocalizedText] = {}
        for audience, vtext in (raw.get("variants") or {}).items():
            _require_languages(vtext, languages, f"{field}.variants.{audience}", source)
            variants[audience] = dict(vtext)
        score_map: dict[Number, Number] | None = None
        if "score_map" in raw:
            score_map = {}
            for key, mapped in raw["score_map"].items():
                number = _number_key(key, f"{field}.score_map", source)
                if number not in rs.scored_values:
                    raise DefinitionError(
                        f"{field}.score_map",
                        f"key {_n(number)} is not a scored value of response set '{rs_name}'",
                        source=source,
                    )
                score_map[number] = mapped
            missing = [v for v in rs.scored_values if v not in score_map]
            if missing:
                raise DefinitionError(
                    f"{field}.score_map",
                    "no mapping for answer value(s) " + ", ".join(_n(v) for v in missing),
                    source=source,
                )
        # Reverse keys need a numeric scale; every response set has >= 2 scored numbers.
        reverse = bool(raw.get("reverse", False))
        items.append(
            Item(
                id=item_id,
                response_set=rs_name,
                text=dict(text) if text else None,
                variants=variants,
                reverse=reverse,
                factor=raw.get("factor"),
                score_map=score_map,
            )
        )
    by_id = {item.id: item for item in items}

    def bounds(item: Item) -> tuple[Number, Number]:
        values = [
            item.score_map.get(v, v) if item.score_map else v
            for v in response_sets[item.response_set].scored_values
        ]
        return min(values), max(values)

    def scored_values(item: Item) -> list[Number]:
        return [
            item.score_map.get(v, v) if item.score_map else v
            for v in response_sets[item.response_set].scored_values
        ]

    # Scales ---------------------------------------------------------------------------------
    scales: list[Scale] = []
    scale_ids: set[str] = set()
    for i, raw in enumerate(data["scales"]):
        field = f"scales[{i}]"
        scale_id = raw["id"]
        if scale_id in scale_ids:
            raise DefinitionError(f"{field}.id", f"duplicate scale id '{scale_id}'", source=source)
        scale_ids.add(scale_id)
        _require_languages(raw["name"], languages, f"{field}.name", source)
        members: list[str] = []
        for j, member in enumerate(raw["items"]):
            if member not in by_id:
                raise DefinitionError(
                    f"{field}.items[{j}]", f"unknown item '{member}'", source=source
                )
            if member in members:
                raise DefinitionError(
                    f"{field}.items[{j}]", f"item '{member}' is listed twice", source=source
                )
            members.append(member)
        n = len(members)
        method = raw["method"]
        on_incomplete = raw.get("on_incomplete", "invalid")
        min_required = _min_required(raw.get("min_answered"), n, f"{field}.min_answered", source)
        if method == "sum" and on_incomplete == "invalid" and min_required < n:
            raise DefinitionError(
                f"{field}.on_incomplete",
                f"a sum scale that is invalid when incomplete must require all {n} items "
                f"(min_answered allows {min_required}); use 'prorate' or require all items",
                source=source,
            )
        transform = raw.get("transform") or {}
        multiply = transform.get("multiply", 1)
        add = transform.get("add", 0)
        if multiply == 0:
            raise DefinitionError(f"{field}.transform.multiply", "must not be 0", source=source)
        lows, highs = zip(*(bounds(by_id[m]) for m in members), strict=True)
        if method == "sum":
            lo, hi = float(math.fsum(lows)), float(math.fsum(highs))
        else:
            lo, hi = math.fsum(lows) / n, math.fsum(highs) / n
        lo, hi = lo * multiply + add, hi * multiply + add
        if lo > hi:
            lo, hi = hi, lo
        round_digits = raw.get("round")
        if round_digits is not None:
            lo, hi = round_half_up(lo, round_digits), round_half_up(hi, round_digits)
        if "range" in raw:
            given = tuple(raw["range"])
            if not (
                math.isclose(given[0], lo, abs_tol=_EPS)
                and math.isclose(given[1], hi, abs_tol=_EPS)
            ):
                raise DefinitionError(
                    f"{field}.range",
                    f"[{_n(given[0])}, {_n(given[1])}] does not match the range the items "
                    f"and method give, [{_n(lo)}, {_n(hi)}]",
                    source=source,
                )
        integer_valued = round_digits == 0 or (
            method == "sum"
            and all(_is_integral(v) for m in members for v in scored_values(by_id[m]))
            and _is_integral(multiply)
            and _is_integral(add)
            and min_required == n
        )
        bands = _check_bands(
            raw.get("bands") or [], lo, hi, integer_valued, field, languages, source
        )
        of_scales = tuple(raw.get("of_scales") or ())
        if of_scales:
            _check_of_scales(of_scales, raw, scales, members, method, field, source)
        scales.append(
            Scale(
                id=scale_id,
                name=dict(raw["name"]),
                items=tuple(members),
                method=method,
                min_required=min_required,
                on_incomplete=on_incomplete,
                multiply=multiply,
                add=add,
                round_digits=round_digits,
                range=(_tidy(lo), _tidy(hi)),
                bands=bands,
                integer_valued=integer_valued,
                level=raw.get("level"),
                support_type=raw.get("support_type"),
                of_scales=of_scales,
            )
        )

    total_scale = data.get("total_scale")
    if total_scale is not None and total_scale not in scale_ids:
        raise DefinitionError("total_scale", f"unknown scale '{total_scale}'", source=source)

    # Skip rules -----------------------------------------------------------------------------
    skip_rules: list[SkipRule] = []
    skipped_by: dict[str, int] = {}
    for i, raw in enumerate(data.get("skip_rules") or []):
        field = f"skip_rules[{i}]"
        when = raw["when"]
        if when["item"] not in by_id:
            raise DefinitionError(
                f"{field}.when.item", f"unknown item '{when['item']}'", source=source
            )
        value = _condition_value(when["op"], when["value"], f"{field}.when.value", source)
        for j, target in enumerate(raw["skip"]):
            if target not in by_id:
                raise DefinitionError(
                    f"{field}.skip[{j}]", f"unknown item '{target}'", source=source
                )
            if target == when["item"]:
                raise DefinitionError(
                    f"{field}.skip[{j}]", "an item cannot skip itself", source=source
                )
            if target in skipped_by:
                raise DefinitionError(
                    f"{field}.skip[{j}]",
                    f"item '{target}' is already skipped by skip_rules[{skipped_by[target]}]",
                    source=source,
                )
            skipped_by[target] = i
            target_rs = response_sets[by_id[target].response_set]
            if raw["impute"] not in target_rs.scored_values:
                raise DefinitionError(
                    f"{field}.impute",
                    f"{_n(raw['impute'])} is not a scored answer value of item '{target}'",
                    source=source,
                )
        skip_rules.append(
            SkipRule(when["item"], when["op"], value, tuple(raw["skip"]), raw["impute"])
        )

    # Safety triggers ------------------------------------------------------------------------
    triggers: list[SafetyTrigger] = []
    for i, raw in enumerate(data.get("safety_triggers") or []):
        field = f"safety_triggers[{i}]"
        if raw["item"] not in by_id:
            raise DefinitionError(f"{field}.item", f"unknown item '{raw['item']}'", source=source)
        value = _condition_value(raw["op"], raw["value"], f"{field}.value", source)
        allowed = response_sets[by_id[raw["item"]].response_set].allowed_values
        if not any(condition_holds(raw["op"], v, value) for v in allowed):
            raise DefinitionError(
                f"{field}.value",
                f"no answer of item '{raw['item']}' satisfies {raw['op']} {raw['value']}",
                source=source,
            )
        _require_languages(raw["message"], languages, f"{field}.message", source)
        triggers.append(
            SafetyTrigger(raw["item"], raw["op"], value, dict(raw["message"]), raw.get("code"))
        )

    # Safety items --------------------------------------------------------------------------
    safety_items: list[SafetyItem] = []
    seen_safety: set[str] = set()
    for i, raw in enumerate(data.get("safety_items") or []):
        field = f"safety_items[{i}]"
        if raw["item"] not in by_id:
            raise DefinitionError(f"{field}.item", f"unknown item '{raw['item']}'", source=source)
        if raw["item"] in seen_safety:
            raise DefinitionError(
                f"{field}.item", f"item '{raw['item']}' is listed twice", source=source
            )
        if raw["item"] in skipped_by:
            # A skipped question gets an imputed answer; a safety question must be asked.
            raise DefinitionError(
                f"{field}.item",
                f"item '{raw['item']}' is a safety item and cannot be skipped by "
                f"skip_rules[{skipped_by[raw['item']]}]",
                source=source,
            )
        seen_safety.add(raw["item"])
        if raw.get("message"):
            _require_languages(raw["message"], languages, f"{field}.message", source)
        safety_items.append(
            SafetyItem(
                raw["item"],
                dict(raw["message"]) if raw.get("message") else None,
                raw.get("code"),
            )
        )

    return Instrument(
        code=code,
        version=_version_str(data["version"]),
        name=dict(data["name"]),
        languages=languages,
        licence=licence,
        response_sets=response_sets,
        items=tuple(items),
        scales=tuple(scales),
        group_level=bool(data.get("group_level", False)),
        total_scale=total_scale,
        skip_rules=tuple(skip_rules),
        safety_triggers=tuple(triggers),
        safety_items=tuple(safety_items),
        description=data.get("description"),
        instructions=data.get("instructions"),
        citation=data.get("citation"),
        doi=data.get("doi"),
        adaptation=data.get("adaptation"),
        items_source=data.get("items_source"),
        items_supplied=supplied,
        source=source,
        definition=copy.deepcopy(data),
    )


def _tidy(value: float) -> Number:
    return int(value) if float(value).is_integer() else value


def _condition_value(
    op: str, value: Any, field: str, source: str | None
) -> Number | tuple[Number, ...]:
    if op == "in":
        return tuple(value) if isinstance(value, list) else (value,)
    if isinstance(value, list):
        raise DefinitionError(field, f"operator '{op}' needs a single number", source=source)
    return value


def _check_bands(
    raw_bands: list[dict[str, Any]],
    lo: float,
    hi: float,
    integer_valued: bool,
    field: str,
    languages: tuple[str, ...],
    source: str | None,
) -> tuple[Band, ...]:
    """Bands must be ascending, contiguous and cover exactly the scale's range.

    Integer-valued scales use inclusive integer bands (0–4, 5–9: the next band starts one
    above the previous maximum); continuous scales share boundaries (1–2.5, 2.5–5) and a
    boundary value belongs to the upper band.
    """
    if not raw_bands:
        return ()
    bands: list[Band] = []
    for j, raw in enumerate(raw_bands):
        bfield = f"{field}.bands[{j}]"
        if raw["min"] > raw["max"]:
            raise DefinitionError(
                bfield,
                f"min {_n(raw['min'])} is above max {_n(raw['max'])}",
                source=source,
            )
        _require_languages(raw["label"], languages, f"{bfield}.label", source)
        if j == 0:
            if not math.isclose(raw["min"], lo, abs_tol=_EPS):
                raise DefinitionError(
                    f"{bfield}.min",
                    f"the first band starts at {_n(raw['min'])} but the scale's range "
                    f"starts at {_n(lo)}",
                    source=source,
                )
        else:
            prev = raw_bands[j - 1]["max"]
            expected = prev + 1 if integer_valued else prev
            if raw["min"] < expected - _EPS:
                raise DefinitionError(
                    f"{bfield}.min",
                    f"{_n(raw['min'])} overlaps the previous band, which ends at {_n(prev)}",
                    source=source,
                )
            if raw["min"] > expected + _EPS:
                raise DefinitionError(
                    f"{bfield}.min",
                    f"gap between {_n(prev)} and {_n(raw['min'])}; bands must be "
                    f"contiguous (this band should start at {_n(expected)})",
                    source=source,
                )
        bands.append(Band(raw["min"], raw["max"], dict(raw["label"]), raw.get("code")))
    last = raw_bands[-1]["max"]
    if not math.isclose(last, hi, abs_tol=_EPS):
        raise DefinitionError(
            f"{field}.bands[{len(raw_bands) - 1}].max",
            f"the last band ends at {_n(last)} but the scale's range ends at {_n(hi)}",
            source=source,
        )
    return tuple(bands)


# --------------------------------------------------------------------------- supplied items


def merge_supplied(
    structure: Instrument, supplied_definition_dict: Mapping[str, Any], *, source: str | None = None
) -> Instrument:
    """Add organization-supplied item text to an instrument's scoring structure.

    The supplied file names the same ``code`` and ``version`` and gives text for every item of
    the structure (and nothing else). It may also give option labels for existing response
    sets, a name, instructions and licence notice. Used for ``structure_only`` instruments
    (licensed items the organization holds) and for loading an official translation of a
    shipped instrument.
    """
    data = copy.deepcopy(dict(supplied_definition_dict))
    source = source or f"<items supplied for {structure.code}>"
    validate_with_schema(data, SUPPLIED_SCHEMA, source=source)
    if str(data["code"]) != structure.code:
        raise DefinitionError(
            "code",
            f"this file supplies items for '{data['code']}', not '{structure.code}'",
            source=source,
        )
    if _version_str(data["version"]) != structure.version:
        raise DefinitionError(
            "version",
            f"this file is for version '{data['version']}' but the structure of "
            f"'{structure.code}' is version '{structure.version}'",
            source=source,
        )
    supplied_items = data["items"]
    languages = list(data.get("languages") or list(supplied_items[0]["text"]))
    texts: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(supplied_items):
        field = f"items[{i}]"
        item_id = raw["id"]
        if not structure.has_item(item_id):
            raise DefinitionError(
                f"{field}.id",
                f"'{item_id}' is not an item of {structure.code} version {structure.version}",
                source=source,
            )
        if item_id in texts:
            raise DefinitionError(f"{field}.id", f"duplicate item '{item_id}'", source=source)
        _require_languages(raw["text"], languages, f"{field}.text", source)
        for audience, vtext in (raw.get("variants") or {}).items():
            _require_languages(vtext, languages, f"{field}.variants.{audience}", source)
        texts[item_id] = raw
    missing = [item_id for item_id in structure.item_ids if item_id not in texts]
    if missing:
        raise DefinitionError(
            "items",
            "no text supplied for item(s) "
            + ", ".join(missing)
            + " (every item of the structure needs text)",
            source=source,
        )

    merged = copy.deepcopy(structure.definition)
    structure_only = structure.licence.category == "structure_only"
    if structure_only:
        merged["languages"] = languages
    else:
        merged["languages"] = list(dict.fromkeys(list(merged["languages"]) + languages))
    for raw_item in merged["items"]:
        given = texts[raw_item["id"]]
        if structure_only:
            raw_item["text"] = dict(given["text"])
        else:
            raw_item["text"] = {**(raw_item.get("text") or {}), **given["text"]}
        if "variants" in given:
            variants = dict(raw_item.get("variants") or {}) if not structure_only else {}
            for audience, vtext in given["variants"].items():
                variants[audience] = {**variants.get(audience, {}), **vtext}
            raw_item["variants"] = variants

    for name, options in (data.get("response_sets") or {}).items():
        if name not in merged["response_sets"]:
            raise DefinitionError(
                f"response_sets.{name}", f"no response set '{name}' in the structure", source=source
            )
        existing = merged["response_sets"][name]
        for j, option in enumerate(options):
            target = next((o for o in existing if o["value"] == option["value"]), None)
            if target is None:
                raise DefinitionError(
                    f"response_sets.{name}[{j}].value",
                    f"{option['value']} is not a value of response set '{name}'",
                    source=source,
                )
            target["label"] = {**target["label"], **option["label"]}

    for key in ("name", "instructions"):
        if key in data:
            merged[key] = {**(merged.get(key) or {}), **data[key]}
    for key in ("citation", "adaptation"):
        if key in data:
            merged[key] = data[key]
    for key, value in (data.get("licence") or {}).items():
        merged["licence"][key] = value
    # items_source output is already part of structure.definition; _build does not call it.
    validate_with_schema(merged, DEFINITION_SCHEMA, source=source)
    return _build(merged, source=source, supplied=True)


def load_supplied(path_or_dict: str | Path | Mapping[str, Any], library: Library) -> Instrument:
    """Read an organization-supplied items file and merge it onto the matching structure.

    The structure is found in ``library`` by the file's ``code`` and ``version``. This is what
    ``peerway instruments load FILE`` does before saving the file to the organization's
    definitions directory.
    """
    if isinstance(path_or_dict, Mapping):
        data = dict(path_or_dict)
        source = f"<items supplied for {data.get('code', '?')}>"
    else:
        data = read_definition_file(path_or_dict)
        source = str(path_or_dict)
    if "scales" in data:
        raise DefinitionError(
            "scales",
            "a supplied-items file gives item text only; the scoring structure comes from "
            "the shipped definition",
            source=source,
        )
    try:
        structure = library.get_version(str(data.get("code", "")), data.get("version"))
    except UnknownInstrument as exc:
        raise DefinitionError("code", f"nothing to add items to: {exc}", source=source) from exc
    return merge_supplied(structure, data, source=source)


# --------------------------------------------------------------------------- library


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Order versions numerically where they are numbers ("1.10" after "1.9")."""
    parts: list[tuple[int, int | str]] = []
    for part in str(version).replace("-", ".").split("."):
        parts.append((0, int(part)) if part.isdigit() else (1, part))
    return tuple(parts)


class Library(dict[str, Instrument]):
    """Instruments by code (the latest version), plus every loaded version.

    ``library[code]`` raises ``UnknownInstrument`` (a ``KeyError``) naming the known codes.
    ``unavailable`` lists definitions that could not load because their ``items_source``
    module is not installed (code → details).
    """

    def __init__(self) -> None:
        super().__init__()
        self._versions: dict[str, dict[str, Instrument]] = {}
        self.unavailable: dict[str, dict[str, Any]] = {}

    def add(self, instrument: Instrument, *, replace: bool = False) -> None:
        versions = self._versions.setdefault(instrument.code, {})
        existing = versions.get(instrument.version)
        if existing is not None and not replace:
            raise DefinitionError(
                "version",
                f"{instrument.code} version {instrument.version} is already defined by "
                f"{existing.source}",
                source=instrument.source,
            )
        versions[instrument.version] = instrument
        latest = max(versions, key=version_key)
        dict.__setitem__(self, instrument.code, versions[latest])

    def __missing__(self, code: str) -> Instrument:
        known = ", ".join(sorted(self)) or "(none)"
        extra = ""
        if code in self.unavailable:
            extra = f" ({self.unavailable[code]['reason']})"
        raise UnknownInstrument(
            f"unknown instrument '{code}'{extra}; known instruments: {known}", code=code
        )

    def versions(self, code: str) -> tuple[str, ...]:
        self[code]  # raises UnknownInstrument
        return tuple(sorted(self._versions[code], key=version_key))

    def get_version(self, code: str, version: str | int | None = None) -> Instrument:
        """An instrument at a given version (the latest when ``version`` is None)."""
        latest = self[code]
        if version is None:
            return latest
        found = self._versions[code].get(_version_str(version))
        if found is None:
            raise UnknownInstrument(
                f"instrument '{code}' has no version '{version}'; known versions: "
                + ", ".join(self.versions(code)),
                code=code,
                version=_version_str(version),
            )
        return found


def _definition_files(directory: Path) -> list[Path]:
    files = [p for p in directory.iterdir() if p.is_file() and p.suffix in {".yaml", ".yml"}]
    for sub in directory.iterdir():
        if sub.is_dir() and not sub.name.startswith((".", "_")):
            files.extend(p for p in sub.glob("definition*.y*ml") if p.is_file())
    return sorted(files)


def load_library(directory: str | Path | None = None, *, shipped: bool = True) -> Library:
    """Load the shipped definitions plus, optionally, an organization's own directory.

    The extra directory may hold ``*.yaml`` files at its top level or ``<code>/definition.yaml``
    folders. A file with ``scales`` is a full definition (a new instrument or a new version);
    a file without ``scales`` supplies item text for an instrument already loaded
    (see ``merge_supplied``).
    """
    library = Library()
    if shipped:
        for path in _definition_files(DEFINITIONS_DIR):
            _load_into(library, path)
    if directory is not None:
        directory = Path(directory)
        if not directory.is_dir():
            raise DefinitionError("(directory)", "not a directory", source=str(directory))
        supplements: list[tuple[Path, dict[str, Any]]] = []
        for path in _definition_files(directory):
            data = read_definition_file(path)
            if "scales" in data or "items_source" in data:
                _load_into(library, path, data=data)
            else:
                supplements.append((path, data))
        for path, data in supplements:
            code = str(data.get("code", ""))
            try:
                target = library.get_version(code, data.get("version"))
            except UnknownInstrument as exc:
                raise DefinitionError(
                    "code", f"nothing to add items to: {exc}", source=str(path)
                ) from exc
            library.add(merge_supplied(target, data, source=str(path)), replace=True)
    return library


def _load_into(library: Library, path: Path, *, data: dict[str, Any] | None = None) -> None:
    raw = data if data is not None else read_definition_file(path)
    try:
        instrument = load_definition(raw, source=str(path))
    except ItemsSourceUnavailable as exc:
        library.unavailable[str(raw.get("code"))] = {
            "reason": str(exc),
            "name": raw.get("name"),
            "version": _version_str(raw.get("version")),
            "licence_category": (raw.get("licence") or {}).get("category"),
            "source": str(path),
        }
        return
    library.add(instrument)

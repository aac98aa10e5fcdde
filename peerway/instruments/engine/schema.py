"""JSON Schema for instrument definitions and organization-supplied item files.

The schema checks shape and types; ``loader`` adds the semantic checks a schema cannot express
(scale items exist, bands cover the range, ...). Both report the offending field as a path such
as ``items[3].response_set``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from .errors import DefinitionError

AUDIENCES = ("staff", "leaders", "peer_workers")
LICENCE_CATEGORIES = ("open", "free_with_notice", "structure_only", "locally_developed")
METHODS = ("sum", "mean")
ON_INCOMPLETE = ("prorate", "invalid")
OPERATORS = (">", ">=", "<", "<=", "==", "in")

_LANGUAGE = "^[a-z]{2}(-[A-Z]{2})?$"
_ID = "^[A-Za-z0-9][A-Za-z0-9_.-]*$"

LOCALIZED_TEXT: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "patternProperties": {_LANGUAGE: {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}

_VERSION = {"type": ["string", "integer"], "minLength": 1}
_NUMBER = {"type": "number"}

_OPTION = {
    "type": "object",
    "required": ["value", "label"],
    "properties": {
        "value": {"type": ["number", "null"]},
        "label": LOCALIZED_TEXT,
        "excluded": {"type": "boolean"},
        "code": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
}

_RESPONSE_SETS = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"pattern": _ID},
    "additionalProperties": {"type": "array", "minItems": 2, "items": _OPTION},
}

_VARIANTS = {
    "type": "object",
    "propertyNames": {"enum": list(AUDIENCES)},
    "additionalProperties": LOCALIZED_TEXT,
}

_ITEM = {
    "type": "object",
    "required": ["id", "response_set"],
    "properties": {
        "id": {"type": "string", "pattern": _ID},
        "text": LOCALIZED_TEXT,
        "variants": _VARIANTS,
        "response_set": {"type": "string", "minLength": 1},
        "reverse": {"type": "boolean"},
        "factor": {"type": "string", "minLength": 1},
        # Keys are raw answer values; YAML gives numbers, JSON gives numeric strings.
        "score_map": {"type": "object", "minProperties": 1, "additionalProperties": _NUMBER},
        "note": {"type": "string"},
    },
    "additionalProperties": False,
}

_BAND = {
    "type": "object",
    "required": ["min", "max", "label"],
    "properties": {
        "min": _NUMBER,
        "max": _NUMBER,
        "label": LOCALIZED_TEXT,
        "code": {"type": "string", "pattern": _ID},
    },
    "additionalProperties": False,
}

_SCALE = {
    "type": "object",
    "required": ["id", "name", "items", "method"],
    "properties": {
        "id": {"type": "string", "pattern": _ID},
        "name": LOCALIZED_TEXT,
        "description": LOCALIZED_TEXT,
        "items": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        "method": {"enum": list(METHODS)},
        "transform": {
            "type": "object",
            "properties": {"multiply": _NUMBER, "add": _NUMBER},
            "additionalProperties": False,
        },
        # An integer is a count of items; a number in (0, 1] is a fraction of the scale's items.
        "min_answered": {
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            ]
        },
        "on_incomplete": {"enum": list(ON_INCOMPLETE)},
        "round": {"type": "integer", "minimum": 0, "maximum": 6},
        "range": {"type": "array", "items": _NUMBER, "minItems": 2, "maxItems": 2},
        "bands": {"type": "array", "minItems": 1, "items": _BAND},
        "level": {"type": "string"},
        "support_type": {"type": "string"},
        "note": {"type": "string"},
        # A total published as the mean of subscale scores (ILS, ICS): the subscales, defined
        # earlier, whose scores are averaged. ``items`` still lists every item of the total.
        "of_scales": {"type": "array", "minItems": 2, "items": {"type": "string"}},
    },
    "additionalProperties": False,
}

_CONDITION_VALUE = {"anyOf": [_NUMBER, {"type": "array", "minItems": 1, "items": _NUMBER}]}

_SKIP_RULE = {
    "type": "object",
    "required": ["when", "skip", "impute"],
    "properties": {
        "when": {
            "type": "object",
            "required": ["item", "op", "value"],
            "properties": {
                "item": {"type": "string"},
                "op": {"enum": list(OPERATORS)},
                "value": _CONDITION_VALUE,
            },
            "additionalProperties": False,
        },
        "skip": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "impute": _NUMBER,
        "note": {"type": "string"},
    },
    "additionalProperties": False,
}

_SAFETY_TRIGGER = {
    "type": "object",
    "required": ["item", "op", "value", "message"],
    "properties": {
        "code": {"type": "string", "pattern": _ID},
        "item": {"type": "string"},
        "op": {"enum": list(OPERATORS)},
        "value": _CONDITION_VALUE,
        "message": LOCALIZED_TEXT,
    },
    "additionalProperties": False,
}

# An item whose answer must never be missing unnoticed (e.g. PHQ-9 item 9, thoughts of
# self-harm). ``message`` replaces the engine's default "ask it now" prompt.
_SAFETY_ITEM = {
    "type": "object",
    "required": ["item"],
    "properties": {
        "code": {"type": "string", "pattern": _ID},
        "item": {"type": "string"},
        "message": LOCALIZED_TEXT,
    },
    "additionalProperties": False,
}

_LICENCE = {
    "type": "object",
    "required": ["category"],
    "properties": {
        "category": {"enum": list(LICENCE_CATEGORIES)},
        "notice": LOCALIZED_TEXT,
        "holder": {"type": "string"},
        "terms": {"type": "string"},
        "url": {"type": "string"},
        "uncertain": {"type": "boolean"},
    },
    "additionalProperties": False,
}

DEFINITION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Peerway instrument definition",
    "type": "object",
    "required": [
        "code",
        "name",
        "version",
        "languages",
        "licence",
        "response_sets",
        "items",
        "scales",
    ],
    "properties": {
        "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "name": LOCALIZED_TEXT,
        "short_name": {"type": "string"},
        "version": _VERSION,
        "languages": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": _LANGUAGE},
        },
        "licence": _LICENCE,
        "group_level": {"type": "boolean"},
        "description": LOCALIZED_TEXT,
        "instructions": LOCALIZED_TEXT,
        "citation": {"type": "string"},
        "doi": {"type": "string"},
        "adaptation": {"type": ["string", "null"]},
        "items_source": {"type": "string", "pattern": r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"},
        "response_sets": _RESPONSE_SETS,
        "items": {"type": "array", "items": _ITEM},
        "scales": {"type": "array", "minItems": 1, "items": _SCALE},
        "total_scale": {"type": "string"},
        "skip_rules": {"type": "array", "items": _SKIP_RULE},
        "safety_triggers": {"type": "array", "items": _SAFETY_TRIGGER},
        "safety_items": {"type": "array", "items": _SAFETY_ITEM},
        "notes": {"type": "string"},
    },
    "additionalProperties": False,
}

# The same checks for a file that names a shipped ``items_source``, applied BEFORE the source
# runs: its own lists may be empty (the source adds items and scales).
PRE_SOURCE_SCHEMA: dict[str, Any] = {
    **DEFINITION_SCHEMA,
    "properties": {
        **DEFINITION_SCHEMA["properties"],
        "scales": {"type": "array", "items": _SCALE},
    },
}

SUPPLIED_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Organization-supplied item text for an instrument structure",
    "type": "object",
    "required": ["code", "version", "items"],
    "properties": {
        "code": {"type": "string"},
        "version": _VERSION,
        "languages": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": _LANGUAGE},
        },
        "name": LOCALIZED_TEXT,
        "instructions": LOCALIZED_TEXT,
        "licence": {
            "type": "object",
            "properties": {
                "notice": LOCALIZED_TEXT,
                "holder": {"type": "string"},
                "terms": {"type": "string"},
                "url": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "citation": {"type": "string"},
        "adaptation": {"type": ["string", "null"]},
        "response_sets": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["value", "label"],
                    "properties": {"value": {"type": ["number", "null"]}, "label": LOCALIZED_TEXT},
                    "additionalProperties": False,
                },
            },
        },
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "text"],
                "properties": {
                    "id": {"type": "string"},
                    "text": LOCALIZED_TEXT,
                    "variants": _VARIANTS,
                },
                "additionalProperties": False,
            },
        },
        "notes": {"type": "string"},
    },
    "additionalProperties": False,
}


def format_path(parts: Iterable[Any]) -> str:
    """Render a JSON path as ``items[3].text.en``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _field_and_problem(error: ValidationError) -> tuple[str, str]:
    path: list[Any] = list(error.absolute_path)
    problem = error.message
    if error.validator == "required":
        # Name the missing field itself rather than its parent.
        missing = _quoted_name(error.message)
        if missing is not None:
            path.append(missing)
            problem = "is required"
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        patterns = error.schema.get("patternProperties", {})
        extras = [
            key
            for key in error.instance
            if key not in allowed and not any(_matches(p, key) for p in patterns)
        ]
        if len(extras) == 1:
            path.append(extras[0])
            problem = "is not an allowed field here"
        else:
            problem = "unexpected fields: " + ", ".join(repr(e) for e in extras)
    elif error.validator == "propertyNames":
        problem = f"{error.message} (field names allowed here are restricted)"
    return format_path(path), problem


def _matches(pattern: str, key: Any) -> bool:
    import re

    return isinstance(key, str) and re.search(pattern, key) is not None


def _quoted_name(message: str) -> str | None:
    if message.startswith("'") and "'" in message[1:]:
        return message[1 : message.index("'", 1)]
    return None


_VALIDATORS: dict[int, jsonschema.Draft202012Validator] = {}


def _validator(key: int, schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    # Building a validator is not free; the module-level schemas are reused many times.
    if key not in _VALIDATORS:
        _VALIDATORS[key] = jsonschema.Draft202012Validator(schema)
    return _VALIDATORS[key]


def validate_with_schema(data: Any, schema: dict[str, Any], *, source: str | None = None) -> None:
    """Raise ``DefinitionError`` naming the offending field if ``data`` does not fit ``schema``."""
    validator = _validator(id(schema), schema)
    errors: Sequence[ValidationError] = sorted(
        validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
    )
    if not errors:
        return
    # best_match prefers the most specific error (deepest, not inside anyOf noise).
    chosen = best_match(errors)
    assert chosen is not None
    field, problem = _field_and_problem(chosen)
    raise DefinitionError(field, problem, source=source)

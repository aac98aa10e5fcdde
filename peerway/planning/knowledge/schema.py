"""JSON Schemas (draft 2020-12) for the knowledge-base YAML files.

The schemas check structure and vocabularies; cross-file rules (citations resolve, every
factor has a strategy, …) are checked in ``kb.py``.
"""

from __future__ import annotations

LANGUAGES = ("en", "fr")
LEVELS = ("macro", "meso", "micro")
SUPPORT_TYPES = ("philosophical", "instrumental")
PHASES = ("prepare", "recruit_train", "launch", "sustain")
OWNERS = (
    "executive_sponsor",
    "program_manager",
    "hr",
    "peer_supervisor",
    "education_lead",
    "peer_workers",
    "clinical_lead",
    "evaluator",
)
AUDIENCES = ("staff", "leaders", "peer_workers")
STRENGTHS = (1, 2, 3)
REFERENCE_TYPES = ("article", "report", "web")

# CFIR 2.0 construct ids: domain numeral, construct letter, optional sub-construct number;
# the Individuals domain adds R (roles) or C (characteristics): "III.D.1", "IV.R.H".
CFIR_ID_PATTERN = r"^(I|II|III|IV|V)(\.[RC])?\.[A-Z](\.[1-9])?$"
CFIR_DOMAIN_PATTERN = r"^(I|II|III|IV|V)$"
ERIC_COUNT = 73  # strategies in the refined ERIC compilation (Powell et al. 2015)
# Waltz et al. 2019: level 1 when at least half the experts endorse a strategy for a
# barrier, level 2 from 20 % to 49 %; less is not recorded.
ENDORSEMENT_LEVEL_1 = 50
ENDORSEMENT_MINIMUM = 20
# How an original (2009) CFIR construct is placed in CFIR 2.0: under the construct of the
# same name, or by Peerway's reading.
CROSSWALKS = ("same_name", "peerway")

CODE_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"
DOI_PATTERN = r"^10\.\d{4,9}/\S+$"

_NON_BLANK = {"type": "string", "minLength": 1, "pattern": r"\S"}

_DEFS = {
    "text": {
        "type": "object",
        "required": list(LANGUAGES),
        "properties": dict.fromkeys(LANGUAGES, _NON_BLANK),
        "additionalProperties": False,
    },
    "code": {"type": "string", "pattern": CODE_PATTERN},
    "ref_ids": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "minLength": 1},
    },
    "level": {"enum": list(LEVELS)},
    "support_type": {"enum": list(SUPPORT_TYPES)},
}


def _schema(top_key: str, body: dict) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": _DEFS,
        "type": "object",
        "required": [top_key],
        "properties": {top_key: body},
        "additionalProperties": False,
    }


BIBLIOGRAPHY_SCHEMA = _schema(
    "references",
    {
        "type": "object",
        "minProperties": 1,
        "propertyNames": {"pattern": r"^[a-z][a-z0-9_]*$"},
        "additionalProperties": {
            "type": "object",
            "required": ["type", "authors", "year", "title", "in_seed_article", "verified"],
            "properties": {
                "type": {"enum": list(REFERENCE_TYPES)},
                "authors": {"type": "array", "minItems": 1, "items": _NON_BLANK},
                "authors_truncated": {"type": "boolean"},
                "year": {"type": "integer", "minimum": 1900, "maximum": 2100},
                "title": _NON_BLANK,
                "journal": _NON_BLANK,
                "publisher": _NON_BLANK,
                "place": _NON_BLANK,
                "volume": _NON_BLANK,
                "issue": _NON_BLANK,
                "pages": _NON_BLANK,
                "doi": {"type": "string", "pattern": DOI_PATTERN},
                "url": {"type": "string", "pattern": r"^https?://\S+$"},
                "in_seed_article": {"type": "boolean"},
                "verified": {"type": "boolean"},
                "note": {"$ref": "#/$defs/text"},
            },
            "additionalProperties": False,
            "allOf": [
                {
                    "if": {"properties": {"type": {"const": "article"}}},
                    "then": {"required": ["journal"]},
                },
                {
                    "if": {"properties": {"type": {"const": "report"}}},
                    "then": {"required": ["publisher"]},
                },
                {
                    "if": {"properties": {"type": {"const": "web"}}},
                    "then": {"required": ["url"]},
                },
                {
                    "if": {"properties": {"verified": {"const": False}}},
                    "then": {"required": ["note"]},
                },
            ],
        },
    },
)

_AUDIENCE_TEXTS = {audience: {"$ref": "#/$defs/text"} for audience in AUDIENCES}

FACTORS_SCHEMA = _schema(
    "factors",
    {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": [
                "code",
                "level",
                "support_type",
                "name",
                "description",
                "sources",
                "cfir",
                "measured_by",
            ],
            "properties": {
                "code": {"$ref": "#/$defs/code"},
                "level": {"$ref": "#/$defs/level"},
                "support_type": {"$ref": "#/$defs/support_type"},
                "name": {"$ref": "#/$defs/text"},
                "description": {"$ref": "#/$defs/text"},
                "sources": {"$ref": "#/$defs/ref_ids"},
                "cfir": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "pattern": CFIR_ID_PATTERN},
                },
                "unverified": {"type": "boolean"},
                "note": {"$ref": "#/$defs/text"},
                "measured_by": {
                    "type": "object",
                    "required": ["checklist", "indicators"],
                    "properties": {
                        "checklist": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 2,
                            "items": {
                                "type": "object",
                                "required": list(AUDIENCES),
                                "properties": {
                                    **_AUDIENCE_TEXTS,
                                    "reverse": {"type": "boolean"},
                                },
                                "additionalProperties": False,
                            },
                        },
                        "indicators": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["code", "description"],
                                "properties": {
                                    "code": {"$ref": "#/$defs/code"},
                                    "description": {"$ref": "#/$defs/text"},
                                },
                                "additionalProperties": False,
                            },
                        },
                    },
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
            "if": {"properties": {"unverified": {"const": True}}, "required": ["unverified"]},
            "then": {"required": ["note"]},
        },
    },
)

STRATEGIES_SCHEMA = _schema(
    "strategies",
    {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": [
                "code",
                "name",
                "description",
                "first_steps",
                "owner",
                "phase",
                "support_type",
                "level",
                "citations",
                "eric",
            ],
            "properties": {
                "code": {"$ref": "#/$defs/code"},
                "name": {"$ref": "#/$defs/text"},
                "description": {"$ref": "#/$defs/text"},
                "first_steps": {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 4,
                    "items": {"$ref": "#/$defs/text"},
                },
                "owner": {"enum": list(OWNERS)},
                "phase": {"enum": list(PHASES)},
                "support_type": {"$ref": "#/$defs/support_type"},
                "level": {"$ref": "#/$defs/level"},
                "citations": {"$ref": "#/$defs/ref_ids"},
                "eric": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "integer", "minimum": 1, "maximum": ERIC_COUNT},
                },
            },
            "additionalProperties": False,
        },
    },
)

LINKS_SCHEMA = _schema(
    "links",
    {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["factor", "strategy", "strength", "rationale", "citations"],
            "properties": {
                "factor": {"$ref": "#/$defs/code"},
                "strategy": {"$ref": "#/$defs/code"},
                "strength": {"enum": list(STRENGTHS)},
                "rationale": {"$ref": "#/$defs/text"},
                "citations": {"$ref": "#/$defs/ref_ids"},
                "unverified": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
    },
)


def _document(properties: dict, required: list[str]) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": _DEFS,
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


_NAMED = {
    "name": {"$ref": "#/$defs/text"},
}

CFIR_SCHEMA = _document(
    {
        "source": {"type": "string", "minLength": 1},
        "domains": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "string", "pattern": CFIR_DOMAIN_PATTERN}, **_NAMED},
                "additionalProperties": False,
            },
        },
        "constructs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "name", "description"],
                "properties": {
                    "id": {"type": "string", "pattern": CFIR_ID_PATTERN},
                    **_NAMED,
                    "description": {"$ref": "#/$defs/text"},
                },
                "additionalProperties": False,
            },
        },
    },
    ["source", "domains", "constructs"],
)

ERIC_SCHEMA = _document(
    {
        "sources": {"$ref": "#/$defs/ref_ids"},
        "clusters": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "name"],
                "properties": {"code": {"$ref": "#/$defs/code"}, **_NAMED},
                "additionalProperties": False,
            },
        },
        "strategies": {
            "type": "array",
            "minItems": ERIC_COUNT,
            "maxItems": ERIC_COUNT,
            "items": {
                "type": "object",
                "required": ["number", "name", "cluster"],
                "properties": {
                    "number": {"type": "integer", "minimum": 1, "maximum": ERIC_COUNT},
                    **_NAMED,
                    "cluster": {"$ref": "#/$defs/code"},
                },
                "additionalProperties": False,
            },
        },
    },
    ["sources", "clusters", "strategies"],
)

CFIR_ERIC_SCHEMA = _document(
    {
        "endorsements": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": [
                    "construct",
                    "cfir_2009",
                    "crosswalk",
                    "source",
                    "verified",
                    "strategies",
                ],
                "properties": {
                    "construct": {"type": "string", "pattern": CFIR_ID_PATTERN},
                    "cfir_2009": _NON_BLANK,
                    "crosswalk": {"enum": list(CROSSWALKS)},
                    "source": {"type": "string", "minLength": 1},
                    "verified": {"type": "boolean"},
                    "complete": {"type": "boolean"},
                    "respondents": {"type": "integer", "minimum": 1},
                    "note": {"$ref": "#/$defs/text"},
                    "strategies": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["eric", "percent"],
                            "properties": {
                                "eric": {"type": "integer", "minimum": 1, "maximum": ERIC_COUNT},
                                "percent": {
                                    "type": "integer",
                                    "minimum": ENDORSEMENT_MINIMUM,
                                    "maximum": 100,
                                },
                                "count": {"type": "integer", "minimum": 1},
                            },
                            "additionalProperties": False,
                        },
                    },
                },
                "additionalProperties": False,
                "if": {"properties": {"verified": {"const": False}}},
                "then": {"required": ["note"]},
            },
        },
    },
    ["endorsements"],
)

SCHEMAS = {
    "bibliography.yaml": BIBLIOGRAPHY_SCHEMA,
    "factors.yaml": FACTORS_SCHEMA,
    "strategies.yaml": STRATEGIES_SCHEMA,
    "links.yaml": LINKS_SCHEMA,
    "cfir.yaml": CFIR_SCHEMA,
    "eric.yaml": ERIC_SCHEMA,
    "cfir_eric.yaml": CFIR_ERIC_SCHEMA,
}

"""Pure functions behind ``peerway instruments list`` and ``peerway score``.

They return JSON-ready data and raise ``UnknownInstrument`` / ``AnswerError`` /
``DefinitionError`` with messages naming the instrument, item or field; the management
commands print them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import AnswerError
from .loader import Library, load_library
from .scoring import score


def list_library_json(
    directory: str | Path | None = None, *, library: Library | None = None
) -> list[dict[str, Any]]:
    """One entry per instrument code (latest version), sorted by code.

    ``items_supplied`` is True when item text came from an organization-supplied file;
    ``has_item_text`` tells whether the instrument can be administered as loaded.
    Definitions whose ``items_source`` is not installed yet appear with ``available: false``.
    """
    library = library if library is not None else load_library(directory)
    entries: list[dict[str, Any]] = []
    for code in sorted(library):
        inst = library[code]
        entries.append(
            {
                "code": inst.code,
                "name": dict(inst.name),
                "version": inst.version,
                "versions": list(library.versions(code)),
                "licence_category": inst.licence.category,
                "item_count": len(inst.items),
                "languages": list(inst.languages),
                "items_supplied": inst.items_supplied,
                "has_item_text": inst.has_item_text,
                "group_level": inst.group_level,
                "scales": [scale.id for scale in inst.scales],
                "available": True,
            }
        )
    for code, info in sorted(library.unavailable.items()):
        if code in library:
            continue
        entries.append(
            {
                "code": code,
                "name": info.get("name"),
                "version": info.get("version"),
                "versions": [info.get("version")],
                "licence_category": info.get("licence_category"),
                "item_count": None,
                "languages": None,
                "items_supplied": False,
                "has_item_text": False,
                "group_level": None,
                "scales": [],
                "available": False,
                "problem": info.get("reason"),
            }
        )
    entries.sort(key=lambda entry: entry["code"])
    return entries


def parse_answers_json(answers_json_text: str) -> dict[str, Any]:
    """Parse ``{"item_id": number | null, ...}``; raise ``AnswerError`` on bad JSON."""
    try:
        data = json.loads(answers_json_text)
    except json.JSONDecodeError as exc:
        raise AnswerError(
            {"answers": f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"}
        ) from exc
    except RecursionError as exc:
        raise AnswerError({"answers": "the JSON is nested too deeply"}) from exc
    except ValueError as exc:  # e.g. a number with thousands of digits
        raise AnswerError({"answers": f"not valid JSON: {exc}"}) from exc
    if not isinstance(data, dict):
        raise AnswerError({"answers": "expected a JSON object mapping item ids to numbers or null"})
    return data


def score_json(
    code: str,
    answers_json_text: str,
    *,
    version: str | None = None,
    directory: str | Path | None = None,
    library: Library | None = None,
) -> dict[str, Any]:
    """Score answers given as JSON text; return the ``ScoreResult`` as a dict.

    Raises ``UnknownInstrument`` for an unknown code or version and ``AnswerError`` (naming
    each offending item) for bad answers.
    """
    library = library if library is not None else load_library(directory)
    instrument = library.get_version(code, version)
    answers = parse_answers_json(answers_json_text)
    return score(instrument, answers).to_dict()

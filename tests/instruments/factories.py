"""Small definition builders so each test states only what it is about."""

from __future__ import annotations

import copy
from typing import Any


def text(en: str, fr: str | None = None) -> dict[str, str]:
    return {"en": en, "fr": fr or f"{en} (fr)"}


def options(values: list[float], excluded: dict[float, str] | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"value": v, "label": text(f"option {v}")} for v in values]
    for value, label in (excluded or {}).items():
        out.append({"value": value, "label": text(label), "excluded": True})
    return out


def item(item_id: str, response_set: str = "agree5", **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "text": text(f"Item {item_id}"), "response_set": response_set, **extra}


def scale(scale_id: str, items: list[str], method: str = "sum", **extra: Any) -> dict[str, Any]:
    return {
        "id": scale_id,
        "name": text(f"Scale {scale_id}"),
        "items": items,
        "method": method,
        **extra,
    }


BASE: dict[str, Any] = {
    "code": "tiny",
    "version": "1",
    "name": text("Tiny test instrument"),
    "languages": ["en", "fr"],
    "licence": {"category": "open"},
    "group_level": False,
    "response_sets": {
        "agree5": options([1, 2, 3, 4, 5]),
        "agree5_na": options([1, 2, 3, 4, 5], excluded={9: "Not applicable"}),
    },
    "items": [item("a"), item("b"), item("c"), item("d")],
    "scales": [scale("total", ["a", "b", "c", "d"], min_answered=4, on_incomplete="invalid")],
    "total_scale": "total",
}


def definition(**overrides: Any) -> dict[str, Any]:
    """A valid 4-item, 1–5, sum definition with top-level fields replaced by ``overrides``."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(overrides))
    return data

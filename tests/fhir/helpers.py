"""Validation against the official FHIR models.

fhir.resources 8.3 ships R5 as its default and R4B as its closest model of R4 (4.3 keeps
every R4 resource used here with the same elements), so R4B validates what we publish.
"""

from __future__ import annotations

import importlib


def validate(resource: dict):
    kind = resource["resourceType"]
    module = importlib.import_module(f"fhir.resources.R4B.{kind.lower()}")
    return getattr(module, kind).model_validate(resource)


def entries(response) -> list[dict]:
    body = response.json()
    assert body["resourceType"] == "Bundle", body
    return [e["resource"] for e in body.get("entry", [])]


def ids(response) -> list[str]:
    return [r["id"] for r in entries(response)]

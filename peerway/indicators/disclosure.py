"""Hidden means hidden in every column.

A figure about 1 to k − 1 people or records is hidden from aggregate-only readers; anything
computed from it must be hidden with it, or the hidden figure can be read back: a flag
("above threshold: no"), a rate beside its own hidden count (rate × denominator = count), or
a total beside the parts it sums (total − shown parts = hidden part). The dashboards build
every such column through these helpers, so one rule decides them all:

- ``cell(value, n, k)``: a figure, hidden when ``0 < n < k``;
- ``derived(value, *sources)``: a figure computed from other cells (a flag, a rate, a
  share), hidden when any of them is;
- ``total(value, parts, n=…, k=…)``: a total shown beside its parts, hidden when any part is
  (otherwise differencing gives the hidden part back) or when it is small itself.

Cells are plain dicts ``{"value": …, "suppressed": bool}`` so templates read them alike
(``indicators/_cell.html``, ``indicators/_flag.html``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def small(n: int | None, k: int | None) -> bool:
    """A count is small (hidden from aggregate-only readers) when 0 < n < k."""
    return k is not None and n is not None and 0 < n < k


HIDDEN: Mapping[str, Any] = {"value": None, "suppressed": True}


def hidden() -> dict:
    return dict(HIDDEN)


def shown(value: Any) -> dict:
    return {"value": value, "suppressed": False}


def cell(value: Any, n: int | None = None, k: int | None = None) -> dict:
    """A figure: hidden when the count behind it (``n``, else the value) is small."""
    if small(n if n is not None else value, k):
        return hidden()
    return shown(value)


def is_hidden(source: Any) -> bool:
    return isinstance(source, Mapping) and bool(source.get("suppressed"))


def derived(value: Any, *sources: Any) -> dict:
    """A figure computed from ``sources`` (cells): hidden when any source is hidden."""
    if any(is_hidden(s) for s in sources):
        return hidden()
    return shown(value)


def total(value: Any, parts: Iterable[Any], *, n: int | None = None, k: int | None = None):
    """A total shown beside its ``parts`` (cells): hidden when a part is hidden, since the
    total minus the parts shown would give it back, or when the total itself is small."""
    if any(is_hidden(p) for p in parts):
        return hidden()
    return cell(value, n, k)

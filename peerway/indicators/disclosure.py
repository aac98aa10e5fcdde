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
(the ``cell`` and ``flag`` tags of ``peerway.core.templatetags.peerway``).

Across dashboards (decision 36): an aggregate reader may open the organization's, every
site's and every team's dashboard, and a count shown for a place is the sum of the same
count of the places under it, so the whole minus the parts shown on other dashboards would
give a hidden part back. A count is therefore hidden at a place whenever it is small at any
place under it (``place_cell``; for referrals by source, ``referral_cells``): hidden at a
team, it is hidden at its site and the organization too, so every sum that holds a hidden
figure holds a hidden whole as well and no sum can be solved for it. The rule reads only
the teams of the dashboard itself, so each place hides the same cells whichever dashboard
is opened first, with no figure of other places read.
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


def place_cell(value: Any, parts: Iterable[int | None], *, n: int | None = None, k=None):
    """A count of a place whose ``parts`` (the same count for each team, or group of
    workers, under it) are published on their own dashboards: hidden when it is small or
    when any part is, so that no place's figure minus the others' gives a small part."""
    if any(small(p, k) for p in parts):
        return hidden()
    return cell(value, n, k)


def rate_parts_small(parts: Iterable[tuple[int, int]], k) -> bool:
    """Whether any part (numerator, denominator) of a rate has a small numerator, denominator
    or difference (for acceptance: accepted, answered, declined)."""
    return any(small(a, k) or small(b, k) or small(b - a, k) for a, b in parts)


def rate_cell(value: Any, parts: Iterable[tuple[int, int]], *, n: int | None = None, k=None):
    """A rate of a place whose ``parts`` (numerator, denominator) are each team's under it.
    Hidden when its denominator ``n`` is small, or when any part has a small numerator,
    denominator or difference: a team's report prints its counts, so the rate times a
    shown count, or the place's figure less the other teams', would give one back."""
    if rate_parts_small(parts, k):
        return hidden()
    return cell(value, n, k)


def referral_cells(
    counts: Mapping[tuple, int], team_ids: Iterable[int], months: Iterable, sources, k=None
) -> tuple[dict, dict]:
    """Referrals by team and source (the period) and by month and source (the place), from
    ``counts`` {(month, team_id, source): n} of the dashboard's teams.

    Both tables are margins of each source's counts by team and month, and every place's
    dashboard shows them for its own teams: a source is hidden in both tables when any of
    its counts by team and month is small, which also hides it at every place above that
    team (a site, the organization), so neither a table's other margin nor another
    dashboard gives the small count back."""
    team_ids, months = list(team_ids), list(months)
    team_cells: dict = {}
    month_cells: dict = {}
    for s in sources:
        by_team = {t: sum(counts.get((m, t, s), 0) for m in months) for t in team_ids}
        by_month = {m: sum(counts.get((m, t, s), 0) for t in team_ids) for m in months}
        parts = [counts.get((m, t, s), 0) for m in months for t in team_ids]
        hide = any(small(n, k) for n in (*parts, *by_team.values(), *by_month.values()))
        for t in team_ids:
            team_cells[(t, s)] = hidden() if hide else shown(by_team[t])
        for m in months:
            month_cells[(m, s)] = hidden() if hide else shown(by_month[m])
    return team_cells, month_cells

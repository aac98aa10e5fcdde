"""Server-rendered charts: Altair (Vega-Lite) specs drawn to SVG by vl-convert, offline.

No JavaScript, network or CDN is involved: vl-convert runs Vega in an embedded engine and
measures text with the Liberation Sans font it bundles. The page embeds the result as an image,
which the strict Content-Security-Policy allows (``img-src 'self' data:``)::

    <figure>
      <img src="{{ chart.data_uri }}" alt="{{ chart.alt }}"
           width="{{ chart.width }}" height="{{ chart.height }}">
      <table> {# one <th> per chart.columns label, one <tr> per chart.rows #} </table>
    </figure>

Every chart has a data table beside it, rendered by the caller from ``Chart.rows`` and
``Chart.columns``; the SVG itself carries no tooltips or ARIA (the ``<img>`` alt text and the
table are the accessible versions). Pure Python, no Django: titles and labels arrive already
translated; the few fixed words (alt text, confidence-interval column labels) are built in for
English and French and can be replaced with ``alt=``.

- ``bar_chart_with_ci``: one horizontal bar per category, optional 95% CI error bars, optional
  fixed value domain (e.g. 1-5); a row whose value is None (suppressed) keeps its category, has
  no bar, and shows its ``note`` as text.
- ``grouped_change_chart``: dot plot of two waves per category (open circle = before, filled
  circle = after), joined by a line.
- ``line_chart``: trends; x may be numbers, dates or ordered labels; optional series and 95%
  band; a missing y breaks the line.

Numbers in the SVG use the language's conventions (``lang="fr-ca"``: decimal comma, no-break
space for thousands, French month abbreviations). Output is deterministic for the same input and
the same altair/vl-convert versions (dates are drawn in UTC, whatever the server's time zone).
altair and vl_convert are imported on first use, not with this module. The first chart in a
process pays for that import and the engine's start-up (about 1.5 s): :func:`warm` pays it
ahead (the WSGI module calls it at start-up). Later charts take about 0.1 s each to draw, so
every drawn SVG is cached, keyed by a SHA-256 of the full specification (data included), the
number locale and the altair and vl-convert versions: a chart drawn once is never drawn again
while its entry lives. The cache is a bounded in-process LRU unless :func:`use_cache` names
another (Django's ``caches["charts"]``, set when the app starts; see decision 24: Rendered
charts are cached by the hash of their specification).

The fixed words can be changed per chart: ``alt=`` for the alt text, and
``dataclasses.replace(chart, columns=...)`` for the table headers.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import math
import re
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real
from typing import Any

__all__ = [
    "FONT",
    "PALETTE",
    "Chart",
    "bar_chart_with_ci",
    "grouped_change_chart",
    "line_chart",
]

# Liberation Sans is bundled with vl-convert (text is measured with it) and is metric-compatible
# with Arial and Helvetica, which browsers use when it is not installed.
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"

# Okabe & Ito's colour-blind-safe palette, restricted to the colours with at least 3:1 contrast
# against white (WCAG 1.4.11); series are also told apart by dash pattern and point shape.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000")
DASHES = ([1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3])
SHAPES = ("circle", "square", "triangle-up", "diamond", "cross")
BAR = PALETTE[0]
BEFORE = "#595959"  # open circle, 7:1 against white
AFTER = PALETTE[0]  # filled circle
CONNECTOR = "#8C8C8C"  # 3.4:1
TEXT = "#1A1A1A"
NOTE = "#4D4D4D"
AXIS = "#767676"
GRID = "#E3E3E3"

PLOT_WIDTH = 480
BAND = 30  # pixels per category
TITLE_WRAP = 70  # characters per title line
FR_SHORT_MONTHS = [
    *("janv.", "févr.", "mars", "avr.", "mai", "juin"),
    *("juill.", "août", "sept.", "oct.", "nov.", "déc."),
]
MAX_DATE_TICKS = 12  # up to this many distinct dates, each gets its own axis label

# Checking each spec against the Vega-Lite JSON schema about doubles the time a chart takes, so
# it is off by default; the tests turn it on.
VALIDATE_SPECS = False

_LANGS = {
    "en": {
        "d3": "en-CA",
        "ci_low": "95% CI, lower",
        "ci_high": "95% CI, upper",
        "note": "Note",
        "with_ci": ", with 95% confidence intervals",
        "with_band": ", with 95% confidence bands",
        "bar": "{title} Bar chart: {value} by {category}{ci}.",
        "extremes": " Highest: {hi} ({hi_v}); lowest: {lo} ({lo_v}).",
        "not_shown": " Not shown: {names}.",
        "change": (
            "{title} Dot plot: {value} by {category}, {before} compared with {after}."
            " Higher: {up}; lower: {down}; unchanged: {same}."
        ),
        "line": "{title} Line chart: {y} by {x}{ci}.",
        "series": " {name}: from {first} ({first_x}) to {last} ({last_x}).",
        "table": " The figures are in the table with this chart.",
    },
    "fr": {
        "d3": "fr-CA",
        "ci_low": "IC à 95\u00a0%, borne inférieure",
        "ci_high": "IC à 95\u00a0%, borne supérieure",
        "note": "Remarque",
        "with_ci": ", avec intervalles de confiance à 95\u00a0%",
        "with_band": ", avec bandes de confiance à 95\u00a0%",
        "bar": "{title} Diagramme à barres\u00a0: {value} par {category}{ci}.",
        "extremes": (
            " Valeur la plus élevée\u00a0: {hi} ({hi_v})\u00a0; la plus basse\u00a0: {lo} ({lo_v})."
        ),
        "not_shown": " Non affichés\u00a0: {names}.",
        "change": (
            "{title} Diagramme à points\u00a0: {value} par {category}, {before} comparé à {after}."
            " En hausse\u00a0: {up}\u00a0; en baisse\u00a0: {down}\u00a0;"
            " sans changement\u00a0: {same}."
        ),
        "line": "{title} Graphique linéaire\u00a0: {y} selon {x}{ci}.",
        "series": " {name}\u00a0: de {first} ({first_x}) à {last} ({last_x}).",
        "table": " Les chiffres figurent dans le tableau qui accompagne le graphique.",
    },
}


@dataclass(frozen=True)
class Chart:
    """A rendered chart and the data behind it.

    ``svg``: the SVG document (text). ``data_uri``: the same SVG as a base64 ``data:`` URI for
    ``<img src>``. ``alt``: alt text for the ``<img>``. ``rows``: one dict per input row, keyed
    by the column keys, with the values as given (None where suppressed), for the data table.
    ``columns``: ``(key, label)`` pairs in table order. ``width``/``height``: the SVG's size in
    pixels, for the ``<img>`` attributes (it scales down with CSS ``max-width: 100%``).
    """

    svg: str
    data_uri: str
    alt: str
    rows: list[dict[str, Any]]
    columns: list[tuple[str, str]]
    width: int
    height: int


# --- public API -----------------------------------------------------------------------------


def bar_chart_with_ci(
    rows: Iterable[Mapping[str, Any]],
    *,
    category: str,
    value: str,
    low: str | None = None,
    high: str | None = None,
    title: str,
    value_label: str,
    category_label: str,
    domain: tuple[float, float] | None = None,
    decimals: int = 1,
    lang: str = "en",
    alt: str | None = None,
) -> Chart:
    """Horizontal bars, one per row in input order, with optional 95% CI error bars.

    ``rows`` are mappings; ``category``/``value``/``low``/``high`` name their keys. A row whose
    value is None is suppressed: its category stays on the axis, with no bar and no interval,
    and its ``note`` (e.g. "fewer than 5 responses", the caller's text) is written where the bar
    would start. ``domain`` fixes the value axis (e.g. ``(1, 5)``); bars then start at its lower
    end unless it spans zero, and marks outside it are clamped (the table keeps the true
    figures). Bars are labelled with their value to ``decimals`` places.
    """
    loc = _lang(lang)
    decimals = _decimals(decimals)
    domain = _domain(domain)
    data = _records(rows, category)
    cats = _categories(data, category)
    points = []
    for row, cat in zip(data, cats, strict=True):
        v, lo, hi = _estimate(row, value, low, high, cat)
        points.append({"c": cat, "v": v, "lo": lo, "hi": hi, "note": _note(row)})

    baseline = 0.0 if domain is None or domain[0] <= 0 <= domain[1] else domain[0]
    shown = [p for p in points if p["v"] is not None]
    spec = _bar_spec(
        cats=cats,
        shown=shown,
        intervals=[p for p in shown if p["lo"] is not None],
        notes=[{"c": p["c"], "note": p["note"] or "\u2014"} for p in points if p["v"] is None],
        baseline=baseline,
        domain=domain,
        decimals=decimals,
        title=title,
        value_label=value_label,
        category_label=category_label,
    )
    columns = [(category, category_label), (value, value_label)]
    if low:
        columns.append((low, loc["ci_low"]))
    if high:
        columns.append((high, loc["ci_high"]))
    if alt is None:
        text = loc["bar"].format(
            title=_sentence(title),
            value=value_label,
            category=category_label,
            ci=loc["with_ci"] if low and high else "",
        )
        if shown:
            top = max(shown, key=lambda p: p["v"])
            bottom = min(shown, key=lambda p: p["v"])
            text += loc["extremes"].format(
                hi=top["c"],
                hi_v=_format(top["v"], decimals, loc),
                lo=bottom["c"],
                lo_v=_format(bottom["v"], decimals, loc),
            )
        missing = [p["c"] for p in points if p["v"] is None]
        if missing:
            text += loc["not_shown"].format(names=", ".join(missing))
        alt = text + loc["table"]
    return _chart(spec, loc, alt, data, columns)


def grouped_change_chart(
    rows: Iterable[Mapping[str, Any]],
    *,
    category: str,
    before: str,
    after: str,
    title: str,
    before_label: str,
    after_label: str,
    value_label: str,
    category_label: str,
    domain: tuple[float, float] | None = None,
    decimals: int = 1,
    lang: str = "en",
    alt: str | None = None,
) -> Chart:
    """Change between two waves: per category, an open circle (before) and a filled circle
    (after) joined by a line, each labelled with its value on the outer side.

    ``before_label``/``after_label`` name the waves (legend and table headers). A row with both
    values None is suppressed and shows its ``note``; with one of them None, only the other
    point is drawn (the table shows the note). Without ``domain`` the axis fits the data and
    need not include zero.
    """
    loc = _lang(lang)
    decimals = _decimals(decimals)
    domain = _domain(domain)
    if before_label == after_label:
        raise ValueError("before_label and after_label must differ")
    data = _records(rows, category)
    cats = _categories(data, category)
    pairs, points, labels, notes = [], [], [], []
    up = down = same = 0
    for row, cat in zip(data, cats, strict=True):
        b = _number(row.get(before), before)
        a = _number(row.get(after), after)
        if b is None and a is None:
            notes.append({"c": cat, "note": _note(row) or "\u2014"})
            continue
        for wave, v in ((before_label, b), (after_label, a)):
            if v is not None:
                points.append({"c": cat, "w": wave, "v": v})
        if b is not None and a is not None:
            pairs.append({"c": cat, "b": b, "a": a})
            up, down, same = up + (a > b), down + (a < b), same + (a == b)
        # One label per row, right of the rightmost point: "before → after".
        text = " \u2192 ".join(
            _format(v, decimals, loc) if v is not None else "\u2014" for v in (b, a)
        )
        labels.append({"c": cat, "at": max(v for v in (b, a) if v is not None), "text": text})
    spec = _change_spec(
        cats=cats,
        pairs=pairs,
        points=points,
        labels=labels,
        notes=notes,
        waves=[before_label, after_label],
        domain=domain,
        title=title,
        value_label=value_label,
        category_label=category_label,
    )
    columns = [(category, category_label), (before, before_label), (after, after_label)]
    if alt is None:
        text = loc["change"].format(
            title=_sentence(title),
            value=value_label,
            category=category_label,
            before=before_label,
            after=after_label,
            up=up,
            down=down,
            same=same,
        )
        if notes:
            text += loc["not_shown"].format(names=", ".join(n["c"] for n in notes))
        alt = text + loc["table"]
    return _chart(spec, loc, alt, data, columns)


def line_chart(
    rows: Iterable[Mapping[str, Any]],
    *,
    x: str,
    y: str,
    series: str | None = None,
    low: str | None = None,
    high: str | None = None,
    title: str,
    x_label: str,
    y_label: str,
    series_label: str | None = None,
    domain: tuple[float, float] | None = None,
    zero: bool = True,
    partial: str | None = None,
    partial_label: str | None = None,
    decimals: int = 1,
    lang: str = "en",
    alt: str | None = None,
) -> Chart:
    """Trend lines: one line per ``series`` value (order of first appearance; at most 5), each
    with its own colour, dash pattern and point shape, and an optional shaded 95% band from
    ``low`` to ``high``.

    x values must be all numbers, all dates/datetimes (naive datetimes are taken as UTC), or
    all strings (an ordered axis, in order of first appearance). A row whose y is None breaks
    the line there.

    The y axis starts at zero (``zero=False`` only where a definition says otherwise, e.g. a
    scale scored 1 to 5 given as ``domain``). ``partial`` names a key whose true value marks a
    point as partial (the month to date, whose count is still growing): it is drawn as an
    open point joined by a dashed line, never as a fall, with ``partial_label`` written
    beside it; the caller also marks the row in the table (its ``note``).
    """
    loc = _lang(lang)
    decimals = _decimals(decimals)
    domain = _domain(domain)
    data = _records(rows, x)

    xs = [row.get(x) for row in data]
    if all(isinstance(v, str) for v in xs):
        x_type, x_order = "ordinal", list(dict.fromkeys(xs))
        x_values = xs
        x_rank = {v: i for i, v in enumerate(x_order)}
        order = [x_rank[v] for v in xs]
    elif all(isinstance(v, date) for v in xs):
        x_type, x_order = "temporal", None
        x_values = order = [_epoch_ms(v) for v in xs]
    elif all(isinstance(v, Real | Decimal) and not isinstance(v, bool) for v in xs):
        x_type, x_order = "quantitative", None
        x_values = order = [_number(v, x) for v in xs]
    else:
        raise TypeError(f"{x}: x values must be all numbers, all dates or all strings")

    names = [str(row.get(series)) for row in data] if series else ["" for _ in data]
    groups = list(dict.fromkeys(names))
    if len(groups) > len(PALETTE):
        raise ValueError(f"{series}: at most {len(PALETTE)} series can be told apart")
    seen = set()
    for name, xv in zip(names, x_values, strict=True):
        if (name, xv) in seen:
            raise ValueError(f"duplicate point: series {name!r}, x {xv!r}")
        seen.add((name, xv))

    # Sort each series by x, then number its unbroken runs: a None y starts a new run.
    points, band = [], []
    runs: dict[str, list[dict[str, Any]]] = {}
    ordered = sorted(range(len(data)), key=lambda i: (groups.index(names[i]), order[i]))
    run, previous = 0, None
    for i in ordered:
        row, name = data[i], names[i]
        if name != previous:
            run, previous = run + 1, name
        yv, lo, hi = _estimate(row, y, low, high, f"{name} {xs[i]}".strip())
        if yv is None:
            run += 1
            continue
        point = {"x": x_values[i], "o": order[i], "y": yv, "s": name, "run": run}
        if partial and row.get(partial):
            point["p"] = True
        points.append(point)
        runs.setdefault(name, []).append({**point, "raw_x": xs[i]})
        if lo is not None and hi is not None:
            band.append({**point, "lo": lo, "hi": hi})

    x_ticks, x_format = None, None
    if x_type == "temporal" and len(set(x_values)) <= MAX_DATE_TICKS:
        # Few dates: label exactly those (months as "Jan 2025" when all are the 1st).
        x_ticks = sorted(set(x_values))
        monthly = all(type(v) is date and v.day == 1 for v in xs)
        x_format = "%b %Y" if monthly else "%Y-%m-%d"
    spec = _line_spec(
        points=points,
        band=band,
        groups=groups if series else [],
        x_type=x_type,
        x_order=x_order,
        x_ticks=x_ticks,
        x_format=x_format,
        domain=domain,
        zero=zero,
        partial_label=partial_label,
        title=title,
        x_label=x_label,
        y_label=y_label,
        series_label=series_label,
    )
    columns = [(x, x_label)]
    if series:
        columns.insert(0, (series, series_label or series))
    columns.append((y, y_label))
    if low:
        columns.append((low, loc["ci_low"]))
    if high:
        columns.append((high, loc["ci_high"]))
    if alt is None:
        text = loc["line"].format(
            title=_sentence(title),
            y=y_label,
            x=x_label,
            ci=loc["with_band"] if low and high else "",
        )
        for name in groups:
            line = runs.get(name)
            if line:
                text += loc["series"].format(
                    name=name or y_label,
                    first=_format(line[0]["y"], decimals, loc),
                    first_x=_format_x(line[0]["raw_x"], decimals, loc),
                    last=_format(line[-1]["y"], decimals, loc),
                    last_x=_format_x(line[-1]["raw_x"], decimals, loc),
                )
        alt = text + loc["table"]
    return _chart(spec, loc, alt, data, columns)


# --- Vega-Lite specs ------------------------------------------------------------------------


def _config() -> dict[str, Any]:
    label = {"labelFont": FONT, "labelFontSize": 12, "labelColor": TEXT}
    title = {"titleFont": FONT, "titleFontSize": 12, "titleColor": TEXT, "titleFontWeight": "bold"}
    return {
        "font": FONT,
        "background": "white",
        "padding": 12,
        "aria": False,  # the <img> alt text and the data table are the accessible versions
        "view": {"stroke": None},
        "axis": {
            **label,
            **title,
            "domainColor": AXIS,
            "tickColor": AXIS,
            "gridColor": GRID,
            "labelLimit": 260,
        },
        "legend": {**label, **title, "symbolStrokeWidth": 2, "labelLimit": 260},
        "text": {"font": FONT, "fontSize": 12, "color": TEXT},
        "title": {
            "font": FONT,
            "fontSize": 15,
            "fontWeight": "bold",
            "color": TEXT,
            "anchor": "start",
            "offset": 14,
        },
    }


def _to_dict(chart: Any) -> dict:
    return chart.configure(**_config()).to_dict(validate=VALIDATE_SPECS)


def _quietly(build: Callable[..., dict]) -> Callable[..., dict]:
    """Altair validates every object as it is built unless its debug mode is off: keep it off
    while building a spec, unless ``VALIDATE_SPECS``.

    Building a spec with Altair costs a tenth of a second or so, and the same chart (the
    same data, titles and labels) is asked for again by every view of its page: each spec
    is kept, as JSON text, under a hash of everything it is built from (the builder, its
    arguments and ``VALIDATE_SPECS``; builders read nothing else), and every caller gets a
    dict of its own."""

    @functools.wraps(build)
    def wrapper(**kwargs: Any) -> dict:
        from altair.utils import schemapi

        key = hashlib.sha256(
            json.dumps(
                [build.__name__, VALIDATE_SPECS, kwargs], sort_keys=True, default=str
            ).encode()
        ).hexdigest()
        kept = _specs.get(key)
        if kept is None:
            debug_mode = getattr(schemapi, "debug_mode", None)
            with debug_mode(VALIDATE_SPECS) if debug_mode else contextlib.nullcontext():
                kept = json.dumps(build(**kwargs))
            _specs.set(key, kept)
        return json.loads(kept)

    return wrapper


def _title(title: str) -> str | list[str]:
    lines = textwrap.wrap(title, TITLE_WRAP, break_long_words=False) or [""]
    return lines[0] if len(lines) == 1 else lines


def _value_scale(alt: Any, domain: tuple[float, float] | None, zero: bool) -> Any:
    if domain is None:
        return alt.Scale(zero=zero, nice=True)
    return alt.Scale(domain=list(domain), nice=False, clamp=True, zero=False)


def _category_axis(alt: Any, cats: list[str], label: str) -> Any:
    return alt.Y(
        "c:N",
        title=label,
        sort=None,
        scale=alt.Scale(domain=cats, paddingInner=0.4, paddingOuter=0.2),
        axis=alt.Axis(ticks=False, domain=False, labelPadding=8),
    )


@_quietly
def _bar_spec(
    *,
    cats,
    shown,
    intervals,
    notes,
    baseline,
    domain,
    decimals,
    title,
    value_label,
    category_label,
) -> dict:
    import altair as alt

    y = _category_axis(alt, cats, category_label)
    x = alt.X(
        "v:Q",
        title=value_label,
        scale=_value_scale(alt, domain, zero=True),
        axis=alt.Axis(grid=True, domain=False, ticks=False, labelPadding=4),
    )
    layers = [
        alt.Chart(alt.Data(values=shown))
        .mark_bar(color=BAR)
        .encode(y=y, x=x, x2=alt.datum(baseline)),
    ]
    if intervals:
        layers += [
            alt.Chart(alt.Data(values=intervals))
            .mark_rule(color="#000000", strokeWidth=1.5)
            .encode(y=y, x=alt.X("lo:Q", title=value_label), x2="hi:Q"),
            alt.Chart(alt.Data(values=intervals))
            .mark_tick(color="#000000", thickness=1.5, size=12, opacity=1)
            .encode(y=y, x=alt.X("lo:Q", title=value_label)),
            alt.Chart(alt.Data(values=intervals))
            .mark_tick(color="#000000", thickness=1.5, size=12, opacity=1)
            .encode(y=y, x=alt.X("hi:Q", title=value_label)),
        ]
    if any(p["v"] < baseline for p in shown):
        layers.append(
            alt.Chart(alt.Data(values=[{}])).mark_rule(color=AXIS).encode(x=alt.datum(baseline))
        )
    # Each value label sits right of everything on its row (bar end, interval, baseline), so
    # it never covers a bar or meets the category labels on the left.
    labels = [
        {
            "c": p["c"],
            "v": p["v"],
            "at": max(v for v in (p["v"], p["lo"], p["hi"], baseline) if v is not None),
        }
        for p in shown
    ]
    if labels:
        layers.append(
            alt.Chart(alt.Data(values=labels))
            .mark_text(align="left", baseline="middle", dx=6)
            .encode(
                y=y,
                x=alt.X("at:Q", title=value_label),
                text=alt.Text("v:Q", format=f",.{decimals}f"),
            )
        )
    if notes:
        layers.append(
            alt.Chart(alt.Data(values=notes))
            .mark_text(align="left", baseline="middle", dx=6, fontStyle="italic", color=NOTE)
            .encode(y=y, x=alt.datum(baseline), text="note:N")
        )
    chart = alt.layer(*layers).properties(
        title=_title(title), width=PLOT_WIDTH, height=alt.Step(BAND)
    )
    return _to_dict(chart)


@_quietly
def _change_spec(
    *,
    cats,
    pairs,
    points,
    labels,
    notes,
    waves,
    domain,
    title,
    value_label,
    category_label,
) -> dict:
    import altair as alt

    y = _category_axis(alt, cats, category_label)
    scale = _value_scale(alt, domain, zero=False)
    if domain is None:
        scale = alt.Scale(zero=False, nice=True, padding=12)
    axis = alt.Axis(grid=True, domain=False, ticks=False, labelPadding=4)
    x = alt.X("v:Q", title=value_label, scale=scale, axis=axis)
    legend = alt.Legend(title=None, orient="top", direction="horizontal", symbolSize=90)
    layers = []
    if pairs:
        layers.append(
            alt.Chart(alt.Data(values=pairs))
            .mark_rule(color=CONNECTOR, strokeWidth=2)
            .encode(y=y, x=alt.X("b:Q", title=value_label, scale=scale, axis=axis), x2="a:Q")
        )
    if points:
        layers.append(
            alt.Chart(alt.Data(values=points))
            .mark_point(size=90, strokeWidth=2, opacity=1, filled=False)
            .encode(
                y=y,
                x=x,
                color=alt.Color(
                    "w:N", scale=alt.Scale(domain=waves, range=[BEFORE, AFTER]), legend=legend
                ),
                fill=alt.Fill(
                    "w:N", scale=alt.Scale(domain=waves, range=["#FFFFFF", AFTER]), legend=legend
                ),
            )
        )
    if labels:
        layers.append(
            alt.Chart(alt.Data(values=labels))
            .mark_text(align="left", baseline="middle", dx=12)
            .encode(y=y, x=alt.X("at:Q", title=value_label), text="text:N")
        )
    if notes:
        layers.append(
            alt.Chart(alt.Data(values=notes))
            .mark_text(align="left", baseline="middle", dx=6, fontStyle="italic", color=NOTE)
            .encode(y=y, x=alt.value(0), text="note:N")
        )
    chart = alt.layer(*layers).properties(
        title=_title(title), width=PLOT_WIDTH, height=alt.Step(BAND)
    )
    return _to_dict(chart)


@_quietly
def _line_spec(
    *,
    points,
    band,
    groups,
    x_type,
    x_order,
    x_ticks,
    x_format,
    domain,
    title,
    x_label,
    y_label,
    series_label,
    zero=True,
    partial_label=None,
) -> dict:
    import altair as alt

    if x_type == "ordinal":
        x = alt.X(
            "x:O",
            title=x_label,
            sort=x_order,
            scale=alt.Scale(domain=x_order),
            # Up to 6 labels fit side by side; more (a year of months) are slanted, not cut.
            axis=alt.Axis(labelAngle=0 if len(x_order) <= 6 else -40),
        )
    elif x_type == "temporal":
        axis = {"values": x_ticks, "format": x_format} if x_ticks else {}
        x = alt.X(
            "x:T",
            title=x_label,
            scale=alt.Scale(type="utc", padding=16),
            axis=alt.Axis(labelOverlap=True, **axis),
        )
    else:
        x = alt.X("x:Q", title=x_label, scale=alt.Scale(zero=False, nice=True, padding=16))
    y = alt.Y(
        "y:Q",
        title=y_label,
        scale=_value_scale(alt, domain, zero=zero),
        axis=alt.Axis(grid=True, domain=False, ticks=False),
    )
    if groups:
        legend = alt.Legend(
            title=series_label, orient="top", direction="horizontal", symbolStrokeWidth=0
        )

        def channel(kind: Any, values: Sequence[Any], legend: Any = legend) -> Any:
            scale = alt.Scale(domain=groups, range=list(values[: len(groups)]))
            return kind("s:N", scale=scale, legend=legend)

        color: dict[str, Any] = {}
        line_series = {
            "color": channel(alt.Color, PALETTE),
            # The legend shows colour and point shape; dashes on its symbols look broken.
            "strokeDash": channel(alt.StrokeDash, DASHES, legend=None),
            "detail": "run:N",
        }
        point_series = {"color": channel(alt.Color, PALETTE), "shape": channel(alt.Shape, SHAPES)}
    else:
        color = {"color": PALETTE[0]}
        line_series = {"detail": "run:N"}
        point_series = {}
    layers = []
    # One band layer per series, coloured by a constant: an encoded band would join the legend
    # (faded) or, with legend=None, remove it altogether.
    for i, name in enumerate(groups or [""]):
        values = [p for p in band if p["s"] == name]
        if values:
            layers.append(
                alt.Chart(alt.Data(values=values))
                .mark_area(opacity=0.18, color=PALETTE[i])
                .encode(x=x, y=alt.Y("lo:Q", title=y_label), y2="hi:Q", detail="run:N")
            )
    whole = [p for p in points if not p.get("p")]
    partial = [p for p in points if p.get("p")]
    # A partial point is joined to the last whole point of its run by a dashed, lighter line.
    links = []
    for p in partial:
        before = [q for q in whole if q["run"] == p["run"] and q["o"] < p["o"]]
        if before:
            last = max(before, key=lambda q: q["o"])
            links += [{**last, "link": p["run"]}, {**p, "link": p["run"]}]
    layers += [
        alt.Chart(alt.Data(values=whole))
        .mark_line(strokeWidth=2, **color)
        .encode(x=x, y=y, order="o:Q", **line_series),
        alt.Chart(alt.Data(values=whole))
        .mark_point(size=50, filled=True, opacity=1, **color)
        .encode(x=x, y=y, **point_series),
    ]
    if partial:
        link_series = {k: v for k, v in line_series.items() if k not in ("strokeDash", "detail")}
        if links:
            layers.append(
                alt.Chart(alt.Data(values=links))
                .mark_line(strokeWidth=1.5, strokeDash=[4, 3], opacity=0.7, **color)
                .encode(x=x, y=y, order="o:Q", detail="link:N", **link_series)
            )
        layers.append(
            alt.Chart(alt.Data(values=partial))
            .mark_point(size=60, filled=False, strokeWidth=1.5, opacity=1, **color)
            .encode(x=x, y=y, **point_series)
        )
        if partial_label:
            last = max(partial, key=lambda q: q["o"])
            layers.append(
                alt.Chart(alt.Data(values=[{**last, "label": partial_label}]))
                # Just above the plot, ending over the partial point: clear of the lines.
                .mark_text(align="right", baseline="bottom", dx=8, fontStyle="italic", color=NOTE)
                .encode(x=x, y=alt.value(-4), text="label:N")
            )
    chart = alt.layer(*layers).properties(title=_title(title), width=PLOT_WIDTH, height=260)
    return _to_dict(chart)


# --- rendering ------------------------------------------------------------------------------


def _chart(
    spec: dict,
    loc: Mapping[str, str],
    alt_text: str,
    data: list[dict[str, Any]],
    columns: list[tuple[str, str]],
) -> Chart:
    if any(row.get("note") for row in data):
        columns = [*columns, ("note", loc["note"])]
    keys = [key for key, _ in columns]
    svg = _render(spec, loc["d3"])
    size = re.match(r'<svg\b[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"', svg)
    if not size:
        raise RuntimeError("vl-convert returned an SVG without width and height")
    return Chart(
        svg=svg,
        data_uri="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii"),
        alt=alt_text,
        rows=[{key: row.get(key) for key in keys} for row in data],
        columns=columns,
        width=math.ceil(float(size.group(1))),
        height=math.ceil(float(size.group(2))),
    )


class _LRU:
    """A bounded in-process cache with the ``get``/``set`` of Django's cache API."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()  # threaded workers share it

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def set(self, key: str, value: str, timeout: Any = None) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache: Any = _LRU()
# Specs as built (``_quietly``), as JSON text.
_specs = _LRU(512)


def use_cache(cache: Any) -> None:
    """Keep drawn SVGs in ``cache`` (anything with Django's ``get(key)`` and ``set(key, value)``;
    ``None`` goes back to the in-process LRU)."""
    global _cache
    _cache = cache if cache is not None else _LRU()


@functools.cache
def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("altair", "vl-convert-python"):
        try:
            found.append(version(package))
        except PackageNotFoundError:
            found.append("")
    return "/".join(found)


def cache_key(spec: dict, d3_locale: str) -> str:
    """The cache key of a chart: a hash of everything that decides the SVG."""
    text = json.dumps([spec, d3_locale, _versions()], sort_keys=True, default=str)
    return "peerway-chart-svg:" + hashlib.sha256(text.encode()).hexdigest()


def _render(spec: dict, d3_locale: str) -> str:
    key = cache_key(spec, d3_locale)
    svg = _cache.get(key)
    if svg is None:
        svg = _draw(spec, d3_locale)
        _cache.set(key, svg)
    return svg


def warm() -> float:
    """Start the drawing engine now (imports, spec validation, Vega start-up, fonts, both
    languages) so that the first chart a page asks for does not pay for it; returns the
    seconds it took. What it draws is not cached."""
    import time

    global _cache
    began = time.perf_counter()
    kept, _cache = _cache, _LRU(0)
    try:
        for lang in ("en", "fr"):
            rows = [
                {"x": 1, "y": 1.0, "lo": 0.5, "hi": 1.5},
                {"x": 2, "y": 2.0, "lo": 1.5, "hi": 3},
            ]
            bar_chart_with_ci(
                rows,
                category="x",
                value="y",
                low="lo",
                high="hi",
                title="-",
                value_label="y",
                category_label="x",
                lang=lang,
            )
            line_chart(rows, x="x", y="y", title="-", x_label="x", y_label="y", lang=lang)
    finally:
        _cache = kept
    return time.perf_counter() - began


def _draw(spec: dict, d3_locale: str) -> str:
    import altair
    import vl_convert

    # Draw with the Vega-Lite version altair wrote the spec for, when vl-convert has it.
    version = ".".join(altair.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    svg = vl_convert.vegalite_to_svg(
        spec,
        vl_version=version if version in vl_convert.get_vegalite_versions() else None,
        allowed_base_urls=[],  # never fetch anything: all data are inline
        format_locale=d3_locale,
        time_format_locale=_time_locale(d3_locale),
    )
    if "xlink:" not in svg.split(">", 1)[1]:
        # The only URL left is then the SVG namespace, which an <img> needs.
        svg = svg.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "", 1)
    return svg


@functools.cache
def _time_locale(d3_locale: str) -> str | dict[str, Any]:
    """d3's fr-CA short months are "jui"/"jul" for June/July: use the usual abbreviations."""
    if d3_locale != "fr-CA":
        return d3_locale
    import vl_convert

    return {**vl_convert.get_time_format_locale(d3_locale), "shortMonths": FR_SHORT_MONTHS}


# --- input checks and formatting ------------------------------------------------------------


def _lang(lang: str) -> Mapping[str, str]:
    base = lang.replace("_", "-").split("-")[0].lower()
    if base not in _LANGS:
        raise ValueError(f"lang: {lang!r} is not supported (expected one of {sorted(_LANGS)})")
    return _LANGS[base]


def _decimals(decimals: int) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        raise ValueError("decimals: must be an integer from 0 to 6")
    return decimals


def _domain(domain: Sequence[float] | None) -> tuple[float, float] | None:
    if domain is None:
        return None
    lo, hi = (_number(v, "domain") for v in domain)
    if lo is None or hi is None or not lo < hi:
        raise ValueError("domain: expected (low, high) with low < high")
    return lo, hi


def _records(rows: Iterable[Mapping[str, Any]], key: str) -> list[dict[str, Any]]:
    """Copy the rows; each needs ``key`` (the category, or x)."""
    data = [dict(row) for row in rows]
    if not data:
        raise ValueError("rows: at least one row is needed")
    for i, row in enumerate(data):
        if row.get(key) is None:
            raise ValueError(f"row {i}: {key!r} is missing")
    return data


def _categories(data: list[dict[str, Any]], key: str) -> list[str]:
    cats = [str(row[key]) for row in data]
    if len(set(cats)) != len(cats):
        raise ValueError(f"{key}: categories must be unique")
    return cats


def _number(value: Any, what: str | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise TypeError(f"{what}: expected a number or None, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what}: expected a finite number, got {value!r}")
    return number


def _estimate(
    row: Mapping[str, Any], value: str, low: str | None, high: str | None, where: str
) -> tuple[float | None, float | None, float | None]:
    """A value and its interval; the interval is dropped when the value is None (suppressed)."""
    v = _number(row.get(value), value)
    lo = _number(row.get(low), low) if low else None
    hi = _number(row.get(high), high) if high else None
    if v is None:
        return None, None, None
    if (lo is None) != (hi is None):
        raise ValueError(f"{where}: low and high must both be given or both be None")
    if lo is not None and not lo <= v <= hi:
        raise ValueError(f"{where}: expected low <= value <= high")
    return v, lo, hi


def _note(row: Mapping[str, Any]) -> str | None:
    note = row.get("note")
    return str(note) if note else None


def _epoch_ms(value: date) -> float:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp() * 1000


def _format(number: float, decimals: int, loc: Mapping[str, str]) -> str:
    """As d3-format ``,.Nf`` writes it in the chart: JavaScript's toFixed rounding (half away
    from zero, on the exact binary value), a true minus sign, no "-0", and the locale's
    separators (1,234.5 in English, 1 234,5 in French)."""
    rounded = Decimal(number).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)
    text = f"{rounded:,.{decimals}f}".replace("-", "\u2212")
    if loc["d3"].startswith("fr"):
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def _format_x(value: Any, decimals: int, loc: Mapping[str, str]) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    number = float(value)
    return _format(number, 0 if number.is_integer() else decimals, loc)


def _sentence(title: str) -> str:
    """The title as the alt text's first sentence."""
    title = title.strip()
    return title if title.endswith((".", "?", "!", "\u2026")) else title + "."

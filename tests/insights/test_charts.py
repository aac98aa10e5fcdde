"""Server-rendered charts: SVG from Altair specs via vl-convert, checked as XML and as text."""

import base64
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

pytest.importorskip("altair")
pytest.importorskip("vl_convert")

from peerway.insights import charts  # noqa: E402
from peerway.insights.charts import (  # noqa: E402
    Chart,
    bar_chart_with_ci,
    grouped_change_chart,
    line_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"
MINUS = "\u2212"

SCORES = [
    {"team": "Team A", "mean": 3.84, "low": 3.41, "high": 4.27, "n": 31},
    {"team": "Team B & <Co>", "mean": 4.42, "low": 4.1, "high": 4.74, "n": 18},
    {"team": "Team C", "mean": None, "low": None, "high": None, "note": "fewer than 5 responses"},
    {"team": "Team D", "mean": 2.35, "low": 1.6, "high": 3.1, "n": 6},
]
WAVES = [
    {"team": "Team A", "intake": 52.5, "month6": 61.25},
    {"team": "Team B", "intake": 64.0, "month6": 58.5},
    {"team": "Team C", "intake": None, "month6": None, "note": "fewer than 5 pairs"},
    {"team": "Team D", "intake": 1180.0, "month6": 1234.5},
]
MONTHS = [
    {"month": date(2025, m, 1), "site": site, "rate": rate}
    for site, rates in (("North", (0.21, 0.18, None, 0.15)), ("South", (0.25, 0.27, 0.22, 0.2)))
    for m, rate in zip(range(1, 5), rates, strict=True)
]
TITLES = {
    "bar": "Peer support helped me",
    "change": "Recovery score at intake and at six months",
    "line": "Readmission within 30 days",
}


@pytest.fixture(scope="module", autouse=True)
def _validate_specs():
    # Check every spec against the Vega-Lite schema (off in production for speed).
    charts.VALIDATE_SPECS = True
    yield
    charts.VALIDATE_SPECS = False


def bar(lang="en", rows=SCORES, **kwargs):
    options = {
        "category": "team",
        "value": "mean",
        "low": "low",
        "high": "high",
        "title": "Peer support helped me",
        "value_label": "Mean score",
        "category_label": "Team",
        "domain": (1, 5),
        "lang": lang,
    }
    return bar_chart_with_ci(rows, **(options | kwargs))


def change(lang="en", rows=WAVES):
    return grouped_change_chart(
        rows,
        category="team",
        before="intake",
        after="month6",
        title=TITLES["change"],
        before_label="Intake",
        after_label="Six months",
        value_label="Mean recovery score",
        category_label="Team",
        lang=lang,
    )


def trend(lang="en", rows=MONTHS):
    return line_chart(
        rows,
        x="month",
        y="rate",
        series="site",
        title=TITLES["line"],
        x_label="Month",
        y_label="Proportion readmitted",
        series_label="Site",
        decimals=2,
        lang=lang,
    )


@pytest.fixture(scope="module")
def bars_en():
    return bar("en")


@pytest.fixture(scope="module")
def bars_fr():
    return bar("fr-ca")


@pytest.fixture(scope="module")
def every_chart(bars_en):
    return {"bar": bars_en, "change": change(), "line": trend()}


def texts(chart: Chart) -> list[str]:
    """Every piece of text drawn in the SVG, as parsed XML (entities decoded)."""
    root = ET.fromstring(chart.svg)
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def fills(chart: Chart, colour: str) -> list[ET.Element]:
    root = ET.fromstring(chart.svg)
    return [e for e in root.iter(f"{SVG}path") if e.get("fill", "").upper() == colour.upper()]


# --- the SVG document -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bar", "change", "line"])
def test_svg_is_well_formed_with_title_and_labels(every_chart, kind):
    chart = every_chart[kind]
    root = ET.fromstring(chart.svg)  # raises on malformed XML
    assert root.tag == f"{SVG}svg"
    assert (chart.width, chart.height) == (int(root.get("width")), int(root.get("height")))
    drawn = set(texts(chart))
    assert TITLES[kind] in drawn
    if kind == "line":
        assert {"North", "South", "Month", "Proportion readmitted"} <= drawn
    else:
        assert {"Team", "Team A", "Team C", "Team D"} <= drawn


def test_category_labels_are_escaped_not_injected(bars_en):
    assert "Team B &amp; &lt;Co&gt;" in bars_en.svg
    assert "Team B & <Co>" in texts(bars_en)


@pytest.mark.parametrize("kind", ["bar", "change", "line"])
def test_no_external_reference_anywhere(every_chart, kind):
    svg = every_chart[kind].svg
    # The SVG namespace is the one URL that must stay: without it an <img> shows nothing.
    assert svg.count('xmlns="http://www.w3.org/2000/svg"') == 1
    rest = svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in rest
    assert "https://" not in rest
    assert "//" not in re.sub(r"<[^>]*>", "", rest)  # nor protocol-relative text
    root = ET.fromstring(svg)
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert not tags & {"script", "foreignObject", "image", "a", "use", "style", "iframe"}
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.endswith("href"), (element.tag, name)
            assert not name.startswith("on"), (element.tag, name)
            assert "url(" not in value or value.startswith("url(#"), (element.tag, value)


@pytest.mark.parametrize("kind", ["bar", "change", "line"])
def test_data_uri_decodes_to_the_same_svg(every_chart, kind):
    chart = every_chart[kind]
    prefix = "data:image/svg+xml;base64,"
    assert chart.data_uri.startswith(prefix)
    payload = chart.data_uri.removeprefix(prefix)
    assert re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", payload)  # nothing to escape in an attribute
    assert base64.b64decode(payload, validate=True).decode("utf-8") == chart.svg


def test_same_input_gives_the_same_svg(bars_en):
    again = bar("en")
    assert again == bars_en
    assert change() == change()


def test_marks_use_the_accessible_palette(bars_en):
    assert len(fills(bars_en, charts.BAR)) == 3
    assert 'font-family="Liberation Sans, Arial, Helvetica, sans-serif"' in bars_en.svg
    assert "sans-serif" in charts.FONT


def contrast(colour: str, background: str = "#FFFFFF") -> float:
    def luminance(hex_colour):
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_colours_contrast_with_white():
    # WCAG 1.4.11: graphical objects 3:1; text (WCAG 1.4.3) 4.5:1.
    for colour in (*charts.PALETTE, charts.BEFORE, charts.AFTER, charts.CONNECTOR, charts.AXIS):
        assert contrast(colour) >= 3, colour
    for colour in (charts.TEXT, charts.NOTE):
        assert contrast(colour) >= 4.5, colour
    assert contrast("#000000", charts.BAR) >= 3  # error bars drawn over a bar


# --- suppression ----------------------------------------------------------------------------


def test_suppressed_row_has_no_bar_and_shows_its_note(bars_en):
    assert len(fills(bars_en, charts.BAR)) == sum(row["mean"] is not None for row in SCORES)
    drawn = texts(bars_en)
    assert "fewer than 5 responses" in drawn
    assert "Team C" in drawn  # the category keeps its place on the axis
    assert "Not shown: Team C." in bars_en.alt


def test_suppressed_row_is_not_drawn_even_with_an_interval_left_in():
    rows = [
        {"team": "A", "mean": 3.0, "low": 2.5, "high": 3.5},
        {"team": "B", "mean": None, "low": 1.0, "high": 2.0},
    ]
    chart = bar(rows=rows)
    assert len(fills(chart, charts.BAR)) == 1
    assert "\u2014" in texts(chart)  # no note given: a dash where the bar would be


def test_all_rows_suppressed_still_renders():
    chart = bar(rows=[{"team": "A", "mean": None, "note": "fewer than 5 responses"}])
    assert fills(chart, charts.BAR) == []
    assert "fewer than 5 responses" in texts(chart)


def test_change_chart_draws_suppressed_and_partial_rows():
    chart = change(rows=[*WAVES, {"team": "Team E", "intake": 40.0, "month6": None}])
    drawn = texts(chart)
    assert "fewer than 5 pairs" in drawn
    assert "40.0 \u2192 \u2014" in drawn
    assert "52.5 \u2192 61.3" in drawn  # 61.25 rounds half away from zero, as d3 does
    assert "1,180.0 \u2192 1,234.5" in drawn
    assert "Higher: 2; lower: 1; unchanged: 0. Not shown: Team C." in chart.alt
    assert {"Intake", "Six months"} <= set(drawn)  # legend


def test_line_breaks_at_a_missing_value():
    chart = trend()
    root = ET.fromstring(chart.svg)
    lines = [
        path
        for group in root.iter(f"{SVG}g")
        if "mark-line" in group.get("class", "")
        for path in group.iter(f"{SVG}path")
    ]
    assert len(lines) == 3  # North before and after its gap, South whole


# --- language -------------------------------------------------------------------------------


def test_french_numbers_use_a_decimal_comma(bars_en, bars_fr):
    en, fr = texts(bars_en), texts(bars_fr)
    assert {"3.8", "4.4", "2.4"} <= set(en)
    assert {"3,8", "4,4", "2,4"} <= set(fr)
    assert "1,5" in fr and "1.5" in en  # axis labels too
    assert not any(re.fullmatch(r"\d+\.\d+", text) for text in fr)
    assert "(4,4)" in bars_fr.alt and "Diagramme à barres" in bars_fr.alt


def test_french_thousands_and_months():
    drawn = texts(change("fr-ca"))
    assert f"1{NBSP}180,0 \u2192 1{NBSP}234,5" in drawn
    months = texts(trend("fr-ca"))
    assert {"janv. 2025", "févr. 2025", "mars 2025", "avr. 2025"} <= set(months)
    assert "0,20" in months


def test_python_and_d3_number_formats_agree():
    # Text built in Python (change labels, alt text) must match what d3 writes in the SVG.
    values = [2.25, -2.25, 2.35, 0.05, -0.04, 1234.5, -1234.55, 0.125, 1e6 + 0.25]
    rows = [{"team": f"T{i}", "mean": v} for i, v in enumerate(values)]
    for lang in ("en", "fr-ca"):
        chart = bar(lang, rows=rows, low=None, high=None, domain=None, decimals=2)
        drawn = texts(chart)
        loc = charts._lang(lang)
        for value in values:
            assert charts._format(value, 2, loc) in drawn, (lang, value)
    assert charts._format(-2.25, 1, charts._lang("en")) == f"{MINUS}2.3"
    assert charts._format(-0.04, 1, charts._lang("fr")) == "0,0"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang"):
        bar("de")


# --- the table data -------------------------------------------------------------------------


def test_rows_and_columns_match_the_input(bars_en, bars_fr):
    assert bars_en.columns == [
        ("team", "Team"),
        ("mean", "Mean score"),
        ("low", "95% CI, lower"),
        ("high", "95% CI, upper"),
        ("note", "Note"),
    ]
    keys = [key for key, _ in bars_en.columns]
    assert bars_en.rows == [{key: row.get(key) for key in keys} for row in SCORES]
    assert bars_en.rows[2]["mean"] is None and bars_en.rows[2]["note"] == "fewer than 5 responses"
    assert bars_fr.rows == bars_en.rows
    assert [label for _, label in bars_fr.columns][2:] == [
        f"IC à 95{NBSP}%, borne inférieure",
        f"IC à 95{NBSP}%, borne supérieure",
        "Remarque",
    ]


def test_change_and_line_rows_and_columns():
    chart = change()
    assert chart.columns == [
        ("team", "Team"),
        ("intake", "Intake"),
        ("month6", "Six months"),
        ("note", "Note"),
    ]
    assert chart.rows == [
        {"team": r["team"], "intake": r["intake"], "month6": r["month6"], "note": r.get("note")}
        for r in WAVES
    ]
    line = trend()
    assert line.columns == [("site", "Site"), ("month", "Month"), ("rate", "Proportion readmitted")]
    assert line.rows == MONTHS
    assert line.rows[0]["month"] == date(2025, 1, 1)  # values as given, for the caller to format


def test_rows_without_notes_have_no_note_column():
    chart = bar(rows=[{"team": "A", "mean": 3.0}], low=None, high=None)
    assert chart.columns == [("team", "Team"), ("mean", "Mean score")]
    assert chart.rows == [{"team": "A", "mean": 3.0}]


def test_input_is_not_modified():
    rows = [dict(row) for row in SCORES]
    bar(rows=rows)
    assert rows == SCORES


# --- other inputs ---------------------------------------------------------------------------


def test_alt_text_summarises_and_can_be_replaced(bars_en):
    assert bars_en.alt.startswith("Peer support helped me. Bar chart: Mean score by Team")
    assert "Highest: Team B & <Co> (4.4); lowest: Team D (2.4)." in bars_en.alt
    assert bar(alt="My own words").alt == "My own words"
    line = trend()
    assert "North: from 0.21 (2025-01-01) to 0.15 (2025-04-01)." in line.alt


def test_line_chart_with_ordered_labels_and_a_band():
    rows = [
        {"wave": "Baseline", "score": 2.5, "low": 2.0, "high": 3.0},
        {"wave": "Wave 2", "score": 3.1, "low": 2.8, "high": 3.4},
        {"wave": "Wave 10", "score": 3.6, "low": 3.3, "high": 3.9},
    ]
    chart = line_chart(
        rows,
        x="wave",
        y="score",
        low="low",
        high="high",
        title="Hope",
        x_label="Wave",
        y_label="Score",
        domain=(1, 5),
    )
    drawn = texts(chart)
    assert drawn.index("Baseline") < drawn.index("Wave 2") < drawn.index("Wave 10")
    assert "with 95% confidence bands" in chart.alt
    assert 'class="mark-area' in chart.svg


def test_wrapped_title_keeps_every_word():
    title = "Mean change in recovery score between intake and six months, by team and by site"
    drawn = " ".join(texts(bar(title=title)))
    for word in title.split():
        assert word in drawn


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ([], ValueError),
        ([{"team": "A", "mean": 1.0}, {"team": "A", "mean": 2.0}], ValueError),
        ([{"team": "A", "mean": 3.0, "low": 3.5, "high": 4.0}], ValueError),
        ([{"team": "A", "mean": 3.0, "low": 2.5}], ValueError),
        ([{"team": "A", "mean": float("nan")}], ValueError),
        ([{"team": "A", "mean": "3.0"}], TypeError),
        ([{"team": None, "mean": 3.0}], ValueError),
    ],
)
def test_bad_input_is_refused(rows, error):
    with pytest.raises(error):
        bar(rows=rows)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="domain"):
        bar(domain=(5, 1))
    with pytest.raises(ValueError, match="decimals"):
        bar(decimals=-1)
    too_many = [{"month": 1, "site": f"S{i}", "rate": 0.1} for i in range(6)]
    with pytest.raises(ValueError, match="series"):
        trend(rows=too_many)
    with pytest.raises(TypeError):
        trend(rows=[{"month": 1, "site": "A", "rate": 0.1}, {"month": "x", "site": "A", "rate": 1}])


def test_renderer_refuses_to_fetch_data():
    # All data are inline; vl-convert is told to load nothing from any URL, local or remote.
    for url in ("https://example.org/data.csv", "data.csv"):
        spec = {"data": {"url": url}, "mark": "bar", "encoding": {"x": {"field": "a"}}}
        with pytest.raises(ValueError, match="not allowed"):
            charts._render(spec, "en-CA")


def test_line_chart_with_numbers_on_x_and_one_series():
    rows = [{"week": w, "score": 40 + w / 2} for w in (0, 4, 8, 12)]
    chart = line_chart(rows, x="week", y="score", title="Hope", x_label="Week", y_label="Score")
    assert 'class="mark-group role-legend' not in chart.svg
    assert f'stroke="{charts.PALETTE[0]}"' in chart.svg
    assert chart.alt.startswith("Hope. Line chart: Score by Week.")
    assert "Score: from 40.0 (0) to 46.0 (12)." in chart.alt


# --- the cache of drawn charts ----------------------------------------------------------------


@pytest.fixture
def draws(monkeypatch):
    """Count the charts actually drawn, with an empty cache of the kind the app configures."""
    from django.core.cache import caches

    assert charts._cache is caches["charts"]  # set when the app started
    caches["charts"].clear()
    calls = []
    real = charts._draw

    def counting(spec, d3_locale):
        calls.append(d3_locale)
        return real(spec, d3_locale)

    monkeypatch.setattr(charts, "_draw", counting)
    yield calls
    caches["charts"].clear()


def test_same_chart_is_drawn_once_and_changed_data_draw_again(draws):
    rows = [{"site": "A", "rate": 0.3}, {"site": "B", "rate": 0.5}]

    def bar(rows, lang="en"):
        return bar_chart_with_ci(
            rows, category="site", value="rate", title="T", value_label="v",
            category_label="c", lang=lang,
        )  # fmt: skip

    first = bar(rows)
    again = bar([dict(r) for r in rows])
    assert len(draws) == 1
    assert again.svg == first.svg and again.rows == first.rows
    changed = bar([rows[0], {"site": "B", "rate": 0.6}])
    assert len(draws) == 2
    assert changed.svg != first.svg
    assert changed.rows[1]["rate"] == 0.6  # the table beside the chart shows the new data
    bar(rows, lang="fr")  # other number conventions: another drawing
    assert len(draws) == 3
    bar(rows)
    assert len(draws) == 3


def test_cache_key_covers_the_whole_specification():
    spec = {"data": {"values": [{"a": "x", "b": 1}]}, "mark": "bar"}
    key = charts.cache_key(spec, "en-CA")
    assert key == charts.cache_key(
        {"mark": "bar", "data": {"values": [{"b": 1, "a": "x"}]}}, "en-CA"
    )
    assert key != charts.cache_key({**spec, "mark": "line"}, "en-CA")
    assert key != charts.cache_key({**spec, "data": {"values": [{"a": "x", "b": 2}]}}, "en-CA")
    assert key != charts.cache_key(spec, "fr-CA")


def test_in_process_cache_is_bounded():
    cache = charts._LRU(2)
    for key in ("a", "b", "c"):
        cache.set(key, key)
    assert cache.get("a") is None and cache.get("b") == "b" and cache.get("c") == "c"


def test_warm_starts_the_engine_without_filling_the_cache(draws):
    from django.core.cache import caches

    assert charts.warm() > 0
    assert len(draws) == 4  # two charts in two languages
    assert charts._cache is caches["charts"]
    rows = [{"x": 1, "y": 1.0}]
    line_chart(rows, x="x", y="y", title="-", x_label="x", y_label="y")
    assert len(draws) == 5


def test_a_spec_is_built_once_per_input_and_each_caller_gets_its_own(monkeypatch):
    """Specs are kept under a hash of what they are built from: the same chart again builds
    nothing, other data or titles build their own, and a caller changing the spec it got
    changes nobody else's."""
    import altair

    charts._specs.clear()
    built = []
    real = altair.Chart.to_dict

    def counting(self, *args, **kwargs):
        built.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(altair.Chart, "to_dict", counting)
    options = {
        "category": "team",
        "value": "mean",
        "low": "low",
        "high": "high",
        "title": "t",
        "value_label": "v",
        "category_label": "c",
    }
    rows = [r for r in SCORES if r["mean"] is not None]
    a = bar_chart_with_ci(rows, **options, lang="en")
    n = len(built)
    assert n >= 1
    again = bar_chart_with_ci(rows, **options, lang="en")
    assert again == a and len(built) == n  # nothing built the second time
    other = bar_chart_with_ci(rows[:2], **options, lang="en")
    assert other != a and len(built) > n
    n = len(built)
    retitled = bar_chart_with_ci(rows, **{**options, "title": "another"}, lang="en")
    assert len(built) > n and retitled.svg != a.svg
    assert bar_chart_with_ci(rows, **options, lang="fr").svg != a.svg

    calls = []

    @charts._quietly
    def _spec(*, n):
        calls.append(n)
        return {"n": n, "layers": [1]}

    first = _spec(n=1)
    first["layers"].append(2)
    assert _spec(n=1) == {"n": 1, "layers": [1]} and calls == [1]
    assert _spec(n=2) == {"n": 2, "layers": [1]} and calls == [1, 2]

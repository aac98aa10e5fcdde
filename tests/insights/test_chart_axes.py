"""Trend charts start their y axis at zero unless told otherwise, and a partial month (the
month to date) is drawn as partial, not as a fall."""

from __future__ import annotations

import pytest

from peerway.insights import charts
from peerway.insights.charts import line_chart

ROWS = [
    {"month": "Sep 2026", "n": 40, "partial": False},
    {"month": "Oct 2026", "n": 42, "partial": False},
    {"month": "Nov 2026", "n": 45, "partial": False},
    {"month": "Dec 2026", "n": 6, "partial": True, "note": "month to date"},
]


@pytest.fixture
def specs(monkeypatch):
    drawn = []
    render = charts._render

    def capture(spec, d3_locale):
        drawn.append(spec)
        return render(spec, d3_locale)

    monkeypatch.setattr(charts, "_render", capture)
    return drawn


def _layers(spec):
    return spec.get("layer", [spec])


def _y_scales(spec):
    return [
        layer["encoding"]["y"].get("scale", {})
        for layer in _layers(spec)
        if "y" in layer.get("encoding", {}) and layer["encoding"]["y"].get("field") == "y"
    ]


def chart(**kwargs):
    options = {
        "x": "month",
        "y": "n",
        "title": "Referrals",
        "x_label": "Month",
        "y_label": "Referrals",
    }
    return line_chart(ROWS, **(options | kwargs))


def test_trend_y_axis_starts_at_zero(specs):
    chart()
    scales = _y_scales(specs[-1])
    assert scales and all(s.get("zero") is True for s in scales)


def test_a_definition_may_set_its_own_domain(specs):
    chart(domain=(1, 5))
    assert all(s.get("domain") == [1, 5] for s in _y_scales(specs[-1]))


def test_without_partial_every_point_is_on_the_solid_line(specs):
    chart()
    lines = [layer for layer in _layers(specs[-1]) if layer["mark"]["type"] == "line"]
    assert len(lines) == 1
    assert len(lines[0]["data"]["values"]) == 4


def test_partial_month_is_an_open_point_on_a_dashed_line_with_a_note(specs):
    drawn = chart(partial="partial", partial_label="month to date")
    layers = _layers(specs[-1])
    solid, dashed = (layer for layer in layers if layer["mark"]["type"] == "line")
    # The solid line stops at the last whole month: the month to date is not drawn as a fall.
    assert [p["y"] for p in solid["data"]["values"]] == [40, 42, 45]
    assert dashed["mark"]["strokeDash"] == [4, 3]
    assert [p["y"] for p in dashed["data"]["values"]] == [45, 6]
    open_points = [
        layer
        for layer in layers
        if layer["mark"]["type"] == "point" and layer["mark"].get("filled") is False
    ]
    assert [p["y"] for p in open_points[0]["data"]["values"]] == [6]
    assert any(
        layer["mark"]["type"] == "text"
        and layer["data"]["values"][0].get("label") == "month to date"
        for layer in layers
    )
    assert "month to date" in drawn.svg
    # The data table marks the partial month too.
    assert drawn.rows[-1]["note"] == "month to date"
    assert ("note", "Note") in drawn.columns

"""Dashboards read at a glance: a summary whose figures link to their sections, a table of
contents, long tables folded under their chart, the month to date marked as partial, and
dates in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import formats, translation

from peerway.indicators.selectors import Period


def org_url(world):
    return reverse("indicators:organization", args=[world.org.slug])


def team_url(world, team):
    return reverse("indicators:team", args=[world.org.slug, team.pk])


@pytest.mark.parametrize("who", ["manager", "evaluator"])
def test_dashboard_opens_with_a_summary_and_a_table_of_contents(world, service, login, who):
    text = login(getattr(world, who)).get(org_url(world)).content.decode()
    summary = text[text.index('id="summary-h"') :]
    summary = summary[: summary.index("</section>")]
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    links = re.findall(r'href="#([^"]+)"', summary)
    # Every summary figure and every contents entry leads to a section on the page.
    assert len(links) >= 10
    assert set(links) <= ids
    for section in ("flags-h", "drift-h", "util-h", "structure-h", "safety-h", "workforce-h"):
        assert section in links
    assert "Teams above their drift threshold" in summary
    assert "On this page" in summary
    # The summary comes before the first section.
    assert text.index('id="summary-h"') < text.index('id="flags-h"')


def test_summary_flags_the_drift_for_the_manager_and_hides_it_for_the_evaluator(
    world, service, login
):
    manager = login(world.manager).get(org_url(world)).context["summary"]
    evaluator = login(world.evaluator).get(org_url(world)).context["summary"]
    assert manager[0]["cell"]["value"] == 1 and manager[0]["alert"]
    # Team A's drift is one worker's: hidden, so the count of drift flags is no answer either
    # (0 would say team A is under its threshold).
    assert evaluator[0]["cell"] == {"value": None, "suppressed": True}
    assert not evaluator[0].get("alert")


def test_chart_data_is_in_a_keyboard_openable_details_beside_the_chart(world, service, login):
    text = login(world.manager).get(org_url(world)).content.decode()
    figure = text.index('<figure class="pw-chart')
    details = text.index('<details class="pw-chart-data', figure)
    assert text.index("<summary>Data for the chart", details) > details
    assert text.index("</figure>", figure) < details


def test_partial_month_is_marked_in_the_chart_table(world, service, login):
    period = Period.last_months(6)
    page = login(world.manager).get(team_url(world, world.team_a))
    rows = page.context["drift_chart"].rows
    if period.partial_month is None:
        pytest.skip("today is the last day of the month: no month to date")
    assert rows[-1]["note"] == "month to date"
    assert "month to date" in page.content.decode()


@pytest.mark.parametrize("lang", ["en", "fr-ca"])
def test_dashboard_dates_follow_the_language(world, service, login, lang):
    client = login(world.manager)
    text = client.get(org_url(world), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    period = Period.last_months(6)
    with translation.override(lang):
        start = formats.date_format(period.start, "DATE_FORMAT")
        end = formats.date_format(period.end, "DATE_FORMAT")
    assert start in text and end in text
    assert period.start.isoformat() not in text
    if lang == "fr-ca":
        assert re.search(r"\d{1,2} [a-zéû]+ \d{4}", start)

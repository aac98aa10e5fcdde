"""Hidden means hidden in every column: a figure hidden from an aggregate-only reader hides
every column computed from it (flags, rates, totals beside their parts), so no column gives
a definite answer about it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from peerway.indicators import disclosure


def org_url(world):
    return reverse("indicators:organization", args=[world.org.slug])


# --- the helper ---------------------------------------------------------------------------


def test_a_count_from_1_to_k_minus_1_is_hidden_and_zero_is_shown():
    assert disclosure.cell(3, k=5)["suppressed"]
    assert not disclosure.cell(0, k=5)["suppressed"]
    assert not disclosure.cell(5, k=5)["suppressed"]
    assert not disclosure.cell(1, k=None)["suppressed"]  # readers who may see people


def test_a_flag_or_rate_computed_from_a_hidden_cell_is_hidden():
    hidden_count = disclosure.cell(2, k=5)
    shown_count = disclosure.cell(40, k=5)
    assert disclosure.derived(False, hidden_count) == {"value": None, "suppressed": True}
    assert disclosure.derived(True, hidden_count)["suppressed"]
    assert disclosure.derived(5.0, shown_count, hidden_count)["suppressed"]
    assert disclosure.derived(5.0, shown_count) == {"value": 5.0, "suppressed": False}


def test_a_total_beside_a_hidden_part_is_hidden():
    parts = [disclosure.cell(2, k=5), disclosure.cell(10, k=5), disclosure.cell(0, k=5)]
    assert disclosure.total(12, parts, k=5)["suppressed"]
    shown_parts = [disclosure.cell(6, k=5), disclosure.cell(0, k=5)]
    assert disclosure.total(6, shown_parts, k=5) == {"value": 6, "suppressed": False}
    assert disclosure.total(3, [disclosure.cell(0, k=5)], n=3, k=5)["suppressed"]


# --- the evaluator's dashboard ------------------------------------------------------------


def _hidden(c) -> bool:
    return bool(c["suppressed"])


def assert_nothing_derived_leaks(context):
    """Every derived column of every table is hidden where its source is."""
    for r in context["drift_rows"]:
        if _hidden(r["percent"]):
            assert _hidden(r["over"]), r
    for r in context["safety_rows"]:
        if _hidden(r["events"]) or _hidden(r["relationships"]):
            assert _hidden(r["rate"]), r
    wf = context["workforce"]
    if _hidden(wf["leavers"]) or _hidden(wf["employed_at_start"]):
        assert _hidden(wf["turnover"]) and _hidden(wf["retention"])
    *teams, everyone = context["safety_task_rows"]
    for key in ("tasks", "escalated", "overdue"):
        if any(_hidden(r[key]) for r in teams):
            assert _hidden(everyone[key]), key
    # Referrals: the team table and the monthly chart share each source's total.
    sources = context["referral_sources"]
    chart_rows = context["referral_chart"].rows if context["referral_chart"] else []
    for i, source in enumerate(sources):
        team_cells = [r["cells"][i] for r in context["referral_team_table"]]
        month_cells = [r["cells"][i] for r in context["referral_table"]]
        if any(_hidden(c) for c in team_cells + month_cells):
            assert all(_hidden(c) for c in team_cells + month_cells), source
            assert all(r["referrals"] is None for r in chart_rows if r["source"] == str(source)), (
                source
            )


@pytest.mark.parametrize("k", [2, 5])
def test_evaluator_dashboard_hides_every_column_derived_from_a_hidden_figure(
    world, service, login, settings, k
):
    settings.PEERWAY_INDICATORS_K = k
    page = login(world.evaluator).get(org_url(world))
    assert page.status_code == 200
    context = page.context
    assert context["k"] == k
    assert_nothing_derived_leaks(context)
    # The world has hidden figures with derived columns, so the checks above bite.
    assert any(_hidden(r["percent"]) for r in context["drift_rows"])
    if k == 2:
        # One boundary event over two relationships; one leaver of four workers. The four
        # workers at the start are hidden too: Team B's count (one) is small, so every place
        # above Team B hides it (decision 36).
        team_a = next(r for r in context["safety_rows"] if r["team"] == world.team_a.name)
        assert _hidden(team_a["events"]) and not _hidden(team_a["relationships"])
        assert _hidden(team_a["rate"])
        wf = context["workforce"]
        assert _hidden(wf["leavers"]) and _hidden(wf["employed_at_start"])
        assert _hidden(wf["turnover"]) and _hidden(wf["retention"])


def test_a_hidden_drift_cell_never_reads_above_threshold_no(world, service, login):
    text = login(world.evaluator).get(org_url(world)).content.decode()
    table = text[text.index("Drift per team and month</caption>") :]
    table = table[: table.index("</table>")]
    row = re.search(rf"<th scope=\"row\">{world.team_a.name}</th>(.*?)</tr>", table, re.S)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    # Month, percentage, threshold, above threshold: the percentage and its flag are hidden.
    assert "not shown" in cells[1]
    assert "not shown" in cells[3]
    assert "No" not in cells[3] and "Yes" not in cells[3]
    # Nor does the Flags section say no team is flagged: it says drift flags are hidden.
    flags = text[text.index('id="flags-h"') : text.index('id="drift-h"')]
    assert "No team is flagged" not in flags
    assert "Drift flags are not shown for teams whose drift is not shown" in flags


def test_manager_sees_the_drift_flag_that_the_evaluator_does_not(world, service, login):
    context = login(world.manager).get(org_url(world)).context
    team_a = [r for r in context["drift_rows"] if r["team"] == world.team_a.name]
    assert any(r["over"] == {"value": True, "suppressed": False} for r in team_a)

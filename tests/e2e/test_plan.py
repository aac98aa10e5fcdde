"""From the demo's baseline wave, a manager turns a recommendation into a plan action, sees
the plan and the readiness gate, in English and in French; axe checks every page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from peerway.core.models import User
from peerway.planning.models import PlanAction

from .helpers import french_catalogue, menu_link, path_of, sign_in, submit, visit

pytestmark = pytest.mark.browser

MANAGER = "manager@lakeshore.example"


def test_recommendation_becomes_a_plan_action_and_the_gate_explains_each_team(
    demo, live_server, page
):
    base = live_server.url
    sign_in(page, base, MANAGER, two_factor=True)
    before = PlanAction.objects.count()

    main = page.get_by_role("main")
    submit(page, main.get_by_role("link", name="Recommendations Baseline readiness survey"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recommended strategies")
    expect(main).to_contain_text("already in the plan")
    crisis_list = page.locator(
        "xpath=//h2[normalize-space()='Mobile Crisis Team']/following-sibling::ol[1]"
    )
    item = crisis_list.locator("li", has=page.get_by_role("button", name="Add to the plan")).first
    strategy_name = item.locator("strong").inner_text()
    submit(page, item.get_by_role("button", name="Add to the plan"))

    # The new action opens for editing: the manager sets its owner and due date.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit: {strategy_name}")
    expect(page.get_by_role("status").or_(page.locator(".alert-success"))).to_contain_text(
        "was added to the plan"
    )
    owner = User.objects.get(email="supervisor2@lakeshore.example")
    page.get_by_label("Owner").select_option(label=owner.display_name)
    due = timezone.localdate() + timedelta(days=45)
    page.get_by_label("Due date").fill(due.isoformat())
    submit(page, page.get_by_role("button", name="Save the action"))
    expect(page.get_by_role("heading", level=1)).to_have_text(strategy_name)
    expect(page.get_by_role("main")).to_contain_text("Team: Mobile Crisis Team")
    expect(page.get_by_role("main")).to_contain_text(owner.display_name)
    action = PlanAction.objects.get(title=strategy_name, team__name="Mobile Crisis Team")
    assert PlanAction.objects.count() == before + 1
    assert (action.owner, action.due_on) == (owner, due)
    assert action.source_wave.name == "Baseline readiness survey" and action.factors

    # The plan lists it, with the overdue count and progress by phase.
    submit(
        page,
        menu_link(page, "Implementation plan"),
    )
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=strategy_name)).to_be_visible()
    expect(main).to_contain_text("2 actions overdue")
    expect(main.get_by_role("heading", name="Progress by phase")).to_be_visible()
    submit(page, main.get_by_role("link", name="2 actions overdue"))
    expect(page.get_by_role("main").get_by_role("link", name=strategy_name)).to_have_count(0)

    # The gate: ready or prepare first, with the reasons.
    submit(page, page.get_by_role("main").get_by_role("link", name="Readiness gate"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Readiness gate")
    unit3b = page.get_by_role("row", name="Inpatient Unit 3B")
    expect(unit3b).to_contain_text("Ready")
    crisis = page.get_by_role("row", name="Mobile Crisis Team")
    expect(crisis).to_contain_text("Prepare first")
    expect(crisis).to_contain_text("Change commitment")
    east = page.get_by_role("row", name="Community Mental Health East")
    expect(east).to_contain_text("1 peer worker planned (needs 2")

    # The same screens in French.
    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    assert path_of(page).endswith("/readiness-gate/")
    _listed, heading = french_catalogue("Readiness gate")
    assert heading, "the gate heading must be translated"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("row", name="Inpatient Unit 3B")).to_contain_text("Prête")
    expect(page.get_by_role("row", name="Mobile Crisis Team")).to_contain_text("À préparer d'abord")
    visit(page, f"{base}/o/lakeshore/plan/")
    expect(page.get_by_role("heading", name="Avancement par phase")).to_be_visible()
    visit(page, f"{base}/o/lakeshore/plan/actions/{action.pk}/")
    expect(page.get_by_role("heading", name="Historique des modifications")).to_be_visible()

"""Dashboards in a real browser: a manager opens the organization dashboard and a team
dashboard, in English and in French, every page axe-checked."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from .helpers import menu_link, sign_in, submit, visit

pytestmark = pytest.mark.browser

MANAGER = "manager@lakeshore.example"


def french(msgid: str, **params) -> str:
    with translation.override("fr-ca"):
        text = translation.gettext(msgid)
    return text % params if params else text


def test_manager_reads_the_organization_and_a_team_dashboard_in_english_and_french(
    demo, live_server, page
):
    base = live_server.url
    org = demo.organization
    transition = demo.teams["transition"]
    sign_in(page, base, MANAGER, two_factor=True)
    submit(page, menu_link(page, "Dashboards"))
    submit(page, page.get_by_role("link", name=f"Organization dashboard: {org.name}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Organization dashboard: {org.name}")
    flags = page.get_by_role("region", name="Flags")
    expect(flags).to_contain_text(f"{transition.name}: ")
    expect(flags).to_contain_text("above the role definition's threshold")
    expect(flags).to_contain_text(f"{demo.teams['cmh_east'].name} has a lone peer worker")
    # Each chart has its data table.
    expect(page.get_by_role("table", name="Data for the chart").first).to_be_visible()

    # The filters work from the keyboard: choose the team, then Enter on "Show".
    page.get_by_label("Team", exact=True).select_option(
        label=f"{transition.site.name} · {transition.name}"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Show").press("Enter")
    page.a11y.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Team dashboard: {transition.name}")
    expect(page.get_by_role("region", name="Drift")).to_contain_text("Yes")

    # In French.
    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        french("Team dashboard: %(name)s", name=transition.name)
    )
    visit(page, f"{base}/o/{org.slug}/dashboards/organization/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        french("Organization dashboard: %(name)s", name=org.name)
    )
    expect(page.get_by_role("region", name=french("Flags"))).to_contain_text(
        french("Drift above threshold")
    )

"""Outcome evaluation and reports in a real browser: a manager filters the evaluation by
period, reads it in French, and asks for a PDF report; every page axe-checked."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from .helpers import menu_link, sign_in, submit

pytestmark = pytest.mark.browser

MANAGER = "manager@lakeshore.example"


def french(msgid: str) -> str:
    with translation.override("fr-ca"):
        return translation.gettext(msgid)


def test_manager_reads_outcome_evaluation_and_prepares_a_report(demo, live_server, page):
    base = live_server.url
    sign_in(page, base, MANAGER, two_factor=True)
    submit(page, menu_link(page, "Outcome evaluation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcome evaluation")

    page.get_by_label("Period").fill("2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").press("Enter")
    page.a11y.check()
    expect(page.get_by_text("Observational, not causal.")).to_be_visible()
    expect(page.get_by_role("heading", name="Change in outcome measures")).to_be_visible()
    expect(page.get_by_role("table", name="Change from intake to latest follow-up")).to_be_visible()
    expect(page.get_by_role("heading", name="Hospital readmission")).to_be_visible()

    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    expect(page.get_by_role("heading", level=1)).to_have_text(french("Outcome evaluation"))
    expect(page.get_by_text(french("Observational, not causal") + ".")).to_be_visible()

    submit(page, page.get_by_role("link", name=french("Leadership and funder reports (PDF)")))
    page.get_by_label(french("Period")).fill("2026Q3")
    submit(page, page.get_by_role("button", name=french("Prepare the report")))
    expect(page.get_by_role("link", name=french("Download PDF"))).to_be_visible()

"""The operational lists in a real browser: sort, page and filter through the address, in
English and French, every page axe-checked."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from .helpers import path_of, sign_in, submit, visit

pytestmark = pytest.mark.browser

SUPERVISOR = "supervisor1@lakeshore.example"


def french(msgid: str) -> str:
    with translation.override("fr-ca"):
        return translation.gettext(msgid)


def test_supervisor_sorts_pages_and_filters_the_lists_by_keyboard_and_in_french(
    demo, live_server, page
):
    base = live_server.url
    sign_in(page, base, SUPERVISOR, two_factor=True)
    visit(page, f"{base}/o/lakeshore/supported/?sort=code")
    table = page.get_by_role("table")
    expect(table.locator("caption")).to_contain_text("People supported")
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Code")
    # Sort by code, descending, through the heading's link.
    submit(page, table.get_by_role("link", name="Code"))
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("Code")
    assert "sort=-code" in page.url
    pages = page.get_by_role("navigation", name="Pages of People supported")
    if pages.count():
        submit(page, pages.get_by_role("link", name="Next"))
        assert "page=2" in page.url and "sort=-code" in page.url
    # A filter keeps the sort and lands in the address.
    page.get_by_label("Status").select_option(label="Receiving peer support")
    submit(page, page.get_by_role("button", name="Show"))
    assert "status=active" in page.url and "sort=-code" in page.url
    for rest in (
        "referrals/?sort=-urgency",
        "outcomes/safety/?status=all&sort=-created_at",
        "outcomes/",
        "hospital/suggestions/",
        "workforce/supervision/?overdue=on",
    ):
        visit(page, f"{base}/o/lakeshore/{rest}")
        assert path_of(page).startswith("/o/lakeshore/")
        expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    visit(page, f"{base}/o/lakeshore/supported/?sort=code")
    expect(page.get_by_role("link", name=french("Download CSV"))).to_be_visible()
    expect(page.locator("th[aria-sort='ascending']")).to_be_visible()

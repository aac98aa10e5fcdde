"""An evaluator's view of the evidence: the recommendations say which layer of evidence
ranked each strategy, and the evidence library's frameworks page maps factors to CFIR 2.0
and strategies to ERIC, in English and in French, keyboard-reachable; axe checks every
page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from peerway.core.models import Organization

from .helpers import sign_in, submit, visit

pytestmark = pytest.mark.browser

MANAGER = "manager@lakeshore.example"


def test_recommendations_name_their_layer_and_the_frameworks_page_maps_both_ways(
    demo, live_server, page
):
    base = live_server.url
    org = Organization.objects.get()
    sign_in(page, base, MANAGER, two_factor=True)

    main = page.get_by_role("main")
    submit(page, main.get_by_role("link", name="Recommendations Baseline readiness survey"))
    expect(page.get_by_role("main")).to_contain_text("Ranked by:")
    expect(
        page.get_by_role("main").locator(".badge", has_text="Peer-support evidence").first
    ).to_be_visible()

    visit(page, f"{base}/o/{org.slug}/evidence/")
    link = page.get_by_role(
        "link", name="Implementation frameworks: CFIR 2.0 constructs and ERIC strategies"
    )
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.a11y.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Implementation frameworks")
    compatibility = page.get_by_role("row", name="III.F Compatibility")
    expect(compatibility.get_by_role("link", name="Role clarity")).to_be_visible()
    champions = page.get_by_role("row", name="35 Identify and prepare champions")
    expect(
        champions.get_by_role("link", name="Recruit champions for peer support in each team")
    ).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("(unverified)")

    submit(page, compatibility.get_by_role("link", name="Role clarity"))
    expect(page.get_by_role("main")).to_contain_text("III.F Compatibility")

    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    visit(page, f"{base}/o/{org.slug}/evidence/frameworks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cadres de mise en œuvre")
    expect(page.get_by_role("row", name="35 Repérer et préparer des champions")).to_be_visible()

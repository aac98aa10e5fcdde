"""The whole service path in a browser: a clinician refers, a supervisor matches, the peer
worker accepts, logs a contact and records an outcome measure that fires the safety
workflow. Every page is axe-checked; the worker's part runs in French."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from peerway.instruments.library import current_library
from peerway.outcomes.models import SafetyTask
from peerway.support.models import Match, PeerRelationship, Referral

from .helpers import menu_link, path_of, sign_in, submit, visit

pytestmark = pytest.mark.browser

CLINICIAN = "clinician1@lakeshore.example"  # Dr. Priya Raman, Inpatient Unit 3B
SUPERVISOR = "supervisor1@lakeshore.example"  # Sam Gagnon, Harbourview
REASON = "Second admission this spring; would like to talk with someone who has been there."


def fr(msgid: str, **params) -> str:
    with translation.override("fr-ca"):
        text = translation.gettext(msgid)
    return text % params if params else text


def sign_out(page, base):
    page.context.clear_cookies()
    visit(page, f"{base}/accounts/login/")


def test_refer_match_accept_log_and_a_measure_that_fires_the_safety_workflow(
    demo, live_server, page
):
    base = live_server.url

    # 1. The clinician refers from the home page, in one short form.
    sign_in(page, base, CLINICIAN)
    submit(page, page.get_by_role("main").get_by_role("link", name="Refer someone"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer someone to peer support")
    page.get_by_label("Team").select_option(
        label="Inpatient Unit 3B (Harbourview General Hospital)"
    )
    page.get_by_label("Urgency").select_option(label="Soon (first contact within 7 days)")
    page.get_by_label("Reason for referral").fill(REASON)
    page.get_by_label("The person agreed to be contacted about peer support").check()
    submit(page, page.get_by_role("button", name="Send the referral"))
    referral = Referral.objects.order_by("-pk").first()
    code = referral.person.code
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Referral for {code}")
    expect(page.get_by_role("main")).to_contain_text("New")
    visit(page, f"{base}/")
    expect(page.get_by_role("region", name="My referrals")).to_contain_text(code)

    # 2. The supervisor proposes a match for it and approves the proposal.
    sign_out(page, base)
    sign_in(page, base, SUPERVISOR, two_factor=True)
    submit(page, menu_link(page, "Matching"))
    for box in page.locator("input[name=referral]").all():
        box.uncheck()
    page.get_by_label(f"Match {code}").check()
    submit(page, page.get_by_role("button", name="Propose matches for the ticked referrals"))
    match = Match.objects.get(referral=referral, status="proposed")
    row = page.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text(match.worker.display_name)
    expect(row).to_contain_text("works with your team")
    submit(page, row.get_by_role("button", name="Approve"))
    referral.refresh_from_db()
    assert referral.state == "offered"

    # 3. The peer worker, in French, accepts the offer from the home page.
    worker = match.worker
    sign_out(page, base)
    sign_in(page, base, worker.email)
    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    submit(page, page.get_by_role("main").get_by_role("link", name=fr("See the offers")))
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("People offered to you"))
    offer = page.get_by_role("region", name=re.compile(code))
    submit(page, offer.get_by_role("button", name=fr("Accept")))
    expect(page.get_by_role("main")).to_contain_text(
        fr("%(code)s is now in your caseload.", code=code)
    )
    assert PeerRelationship.objects.filter(person=referral.person, worker=worker).exists()

    # 4. ... logs the first contact from the caseload ...
    # The bar is named "Main" in the language shown; its links live in menus.
    expect(page.get_by_role("navigation", name=fr("Main"))).to_be_visible()
    submit(page, menu_link(page, fr("My caseload")))
    row = page.get_by_role("row").filter(has_text=code)
    submit(page, row.get_by_role("link").first)
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Log a contact"))
    page.locator("input[name=activities]").first.check()
    form_url = page.url
    # Called away before saving: the home page says a draft is waiting in this browser.
    visit(page, f"{base}/")
    expect(page.locator("#pw-drafts-hint")).to_be_visible()
    visit(page, form_url)
    expect(page.locator("input[name=activities]").first).to_be_checked()
    submit(page, page.get_by_role("button", name=fr("Save the contact")))
    assert path_of(page).endswith("/caseload/")
    referral.refresh_from_db()
    assert referral.state == "active", "logging the first contact makes the referral active"

    # 5. ... and gives the intake PHQ-9: item 9 above 0 opens a safety task at once.
    visit(page, f"{base}/o/lakeshore/outcomes/people/{referral.person.pk}/")
    submit(page, page.get_by_role("link", name=re.compile(r"PHQ-9")).first)
    for item_id in current_library()["phq9"].item_ids:
        value = 1 if item_id == "phq9_9" else 0
        page.locator(f"#q-{item_id} input[value='{value}']").check()
    before = SafetyTask.objects.count()
    submit(page, page.get_by_role("button", name=fr("Save and score")))
    assert SafetyTask.objects.count() == before + 1
    task = SafetyTask.objects.order_by("-pk").first()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Safety task"))
    assert {a.reason for a in task.assignments.all()} == {"worker", "supervisor"}

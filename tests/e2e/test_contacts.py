"""Contact logging in a real browser: from the caseload, a draft that survives a reload,
axe-checked in English and French."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from peerway.core.models import User
from peerway.support.models import Contact

from .helpers import menu_link, path_of, sign_in, submit, visit

pytestmark = pytest.mark.browser

PEER = "peer1@lakeshore.example"  # Jordan Lee, Inpatient Unit 3B
NOTE = "Walked to the hospital garden; talked about the first week home."


def french(msgid: str) -> str:
    with translation.override("fr-ca"):
        return translation.gettext(msgid)


def switch_to_french(page) -> None:
    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    assert page.locator("html").get_attribute("lang") == "fr-CA"


def test_peer_logs_a_contact_from_the_caseload_and_the_draft_survives_a_reload(
    demo, live_server, page
):
    base = live_server.url
    jordan = User.objects.get(email=PEER)
    before = Contact.objects.filter(worker=jordan).count()
    sign_in(page, base, PEER)
    submit(page, menu_link(page, "My caseload"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")

    submit(page, page.get_by_role("link", name=re.compile(r"^Log contact with ")).first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a contact")
    form_url = page.url
    # Sensible defaults: 30 minutes, the person already ticked.
    expect(page.get_by_label("Minutes", exact=True)).to_have_value("30")
    page.get_by_label("Minutes", exact=True).fill("45")
    page.get_by_label("Coping and problem-solving skills").check()
    page.get_by_label("Hope and optimism").check()
    page.get_by_label("Note", exact=True).fill(NOTE)

    # The connection drops; the worker reloads: the draft comes back.
    visit(page, form_url)
    status = page.get_by_role("status")
    expect(status).to_contain_text("A draft you had not saved was restored.")
    expect(page.get_by_label("Minutes", exact=True)).to_have_value("45")
    expect(page.get_by_label("Coping and problem-solving skills")).to_be_checked()
    expect(page.get_by_label("Note", exact=True)).to_have_value(NOTE)

    submit(page, page.get_by_role("button", name="Save the contact"))
    assert path_of(page) == "/o/lakeshore/caseload/"
    expect(page.get_by_role("main")).to_contain_text("Contact saved.")
    assert Contact.objects.filter(worker=jordan).count() == before + 1
    contact = Contact.objects.filter(worker=jordan).order_by("-pk").first()
    assert contact.duration_minutes == 45 and contact.note == NOTE
    assert "coping_skills" in contact.activities and contact.chime == ["hope"]

    # The saved draft is gone: the form opens fresh.
    visit(page, form_url)
    expect(page.get_by_label("Minutes", exact=True)).to_have_value("30")
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    expect(page.locator("#pw-draft-status")).to_be_hidden()

    # The same form in French.
    switch_to_french(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(french("Log a contact"))
    expect(page.get_by_text(french("Outside the peer role (counts toward drift)"))).to_be_visible()

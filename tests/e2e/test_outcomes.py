"""Outcome measures in a real browser: a peer worker records a PHQ-9 whose item 9 fires the
safety workflow, in English and in French, every page axe-checked."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from peerway.core.models import User
from peerway.instruments.library import current_library
from peerway.outcomes.models import SafetyTask
from peerway.support.models import PeerRelationship, PersonStatus

from .helpers import path_of, sign_in, submit, visit

pytestmark = pytest.mark.browser

PEER = "peer1@lakeshore.example"


def french(msgid: str, **params) -> str:
    with translation.override("fr-ca"):
        text = translation.gettext(msgid)
    return text % params if params else text


def switch_to_french(page) -> None:
    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    assert page.locator("html").get_attribute("lang") == "fr-CA"


def caseload(worker):
    return [
        r.person
        for r in PeerRelationship.objects.filter(
            worker=worker, ended_on__isnull=True, person__status=PersonStatus.ACTIVE
        ).select_related("person")
    ]


def answer_phq9(page, item9: int) -> None:
    for item_id in current_library()["phq9"].item_ids:
        value = item9 if item_id == "phq9_9" else 0
        page.locator(f"#q-{item_id} input[value='{value}']").check()


def test_worker_records_phq9_and_the_safety_task_appears(demo, live_server, page):
    base = live_server.url
    worker = User.objects.get(email=PEER)
    first, second = caseload(worker)[:2]
    sign_in(page, base, PEER)

    # English: the 12-month PHQ-9, given early, from the person's outcome page.
    visit(page, f"{base}/o/lakeshore/outcomes/people/{first.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first.code)
    submit(page, page.get_by_role("link", name=re.compile(r"PHQ-9\).*12 months")))
    # Sending it half answered lists what is missing at the top.
    submit(page, page.get_by_role("button", name="Save and score"))
    expect(page.locator("#error-summary")).to_contain_text("Question 1: choose an answer.")
    answer_phq9(page, item9=1)
    before = SafetyTask.objects.count()
    submit(page, page.get_by_role("button", name="Save and score"))
    assert SafetyTask.objects.count() == before + 1
    task = SafetyTask.objects.order_by("-pk").first()
    assert path_of(page) == f"/o/lakeshore/outcomes/safety/{task.pk}/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety task")
    expect(page.get_by_role("region", name="Your organization's safety protocol")).to_contain_text(
        "local safety protocol"
    )
    assigned = {a.reason for a in task.assignments.all()}
    assert assigned == {"worker", "supervisor"}
    submit(page, page.get_by_role("button", name="Acknowledge"))
    expect(page.get_by_role("main")).to_contain_text("You acknowledged the safety task.")

    # The home page lists it.
    visit(page, f"{base}/")
    expect(page.get_by_role("region", name="Outcome measures and safety")).to_be_visible()
    expect(page.locator(f"a[href='/o/lakeshore/outcomes/safety/{task.pk}/']")).to_be_visible()

    # French: the same journey for another person.
    switch_to_french(page)
    visit(page, f"{base}/o/lakeshore/outcomes/people/{second.pk}/")
    twelve = french("%(n)s months", n=12)
    submit(page, page.get_by_role("link", name=re.compile(rf"PHQ-9\).*{twelve}")))
    expect(page.locator("#q-phq9_1")).to_contain_text("Peu d'intérêt ou de plaisir")
    answer_phq9(page, item9=2)
    submit(page, page.get_by_role("button", name=french("Save and score")))
    expect(page.get_by_role("heading", level=1)).to_have_text(french("Safety task"))
    expect(page.get_by_role("main")).to_contain_text("protocole de sécurité local")
    assert SafetyTask.objects.count() == before + 2


def test_person_answers_on_their_own_device_and_the_task_is_created(
    demo, live_server, page, open_page
):
    base = live_server.url
    worker = User.objects.get(email=PEER)
    # Someone whose preferred language is English: the page opens in that language.
    person = [p for p in caseload(worker) if p.language == "en"][0]
    sign_in(page, base, PEER)
    visit(page, f"{base}/o/lakeshore/outcomes/people/{person.pk}/")
    submit(page, page.get_by_role("button", name=re.compile(r"One-time link · .*PHQ-9.*12 months")))
    url = page.get_by_label("Link").input_value()
    assert "/m/" in url
    # Copy to the clipboard (a local script under the CSP) and a QR code of the same link.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.get_by_role("button", name="Copy the link").click()
    expect(page.locator("#copy-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == url
    expect(page.get_by_role("img", name="QR code of the one-time link")).to_be_visible()

    visitor = open_page()  # the person's own phone: no account, own cookies
    visit(visitor, url)
    main = visitor.get_by_role("main")
    expect(main).not_to_contain_text(person.code)
    expect(main).to_contain_text("A questionnaire from your peer support service")
    answer_phq9(visitor, item9=1)
    before = SafetyTask.objects.count()
    submit(visitor, visitor.get_by_role("button", name="Send my answers"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(visitor.get_by_role("region", name="If you need help now")).to_contain_text("988")
    assert SafetyTask.objects.count() == before + 1

    # The link works once.
    visit(visitor, url)
    expect(visitor.get_by_role("main")).to_contain_text("already used")

"""A risk concern reaches a person in time, in a real browser, axe-checked, in English and
French: a peer worker records a self-harm concern; the supervisor sees the urgent task on
their home at once; nobody acknowledges it, so after its deadline it escalates to the
manager; the manager acknowledges it and closes it with an outcome and a debrief."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation
from playwright.sync_api import expect

from peerway.core.models import User
from peerway.outcomes import services as outcomes
from peerway.outcomes.models import SafetyTask
from peerway.recovery import selectors
from peerway.support.models import PeerRelationship

from .helpers import menu_link, sign_in, submit, visit

pytestmark = pytest.mark.browser

PEER = "peer1@lakeshore.example"
MANAGER = "manager@lakeshore.example"
WHAT = "Said they have been thinking about ending their life this week"


def french(msgid: str, **params) -> str:
    with translation.override("fr-ca"):
        text = translation.gettext(msgid)
    return text % params if params else text


def switch_to_french(page) -> None:
    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    assert page.locator("html").get_attribute("lang") == "fr-CA"


def test_a_self_harm_concern_reaches_the_supervisor_escalates_and_is_closed_with_a_debrief(
    demo, live_server, open_page
):
    base = live_server.url
    slug = demo.organization.slug
    worker = User.objects.get(email=PEER)
    # Someone the demo has not already given a safety task (it seeds two on the most
    # recent PHQ-9s), so the new task is the only one of its kind on the homes below.
    person = (
        PeerRelationship.objects.filter(worker=worker, ended_on__isnull=True)
        .exclude(person__in=SafetyTask.objects.values("person"))
        .select_related("person")
        .order_by("pk")
        .first()
        .person
    )
    supervisor = User.objects.filter(
        pk__in=selectors.supervisor_ids_of(worker, demo.organization)
    ).first()
    assert supervisor is not None, "the demo gives peer1 a supervisor"

    # The peer worker records the concern: the date is already today, four answers only.
    page = open_page()
    sign_in(page, base, PEER)
    submit(page, menu_link(page, "Boundary and risk events"))
    submit(page, page.get_by_role("link", name=re.compile(rf"^risk concern\W+{person.code}$")))
    expect(page.get_by_label("Date")).to_have_value(timezone.localdate().isoformat())
    expect(page.get_by_label("Outcome (optional)")).to_have_count(0)
    page.get_by_label("Type of concern").select_option(label="Self-harm or suicide")
    page.get_by_label("What is happening").fill(WHAT)
    page.get_by_label("Immediate response").select_option(
        label="Relational (within the peer relationship)"
    )
    submit(page, page.get_by_role("button", name="Record"))
    # Straight to the task, with the protocol to follow now.
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety task")
    expect(page.get_by_role("main")).to_contain_text("Type of risk: Self-harm or suicide")
    expect(page.get_by_role("heading", name="Your organization's safety protocol")).to_be_visible()
    task = SafetyTask.objects.get(person=person, source="risk_concern", risk_type="self_harm")
    assert task.status == "open" and supervisor in task.assignees.all()

    # The supervisor sees the urgent task on their home at once.
    page = open_page()
    sign_in(page, base, supervisor.email, two_factor=True)
    home = page.get_by_role("region", name="Outcome measures and safety")
    link = home.get_by_role("link", name=re.compile(rf"Self-harm or suicide · {person.code}"))
    expect(link).to_be_visible()
    expect(home).to_contain_text("acknowledge by")

    # Nobody acknowledges it: an hour later the escalation (run from cron) reaches the
    # manager, whose home flags it until someone acknowledges it.
    with time_machine.travel(task.due_at + timedelta(minutes=2)):
        assert outcomes.escalate_overdue_tasks() == 1
        assert outcomes.escalate_overdue_tasks() == 0
        page = open_page()
        sign_in(page, base, MANAGER, two_factor=True)
        home = page.get_by_role("region", name="Outcome measures and safety")
        expect(home).to_contain_text("1 safety task was not acknowledged in time.")
        row = home.get_by_role("listitem").filter(has_text=person.code).filter(has_text="Self-harm")
        expect(row).to_contain_text("Escalated")
        expect(row).to_contain_text("Overdue")
        submit(page, row.get_by_role("link"))
        expect(page.get_by_role("main")).to_contain_text("Escalation: site manager")
        submit(page, page.get_by_role("button", name="Acknowledge"))
        expect(page.get_by_role("main")).to_contain_text("You acknowledged the safety task.")

        # Closing needs the outcome and, for self-harm, the debrief.
        submit(page, page.get_by_role("link", name="Close with an outcome"))
        page.get_by_label("What was done").select_option(label="Clinical team involved")
        submit(page, page.get_by_role("button", name="Close the task"))
        expect(page.get_by_role("alert")).to_contain_text("Say who took part in the debrief.")
        page.get_by_label("Who took part in the debrief *").fill("Jordan and Sam")
        page.get_by_label("Debrief notes (stored encrypted) *").fill("What helped, what next")
        submit(page, page.get_by_role("button", name="Close the task"))
        expect(page.get_by_role("main")).to_contain_text("The safety task is closed.")
        task.refresh_from_db()
        assert task.status == "closed" and task.escalated_at is not None
        assert task.debrief_with == "Jordan and Sam"

        # The safety queue, filtered, then the same pages in French.
        submit(page, menu_link(page, "Safety queue"))
        page.get_by_label("Status").select_option(label="Closed")
        page.get_by_label("Type of risk").select_option(label="Self-harm or suicide")
        submit(page, page.get_by_role("button", name="Filter"))
        assert "status=closed" in page.url and "risk_type=self_harm" in page.url
        expect(page.get_by_role("main")).to_contain_text(person.code)

        switch_to_french(page)
        visit(page, f"{base}/o/{slug}/outcomes/safety/{task.pk}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(french("Safety task"))
        expect(page.get_by_role("main")).to_contain_text(french("Escalation: site manager"))
        visit(page, f"{base}/o/{slug}/outcomes/safety/?status=all")
        expect(page.get_by_role("heading", level=1)).to_have_text(french("Safety queue"))

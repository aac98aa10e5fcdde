"""Recovery plan journey in a real browser, axe-checked, in English and French: a peer
worker starts a plan with the person, adds a goal and a step, marks it done and prints."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from peerway.core.models import User
from peerway.recovery.models import Goal, GoalStep, RecoveryPlan
from peerway.support.models import PeerRelationship

from .helpers import menu_link, sign_in, submit, visit

pytestmark = pytest.mark.browser

PEER = "peer1@lakeshore.example"
GOAL = "Cook a meal for my friends once a month"
STEP = "Choose a recipe I like"


def french(msgid: str, **params) -> str:
    with translation.override("fr-ca"):
        text = translation.gettext(msgid)
    return text % params if params else text


def switch_to_french(page) -> None:
    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    assert page.locator("html").get_attribute("lang") == "fr-CA"


def test_peer_worker_writes_and_prints_a_recovery_plan(demo, live_server, page):
    base = live_server.url
    slug = demo.organization.slug
    worker = User.objects.get(email=PEER)
    relationship = (
        PeerRelationship.objects.filter(
            worker=worker, ended_on__isnull=True, person__recovery_plan__isnull=True
        )
        .select_related("person")
        .first()
    )
    assert relationship is not None, "the demo gives peer1 a caseload"
    person = relationship.person

    sign_in(page, base, PEER)
    submit(page, menu_link(page, "Recovery plans"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery plans")
    submit(page, page.get_by_role("link", name=person.code))
    expect(page.get_by_role("heading", level=1)).to_contain_text(person.code)

    page.get_by_label("Co-produced with the person").check()
    submit(page, page.get_by_role("button", name="Start the recovery plan"))
    submit(page, page.get_by_role("link", name="Add a goal"))
    # An empty goal is refused by name, and nothing is saved.
    submit(page, page.get_by_role("button", name="Save the goal"))
    expect(page.get_by_role("alert")).to_contain_text("Write the goal.")
    page.get_by_label("Goal, in the person's own words").fill(GOAL)
    page.get_by_label("CHIME domain").select_option(label="Connectedness")
    submit(page, page.get_by_role("button", name="Save the goal"))
    expect(page.get_by_role("heading", name=GOAL)).to_be_visible()

    page.get_by_label("Next step").fill(STEP)
    submit(page, page.get_by_role("button", name="Add the step"))
    submit(page, page.get_by_role("button", name=re.compile(rf"^Not done\W+{STEP}$")))
    expect(page.get_by_role("button", name=re.compile(rf"^Done\W+{STEP}$"))).to_have_attribute(
        "aria-pressed", "true"
    )
    plan = RecoveryPlan.objects.get(person=person)
    assert plan.co_produced
    assert Goal.objects.get(plan=plan).domain == "connectedness"
    assert GoalStep.objects.get(goal__plan=plan).done

    submit(page, page.get_by_role("link", name="Printable plan"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My recovery plan")
    main = page.get_by_role("main")
    expect(main).to_contain_text(GOAL)
    expect(main).to_contain_text(STEP)
    expect(main).to_contain_text("Written together")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert page.get_by_role("button", name="Add the step").count() == 0

    # The same pages in French.
    switch_to_french(page)
    visit(page, f"{base}/o/{slug}/recovery/people/{person.pk}/plan/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        french("Recovery plan of %(code)s", code=person.code)
    )
    submit(page, page.get_by_role("link", name=french("Printable plan")))
    expect(page.get_by_role("heading", level=1)).to_have_text(french("My recovery plan"))
    expect(page.get_by_role("main")).to_contain_text(GOAL)
    expect(page.get_by_role("button", name=french("Print"))).to_be_visible()


def test_worker_records_a_risk_concern_and_the_supervisor_reviews_it(demo, live_server, open_page):
    from peerway.recovery import selectors
    from peerway.recovery.models import SafetyEvent

    base = live_server.url
    slug = demo.organization.slug
    worker = User.objects.get(email=PEER)
    person = (
        PeerRelationship.objects.filter(worker=worker, ended_on__isnull=True)
        .select_related("person")
        .first()
        .person
    )
    supervisor = User.objects.filter(
        pk__in=selectors.supervisor_ids_of(worker, demo.organization)
    ).first()
    assert supervisor is not None, "the demo gives peer1 a supervisor"

    page = open_page()
    sign_in(page, base, PEER)
    submit(page, menu_link(page, "Boundary and risk events"))
    submit(page, page.get_by_role("link", name=re.compile(rf"^risk concern\W+{person.code}$")))
    expect(page.get_by_label("Date")).to_have_value(timezone.localdate().isoformat())
    page.get_by_label("Type of concern").select_option(label="Safety at home")
    page.get_by_label("What is happening").fill("Worried about going home tonight")
    submit(page, page.get_by_role("button", name="Record"))
    # the immediate response is required, and named
    expect(page.get_by_role("alert")).to_contain_text("Immediate response")
    page.get_by_label("Immediate response").select_option(label="Joint with a clinician")
    submit(page, page.get_by_role("button", name="Record"))
    # a safety task is raised at once; the concern also waits for supervision
    expect(page.get_by_role("main")).to_contain_text("A safety task was created")
    event = SafetyEvent.objects.get(worker=worker, risk_type="safety_at_home")
    assert event.response_path == "joint" and not event.reviewed

    page = open_page()
    sign_in(page, base, supervisor.email, two_factor=True)
    queue = page.get_by_role("region", name="To review in supervision")
    submit(page, queue.get_by_role("link", name=re.compile("Safety at home")))
    expect(page.get_by_role("main")).to_contain_text("Worried about going home tonight")
    submit(page, page.get_by_role("button", name="Mark as reviewed", exact=True))
    expect(page.get_by_role("main")).to_contain_text("Marked as reviewed in supervision")
    event.refresh_from_db()
    assert event.reviewed_by == supervisor

    switch_to_french(page)
    visit(page, f"{base}/o/{slug}/recovery/events/{event.pk}/")
    expect(page.get_by_role("main")).to_contain_text(french("Joint with a clinician"))
    visit(page, f"{base}/o/{slug}/recovery/events/")
    expect(page.get_by_role("heading", level=1)).to_have_text(french("Boundary and risk events"))

"""Workforce journeys in a real browser, axe-checked, in English and French."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from peerway.core.models import User
from peerway.instruments.library import current_library
from peerway.workforce import selectors
from peerway.workforce.models import SupervisionSession, WellbeingCheckIn

from .helpers import menu_link, path_of, sign_in, submit, visit

pytestmark = pytest.mark.browser

PEER = "peer1@lakeshore.example"  # Jordan Lee, Inpatient Unit 3B
SUPERVISOR = "supervisor1@lakeshore.example"  # Sam Gagnon
MANAGER = "manager@lakeshore.example"


def french(msgid: str, **params) -> str:
    with translation.override("fr-ca"):
        text = translation.gettext(msgid)
    return text % params if params else text


def switch_to_french(page) -> None:
    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    assert page.locator("html").get_attribute("lang") == "fr-CA"


def test_peer_worker_sets_disclosure_and_completes_a_check_in(demo, live_server, page):
    base = live_server.url
    sign_in(page, base, PEER)
    submit(page, menu_link(page, "My profile"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Lee")

    submit(page, page.get_by_role("link", name="What I share about myself"))
    page.get_by_label("Substance use").check()
    page.get_by_label("Who may see: Lived experience").select_option(label="Shared with my team")
    page.get_by_label("Gender", exact=True).select_option(label="Man")
    page.get_by_label("Who may see: Gender").select_option(
        label="Matching only: used to suggest matches, never shown"
    )
    submit(page, page.get_by_role("button", name="Save my choices"))
    expect(page.get_by_role("main")).to_contain_text("Your choices were saved")
    about = page.get_by_role("region", name="About me")
    expect(about).to_contain_text("Mental health, Substance use")
    expect(about).to_contain_text("Matching only")

    jordan = User.objects.get(email=PEER)
    worker = selectors.load_worker(jordan, demo.organization)
    assert selectors.attributes_for_matching(worker)["gender"] == "man"

    # The check-in, from "My wellbeing".
    submit(page, page.get_by_role("main").get_by_role("link", name="My wellbeing").first)
    submit(page, page.get_by_role("link", name="Start a check-in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Wellbeing check-in")
    # Sending it half answered names what is missing.
    submit(page, page.get_by_role("button", name="Send my check-in"))
    expect(page.get_by_role("alert")).to_contain_text("Question 1: choose an answer.")
    for item_id in current_library()["cbi"].item_ids:
        page.locator(f"#q-{item_id} input[type=radio]").nth(3).check()
    page.get_by_label("Satisfied", exact=True).check()
    before = WellbeingCheckIn.objects.filter(worker=jordan).count()
    submit(page, page.get_by_role("button", name="Send my check-in"))
    assert path_of(page) == "/o/lakeshore/workforce/me/wellbeing/"
    assert WellbeingCheckIn.objects.filter(worker=jordan).count() == before + 1
    table = page.get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(before + 1)
    expect(table.locator("tbody tr").last).to_contain_text(timezone.localdate().isoformat())

    # The same page in French.
    switch_to_french(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(french("My wellbeing"))
    expect(page.get_by_role("link", name=french("Start a check-in"))).to_be_visible()


def test_supervisor_logs_supervision_for_an_overdue_supervisee(demo, live_server, page):
    base = live_server.url
    sign_in(page, base, SUPERVISOR, two_factor=True)
    supervision = page.get_by_role("region", name="Supervision", exact=True)
    expect(supervision).to_contain_text("1 supervisee is overdue for supervision.")
    submit(page, supervision.get_by_role("link", name="Robin Cote", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a supervision session")
    page.get_by_label("Type").select_option(label="Peer practice")
    page.get_by_label("Date").fill(timezone.localdate().isoformat())
    page.get_by_label("Duration (minutes)").fill("45")
    page.get_by_label("Boundaries").check()
    page.get_by_label("Wellbeing").check()
    page.get_by_label("Notes").fill("Talked through a hard goodbye with a long-time client.")
    submit(page, page.get_by_role("button", name="Log the session"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin Cote")
    robin = User.objects.get(email="peer5@lakeshore.example")
    session = SupervisionSession.objects.filter(worker=robin).first()
    assert session.date == timezone.localdate() and session.duration_minutes == 45
    assert session.topics == ["boundaries", "wellbeing"]
    recent = page.get_by_role("table", name="Recent supervision sessions")
    expect(recent.locator("tbody tr").first).to_contain_text("Boundaries, Wellbeing")
    status = selectors.supervision_status(selectors.load_worker(robin, demo.organization))
    assert not status.overdue

    # The supervisor reads the notes; the overview in French.
    submit(page, recent.get_by_role("link", name=timezone.localdate().isoformat()))
    expect(page.get_by_role("main")).to_contain_text("a hard goodbye")
    visit(page, f"{base}/o/lakeshore/workforce/supervision/")
    switch_to_french(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(french("Supervision overview"))


def test_manager_views_training_compliance_per_team(demo, live_server, page):
    base = live_server.url
    sign_in(page, base, MANAGER, two_factor=True)
    expect(page.get_by_role("region", name="Peer workforce")).to_contain_text(
        "teams have a lone peer worker"
    )
    submit(page, menu_link(page, "Peer workforce"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Peer workforce")
    submit(
        page,
        page.get_by_role("link", name="Training compliance Community Mental Health East"),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Training compliance: Community Mental Health East"
    )
    main = page.get_by_role("main")
    expect(main).to_contain_text("Peer workers with a certification in force: 0 of 1.")
    row = page.get_by_role("row").filter(has_text="Robin Cote")
    expect(row).to_contain_text("Needs attention")
    expect(row).to_contain_text("Certified Peer Supporter")

    switch_to_french(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        french("Training compliance: %(team)s", team="Community Mental Health East")
    )
    expect(page.get_by_role("row").filter(has_text="Robin Cote")).to_contain_text(
        french("Needs attention")
    )

"""User journeys through a real browser, with an axe accessibility check on every page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from peerway.core.models import Invitation, Team, User
from peerway.core.roles import Role

from .helpers import PO_FILE, french_catalogue, menu_link, path_of, sign_in, submit, visit

pytestmark = pytest.mark.browser

MANAGER = "manager@lakeshore.example"
PEER = "peer1@lakeshore.example"


def test_manager_signs_in_with_two_factor_invites_a_user_and_switches_to_french(
    demo, live_server, page, open_page
):
    base = live_server.url
    visit(page, f"{base}/")
    assert path_of(page) == "/accounts/login/", "an anonymous visitor must be sent to sign in"
    sign_in(page, base, MANAGER, two_factor=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Morgan Tremblay")

    submit(
        page,
        menu_link(page, "People and access"),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("People and access")
    submit(page, page.get_by_role("main").get_by_role("link", name="Invite someone"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone")

    page.get_by_label("Name").fill("Robin Newcomer")
    page.get_by_label("E-mail address").fill("robin@lakeshore.example")
    page.get_by_label("Role").select_option(label=str(Role.PEER_WORKER.label))
    page.get_by_label("Where").select_option(
        label="Team: Mobile Crisis Team (Harbourview General Hospital)"
    )
    submit(page, page.get_by_role("button", name="Create the invitation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation created")
    link = page.get_by_label("Invitation link").input_value()
    assert urlsplit(link).netloc == urlsplit(base).netloc and "/invite/" in link
    invitation = Invitation.objects.get(email="robin@lakeshore.example")
    assert invitation.role == Role.PEER_WORKER
    assert invitation.team.name == "Mobile Crisis Team"

    # The invited person opens the link in their own, anonymous browser.
    newcomer = open_page()
    visit(newcomer, link)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Create your account")
    newcomer.get_by_label("Choose a password").fill("a long harbour breeze 2026")
    newcomer.get_by_label("Type the password again").fill("a long harbour breeze 2026")
    submit(newcomer, newcomer.get_by_role("button", name="Create my account"))
    assert path_of(newcomer) == "/"
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Welcome, Robin Newcomer")
    expect(newcomer.get_by_role("main")).to_contain_text("Mobile Crisis Team")
    assert User.objects.get(email="robin@lakeshore.example").memberships.get().role == (
        Role.PEER_WORKER
    )

    # Back as the manager: switch the interface to French.
    visit(page, f"{base}/")
    english_heading = page.get_by_role("heading", level=1).inner_text()
    assert page.locator("html").get_attribute("lang") == "en-CA"
    page.get_by_label("Language").select_option(label="Français")
    response = submit(page, page.get_by_role("button", name="Change"))
    assert path_of(page) == "/", "changing the language must stay on the same page"
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert response is not None
    assert response.headers.get("content-language", "").lower() == "fr-ca"
    expect(page.locator("#pw-language")).to_have_value("fr-ca")
    listed, french = french_catalogue("Welcome, %(name)s")
    if PO_FILE.exists():
        assert listed, f"the home heading is missing from {PO_FILE}: run make messages"
    if french is not None:
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(french % {"name": "Morgan Tremblay"})
        assert heading.inner_text() != english_heading


def test_peer_worker_sees_only_their_team_and_no_admin_links(demo, live_server, page):
    base = live_server.url
    sign_in(page, base, PEER)
    main = page.get_by_role("main")
    for label in ("People and access", "Security settings", "Audit trail", "Invite someone"):
        expect(page.get_by_role("link", name=label)).to_have_count(0)
    expect(main.get_by_role("heading", name="My peer support")).to_be_visible()
    own_team = Team.objects.get(name="Inpatient Unit 3B")
    expect(main.get_by_role("link", name=own_team.name)).to_be_visible()
    expect(main.get_by_role("link", name="Mobile Crisis Team")).to_have_count(0)

    response = visit(page, f"{base}/teams/{own_team.pk}/")
    assert response is not None and response.status == 200
    expect(page.get_by_role("main")).to_contain_text("Casey Martin")  # a team colleague

    other_team = Team.objects.get(name="Mobile Crisis Team")
    response = visit(page, f"{base}/teams/{other_team.pk}/")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text("Chris Lavoie")  # its clinician

    response = visit(page, f"{base}/o/lakeshore/people/")
    assert response is not None and response.status == 403


@pytest.mark.engine_independent  # the page's landmarks and focus: run once (decision 38)
def test_keyboard_user_can_skip_to_main_content(demo, live_server, page):
    visit(page, f"{live_server.url}/accounts/login/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({href: document.activeElement.getAttribute('href'),"
        " text: document.activeElement.textContent.trim()})"
    )
    assert focused == {"href": "#main", "text": "Skip to main content"}
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_visible()  # shown once focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # Tabbing on continues inside the main content: the first field of the sign-in form.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email", exact=True)).to_be_focused()


@pytest.mark.engine_independent  # what the pages load: run once (decision 38)
def test_pages_make_no_external_requests(demo, live_server, page):
    base = live_server.url
    server = urlsplit(base)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    sign_in(page, base, MANAGER, two_factor=True)
    team = Team.objects.get(name="Inpatient Unit 3B")
    for path in (
        "/o/lakeshore/",
        f"/teams/{team.pk}/",
        "/o/lakeshore/people/",
        "/o/lakeshore/people/invite/",
        "/o/lakeshore/settings/security/",
        "/accounts/2fa/",
    ):
        response = visit(page, f"{base}{path}")
        assert response is not None and response.status == 200, path

    # Sub-resources are recorded too (so is anything axe, injected on every page, might load).
    assert any("/static/" in url for url in requests), requests
    outside = [
        url
        for url in requests
        if urlsplit(url).scheme not in {"data", "blob"}
        and (urlsplit(url).scheme, urlsplit(url).netloc) != (server.scheme, server.netloc)
    ]
    assert not outside, f"requests left the server: {outside}"
    assert not console_errors, f"the browser reported errors (CSP?): {console_errors}"

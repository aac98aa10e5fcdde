"""A POST form in a real browser: once sent, its button is disabled (and says so), a
second click sends nothing, and the button comes back when the page is shown again."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.contacts.conftest import person

from .helpers import visit

BUTTON = "document.querySelector('form[data-peerway-draft] button[type=submit]')"
# The page's script holding a button, whatever the database: run once (decision 38).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.engine_independent,
]


def signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_a_sent_form_holds_its_button_until_the_page_is_shown_again(world, live_server, page):
    from peerway.support.models import PeerRelationship

    ana = person(world, world.team_a, "P-ANA2345")
    PeerRelationship.objects.create(person=ana, worker=world.peer_a)
    signed_in(page, live_server, world.peer_a)
    visit(page, f"{live_server.url}/o/northwind/contacts/log/{world.team_a.pk}/?person={ana.pk}")
    page.get_by_label("Coping and problem-solving skills").check()
    posts = []

    def answer(route):
        # Every POST is counted and answered "204 No Content": the browser stays on the
        # form (as while a slow server works), with nothing saved.
        if route.request.method == "POST":
            posts.append(route.request.url)
            route.fulfill(status=204)
        else:
            route.continue_()

    page.route("**/contacts/log/**", answer)
    # Wait for the form's POST to leave the page (the button is disabled before it does).
    with page.expect_request(lambda request: request.method == "POST"):
        page.get_by_role("button", name="Save the contact").click()
    assert page.evaluate(f"[{BUTTON}.disabled, {BUTTON}.getAttribute('aria-disabled')]") == [
        True,
        "true",
    ]
    # A second, impatient send (Enter in a field submits even with the button disabled).
    page.evaluate("document.querySelector('form[data-peerway-draft]').requestSubmit()")
    page.wait_for_timeout(500)
    assert len(posts) == 1
    # Shown again (as after the Back button): the button is usable.
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    assert page.evaluate(f"{BUTTON}.disabled") is False

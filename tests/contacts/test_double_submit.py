"""A create form sent twice (a double click, a replayed request) creates one record: the
form carries a one-time token, and the second send goes where the first one went. Every
page loads the script that disables a form's buttons once it is sent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from peerway.core.models import AuditEvent, Submission, User
from peerway.support.models import Contact, Referral
from tests.concurrency import at_once

from .test_pages import contact_url, form_data, log_url

TOKEN = re.compile(r'name="submission_token" value="([A-Za-z0-9_-]+)"')


def token_on(page) -> str:
    found = TOKEN.findall(page.content.decode())
    assert len(found) == 1, "the form carries one token"
    return found[0]


def test_a_contact_form_sent_twice_logs_one_contact_and_both_lead_to_it(world, service, login):
    client = login(world.peer_a)
    token = token_on(client.get(log_url(world.team_a, service.ana)))
    data = form_data([service.ana], submission_token=token)
    first = client.post(log_url(world.team_a, service.ana), data)
    second = client.post(log_url(world.team_a, service.ana), data)
    contact = Contact.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] and f"logged={contact.pk}" in first["Location"]
    assert AuditEvent.objects.filter(action="contacts.contact_logged").count() == 1
    page = client.get(second["Location"]).content.decode()
    assert "already sent; nothing was saved twice" in page


def post(client, team, person, **overrides):
    return client.post(log_url(team, person), form_data([person], **overrides))


def test_each_opening_of_the_form_gets_its_own_token(world, service, login):
    client = login(world.peer_a)
    first = token_on(client.get(log_url(world.team_a, service.ana)))
    assert token_on(client.get(log_url(world.team_a, service.ana))) != first
    post(client, world.team_a, service.ana, submission_token=first)
    second = token_on(client.get(log_url(world.team_a, service.ana)))
    post(client, world.team_a, service.ana, submission_token=second)
    assert Contact.objects.count() == 2


def test_a_form_sent_back_with_errors_keeps_its_token_and_can_then_be_sent(world, service, login):
    client = login(world.peer_a)
    token = token_on(client.get(log_url(world.team_a, service.ana)))
    bad = client.post(
        log_url(world.team_a, service.ana),
        form_data([service.ana], duration_minutes="0", submission_token=token),
    )
    assert bad.status_code == 200 and token_on(bad) == token
    assert not Submission.objects.exists()  # released: nothing was created
    good = client.post(
        log_url(world.team_a, service.ana), form_data([service.ana], submission_token=token)
    )
    assert good.status_code == 302 and Contact.objects.count() == 1


def test_a_token_is_one_users_own(world, service, login):
    """Another user sending the same token logs their own contact: they are never sent
    to the first user's record."""
    client = login(world.peer_a)
    token = token_on(client.get(log_url(world.team_a, service.ana)))
    first = post(client, world.team_a, service.ana, submission_token=token)
    other = Client()
    other.force_login(world.peer_b)
    second = post(other, world.team_b, service.cy, submission_token=token)
    assert second.status_code == 302 and second["Location"] != first["Location"]
    assert Contact.objects.count() == 2


def test_the_edit_form_has_no_token_and_a_second_delete_finds_nothing(world, service, login):
    client = login(world.peer_a)
    post(client, world.team_a, service.ana)
    contact = Contact.objects.get()
    assert not TOKEN.search(client.get(contact_url(contact, "edit")).content.decode())
    assert client.post(contact_url(contact, "delete")).status_code == 302
    assert client.post(contact_url(contact, "delete")).status_code == 404  # gone
    assert AuditEvent.objects.filter(action="contacts.contact_deleted").count() == 1


def test_every_page_loads_the_script_that_holds_a_sent_form(world, service, login):
    page = login(world.peer_a).get(log_url(world.team_a, service.ana)).content.decode()
    assert re.search(r'<script src="[^"]*peerway/forms\.js" defer></script>', page)
    from django.contrib.staticfiles import finders

    script = Path(finders.find("peerway/forms.js")).read_text(encoding="utf-8")
    assert 'addEventListener("submit"' in script and "pageshow" in script


def test_a_referral_sent_twice_creates_one_referral(world, login):
    client = login(world.clinician)
    url = "/o/northwind/refer/"
    token = token_on(client.get(url))
    data = {
        "team": str(world.team_a.pk),
        "source": "clinician",
        "urgency": "routine",
        "reason": "Asks for someone who has been there.",
        "language": "en",
        "consent_given": "on",
        "submission_token": token,
    }
    first = client.post(url, data)
    second = client.post(url, data)
    referral = Referral.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/o/northwind/referrals/{referral.pk}/"
    assert AuditEvent.objects.filter(action="support.referral_created").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_contact_form_sent_twice_at_the_same_moment_logs_one_contact(world, service):
    token = "same-token-sent-twice-0123456789"

    def sending():
        def prepare():
            client = Client()
            client.force_login(User.objects.get(pk=world.peer_a.pk))
            data = form_data([service.ana], submission_token=token)
            return lambda: client.post(log_url(world.team_a, service.ana), data)

        return prepare

    first, second = at_once(sending(), sending())
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Contact.objects.count() == 1

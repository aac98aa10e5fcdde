"""Changing one's sign-in e-mail: the new address takes over only once its owner follows
the link sent to it, and both the request and the change are audited."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

from peerway.core.models import AuditEvent, User

from ..conftest import PASSWORD

NEW = "pat.new@northwind.test"


def request_change(client, email=NEW):
    return client.post(reverse("account_email"), {"email": email, "action_add": ""})


def confirmation_link(email=NEW) -> str:
    (message,) = [m for m in mail.outbox if m.to == [email]]
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_new_address_takes_over_only_after_its_link_is_followed(world, login):
    client = login(world.peer_a)
    assert client.get(reverse("account_email")).status_code == 200
    assert request_change(client).status_code == 302
    # Pending: Pat still signs in with the old address, and the request is audited.
    assert User.objects.get(pk=world.peer_a.pk).email == "pat@northwind.test"
    requested = AuditEvent.objects.get(action="account.email_change_requested")
    assert requested.actor_id == world.peer_a.pk
    assert requested.details["new_email"] == NEW

    link = confirmation_link()
    assert client.get(link).status_code == 200
    assert User.objects.get(pk=world.peer_a.pk).email == "pat@northwind.test"
    assert client.post(link).status_code == 302
    assert User.objects.get(pk=world.peer_a.pk).email == NEW
    changed = AuditEvent.objects.get(action="account.email_changed")
    assert changed.details == {"from_email": "pat@northwind.test", "to_email": NEW}


def test_a_pending_address_cannot_be_made_primary_without_its_link(world, login):
    client = login(world.peer_a)
    request_change(client)
    client.post(reverse("account_email"), {"email": NEW, "action_primary": ""})
    assert User.objects.get(pk=world.peer_a.pk).email == "pat@northwind.test"
    assert not AuditEvent.objects.filter(action="account.email_changed").exists()


def test_removing_the_current_address_does_not_hand_over_to_the_pending_one(world, login):
    client = login(world.peer_a)
    request_change(client)
    client.post(reverse("account_email"), {"email": "pat@northwind.test", "action_remove": ""})
    assert User.objects.get(pk=world.peer_a.pk).email == "pat@northwind.test"


def test_a_pending_address_does_not_sign_in(world, client, login):
    request_change(login(world.peer_a))
    client.logout()
    response = client.post(reverse("account_login"), {"login": NEW, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert client.get(reverse("core:home")).status_code == 302


def test_someone_elses_address_cannot_be_claimed(world, login):
    client = login(world.peer_a)
    response = request_change(client, world.manager.email)
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not mail.outbox


def test_a_password_reset_never_goes_to_a_pending_address(world, client, login):
    request_change(login(world.peer_a))
    client.logout()
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": NEW})
    assert not [m for m in mail.outbox if "password" in m.subject.lower() and m.to == [NEW]]
    assert not [m for m in mail.outbox if "/accounts/password/reset/key/" in m.body]
    # The account's own address still gets its reset link.
    client.post(reverse("account_reset_password"), {"email": "pat@northwind.test"})
    assert [m for m in mail.outbox if "/accounts/password/reset/key/" in m.body]

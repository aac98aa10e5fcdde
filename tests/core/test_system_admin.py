"""The system admin site (/system-admin/): superusers only, a second factor in the
session for every account, and every change written to Peerway's audit trail."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from peerway.core.models import AuditEvent, Membership, User
from peerway.core.roles import Role

from ..conftest import PASSWORD, current_totp

SECRET = "JBSWY3DPEHPK3PXP"


def make_superuser(user: User) -> User:
    user.is_superuser = True
    user.is_staff = True
    user.save()
    return user


def sign_in_with_code(client, user: User):
    """The real sign-in: password, then the authenticator's current code."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    code = current_totp(SECRET)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    return client


@pytest.fixture
def root(world, client):
    """Alex (the administrator) is also a superuser and signed in with two factors."""
    user = make_superuser(world.admin)
    TOTP.activate(user, SECRET)
    return sign_in_with_code(client, user)


def form_data(response) -> dict:
    """The change form's current values, as a browser would post them back."""
    form = response.context["adminform"].form
    data = {}
    for bound in form:
        widget = bound.field.widget
        value = bound.value()
        if hasattr(widget, "widgets") and hasattr(widget, "decompress"):
            parts = value if isinstance(value, list) else widget.decompress(value)
            for i, part in enumerate(parts):
                data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = value
    return data


def test_signed_out_visitors_are_sent_to_peerway_sign_in(client, db):
    response = client.get("/system-admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_staff_without_the_superuser_flag_is_refused(world, login):
    client = login(world.admin)  # is_staff, administrator role, not a superuser
    response = client.get("/system-admin/", follow=True)
    assert response.status_code == 403


def test_the_superuser_flag_without_the_staff_flag_is_refused(world, client):
    user = make_superuser(world.admin)
    user.is_staff = False
    user.save()
    TOTP.activate(user, SECRET)
    sign_in_with_code(client, user)
    assert client.get("/system-admin/", follow=True).status_code == 403


def test_a_superuser_without_an_authenticator_must_set_one_up(world, login):
    client = login(make_superuser(world.admin))
    response = client.get("/system-admin/", follow=False)
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_session_without_a_second_factor_must_reauthenticate(world, client):
    user = make_superuser(world.admin)
    TOTP.activate(user, SECRET)
    client.force_login(user)  # as if signed in by password alone
    response = client.get(client.get("/system-admin/")["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_a_superuser_signed_in_with_two_factors_opens_the_site(root):
    response = root.get("/system-admin/")
    assert response.status_code == 200
    assert b"Memberships" in response.content


def test_granting_the_superuser_flag_is_audited(world, root):
    url = reverse("admin:core_user_change", args=[world.peer_a.pk])
    data = form_data(root.get(url))
    data["is_superuser"] = "on"
    response = root.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(pk=world.peer_a.pk).is_superuser
    event = AuditEvent.objects.get(action="system_admin.changed")
    assert event.actor_id == world.admin.pk
    assert event.object_type == "core.user" and event.object_id == str(world.peer_a.pk)
    assert event.details["is_superuser"] is True
    assert event.details["fields"]


def test_adding_and_deleting_a_membership_is_audited(world, root):
    add = reverse("admin:core_membership_add")
    response = root.post(
        add,
        {
            "user": world.peer_b.pk,
            "role": Role.SUPERVISOR,
            "organization": world.org.pk,
            "team": world.team_b.pk,
            "granted_at_0": "2026-01-05",
            "granted_at_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    membership = Membership.objects.get(user=world.peer_b, role=Role.SUPERVISOR)
    added = AuditEvent.objects.get(action="system_admin.added")
    assert added.object_id == str(membership.pk)
    assert added.details["role"] == Role.SUPERVISOR
    assert added.team_id == world.team_b.pk

    delete = reverse("admin:core_membership_delete", args=[membership.pk])
    assert root.post(delete, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    deleted = AuditEvent.objects.get(action="system_admin.deleted")
    assert deleted.object_id == str(membership.pk)


def test_the_audit_trail_cannot_be_changed_in_the_system_admin(world, root):
    event = AuditEvent.objects.first()
    url = reverse("admin:core_auditevent_change", args=[event.pk])
    assert root.get(url).status_code == 200  # read-only view
    assert root.post(reverse("admin:core_auditevent_delete", args=[event.pk])).status_code == 403


def test_bulk_actions_of_library_models_are_audited(world, root):
    """Marking a sign-in address verified is a library's admin action: audited too."""
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.create(
        user=world.peer_b, email="quinn.other@northwind.test", verified=False
    )
    response = root.post(
        reverse("admin:account_emailaddress_changelist"),
        {"action": "make_verified", "_selected_action": [address.pk], "index": 0},
    )
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.verified
    event = AuditEvent.objects.get(action="system_admin.action")
    assert event.actor_id == world.admin.pk
    assert event.details["name"] == "make_verified"
    assert event.details["ids"] == [str(address.pk)]


def test_reauthenticating_with_the_code_opens_the_site(world, client):
    user = make_superuser(world.admin)
    TOTP.activate(user, SECRET)
    client.force_login(user)  # signed in by password alone
    to_login = client.get("/system-admin/")["Location"]
    to_reauthenticate = client.get(to_login)["Location"]
    assert to_reauthenticate.startswith(reverse("mfa_reauthenticate"))
    code = current_totp(SECRET)
    response = client.post(to_reauthenticate, {"code": code})
    assert response.status_code == 302
    assert response["Location"] == "/system-admin/"
    assert client.get("/system-admin/").status_code == 200

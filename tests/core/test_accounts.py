import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher, make_password
from django.urls import reverse
from django.utils import timezone

from peerway.core import services
from peerway.core.models import AuditEvent, Invitation, Membership, User
from peerway.core.roles import Role

from ..conftest import PASSWORD, current_totp


def invite(world, client, **overrides):
    data = {
        "display_name": "Nia New",
        "email": "nia@northwind.test",
        "role": Role.PEER_WORKER,
        "place": f"team:{world.team_a.pk}",
        **overrides,
    }
    return client.post(f"/o/{world.org.slug}/people/invite/", data)


def link_token(response) -> str:
    match = re.search(rb"/invite/([A-Za-z0-9_\-]+)/", response.content)
    assert match, "the page shows the invitation link"
    return match.group(1).decode()


def test_manager_invites_and_the_person_creates_their_account(world, login, client):
    response = invite(world, login(world.manager))
    assert response.status_code == 200
    token = link_token(response)
    invitation = Invitation.objects.get(email="nia@northwind.test")
    assert invitation.token_hash != token  # only a fingerprint is stored
    client.logout()
    page = client.get(f"/invite/{token}/")
    assert page.status_code == 200
    assert b"Nia New" in page.content
    done = client.post(
        f"/invite/{token}/",
        {"password1": "a long new passphrase", "password2": "a long new passphrase"},
    )
    assert done.status_code == 302
    user = User.objects.get(email="nia@northwind.test")
    assert Membership.objects.filter(user=user, role=Role.PEER_WORKER, team=world.team_a).exists()
    assert AuditEvent.objects.filter(action="invitation.accepted").exists()
    # The link works once.
    client.logout()
    assert client.get(f"/invite/{token}/").status_code == 410


def test_invitation_link_expires(world, login, client):
    token = link_token(invite(world, login(world.manager)))
    client.logout()
    later = timezone.now() + timezone.timedelta(hours=settings.PEERWAY_INVITATION_HOURS + 1)
    with time_machine.travel(later):
        response = client.get(f"/invite/{token}/")
    assert response.status_code == 410
    assert b"expired" in response.content


def test_withdrawn_invitation_cannot_be_used(world, login, client):
    manager = login(world.manager)
    token = link_token(invite(world, manager))
    invitation = Invitation.objects.get(email="nia@northwind.test")
    manager.post(f"/o/{world.org.slug}/invitations/{invitation.pk}/revoke/")
    client.logout()
    assert client.get(f"/invite/{token}/").status_code == 410


def test_invitation_form_names_the_bad_field(world, login):
    response = invite(world, login(world.manager), email="not-an-address")
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Invitation.objects.exists()


def test_inviting_an_existing_account_says_to_grant_a_role_instead(world, login):
    response = invite(world, login(world.manager), email=world.peer_b.email)
    assert "grant a role" in str(response.context["form"].errors["email"])


def test_weak_password_is_refused_with_a_message(world, login, client):
    token = link_token(invite(world, login(world.manager)))
    client.logout()
    response = client.post(f"/invite/{token}/", {"password1": "short", "password2": "short"})
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(email="nia@northwind.test").exists()


def test_site_manager_cannot_invite_to_a_team_outside_their_site(world, login):
    response = invite(world, login(world.site_manager), place=f"team:{world.team_a.pk}")
    assert response.status_code == 200
    assert "place" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_manager_cannot_invite_an_administrator(world, login):
    response = invite(world, login(world.manager), role=Role.ADMIN, place=f"org:{world.org.pk}")
    assert "role" in response.context["form"].errors


def test_sign_in_by_email_and_password(world, client):
    response = client.post(
        reverse("account_login"), {"login": world.peer_a.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.signed_in", actor_id=world.peer_a.pk).exists()


def test_failed_sign_in_is_audited_without_the_password(world, client):
    client.post(reverse("account_login"), {"login": world.peer_a.email, "password": "wrong pw"})
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.details == {"account": world.peer_a.email}


def test_repeated_failures_lock_the_account_out(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("account_login"), {"login": world.peer_a.email, "password": "nope"})
    # Even the right password is refused while locked.
    response = client.post(
        reverse("account_login"), {"login": world.peer_a.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert b"locked" in response.content.lower()


def test_admin_site_sign_in_goes_through_the_same_lockout(world, client, settings):
    response = client.get("/system-admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_role_requiring_mfa_must_set_it_up_before_anything_else(world, login):
    world.org.mfa_required_roles = [Role.MANAGER]
    world.org.save()
    client = login(world.manager)
    response = client.get(f"/o/{world.org.slug}/people/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # Once set up, the same page opens.
    Authenticator.objects.create(
        user=world.manager, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    client = login(User.objects.get(pk=world.manager.pk))
    assert client.get(f"/o/{world.org.slug}/people/").status_code == 200


def test_roles_not_requiring_mfa_are_not_forced(world, login):
    world.org.mfa_required_roles = [Role.MANAGER]
    world.org.save()
    assert login(world.peer_a).get("/").status_code == 200


def test_new_organizations_require_mfa_for_the_documented_roles(db):
    from peerway.core.models import Organization

    org = Organization.objects.create(name="Fresh", slug="fresh")
    assert set(org.mfa_required_roles) == {"manager", "supervisor", "admin", "evaluator"}


def test_sign_in_with_mfa_asks_for_a_code(world, client):
    from allauth.mfa.totp.internal.auth import TOTP

    secret = "JBSWY3DPEHPK3PXP"
    TOTP.activate(world.manager, secret)
    response = client.post(
        reverse("account_login"), {"login": world.manager.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")

    code = current_totp(secret)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from peerway import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "PASSWORD_HASHERS", project_settings.PASSWORD_HASHERS)
        assert identify_hasher(make_password("x" * 12)).algorithm == "argon2"


def test_idle_sessions_expire_after_the_configured_minutes(world, client, settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    client.force_login(world.peer_a)
    assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=31)):
        response = client.get("/")
    assert response.status_code == 302


def test_security_headers_are_sent(client, db):
    response = client.get(reverse("account_login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    cookie = response.cookies["csrftoken"]
    assert cookie["samesite"] == "Lax"


def test_deactivated_account_is_signed_out_and_cannot_sign_in(world, client):
    client.post(reverse("account_login"), {"login": world.peer_a.email, "password": PASSWORD})
    assert client.get("/").status_code == 200
    services.deactivate_user(actor=world.manager, user=world.peer_a)
    assert client.get("/").status_code == 302
    client.post(reverse("account_login"), {"login": world.peer_a.email, "password": PASSWORD})
    assert client.get("/").status_code == 302

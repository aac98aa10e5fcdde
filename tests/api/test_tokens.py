"""API tokens: shown once, kept as a hash, expiring, revocable, marked when used, created
only after a two-factor sign-in; service accounts issued by administrators."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.api import services
from peerway.api.models import ApiToken
from peerway.core.models import AuditEvent, Membership
from peerway.core.roles import Role

from ..conftest import PASSWORD, current_totp
from .conftest import Api, issue

SECRET = "JBSWY3DPEHPK3PXP"
PEOPLE = "/api/v1/o/northwind/people"


def sign_in_with_code(user) -> Client:
    """The real sign-in: password, then the authenticator's current code."""
    TOTP.activate(user, SECRET)
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    code = current_totp(SECRET)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    return client


def test_token_is_shown_once_and_kept_only_as_its_hash(world, people):
    client = sign_in_with_code(world.peer_a)
    response = client.post(reverse("api:tokens"), {"name": "caseload sync", "expires_in_days": 30})
    assert response.status_code == 200
    secret = response.context["issued"].secret
    assert secret.startswith("pw_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=world.peer_a)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(secret in value for value in stored)
    assert secret[3:11] == token.prefix  # the public prefix finds it, the hash proves it
    # Never again: the list shows the prefix only.
    again = client.get(reverse("api:tokens")).content.decode()
    assert secret not in again and token.display_prefix in again
    assert AuditEvent.objects.filter(action="api.token_created", object_id=str(token.pk)).exists()
    assert Api(secret).get(PEOPLE).status_code == 200


def test_a_session_without_a_second_factor_cannot_create_a_token(world, login):
    client = login(world.peer_a)
    response = client.post(reverse("api:tokens"), {"name": "x", "expires_in_days": 30})
    assert response.status_code == 200
    assert "two-factor" in response.content.decode()
    assert not ApiToken.objects.exists()
    with pytest.raises(Exception, match="second factor"):
        services.create_token(actor=world.peer_a, name="x", mfa_verified=False)


def test_expiry_is_bounded(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.create_token(actor=world.peer_a, name="x", expires_in_days=400, mfa_verified=True)
    assert "expires_in_days" in exc.value.message_dict


def test_expired_revoked_unknown_and_malformed_tokens_get_401_json(world, people):
    secret = issue(world.peer_a)
    token = ApiToken.objects.get(user=world.peer_a)
    assert Api(secret).get(PEOPLE).status_code == 200
    for header in ("Bearer pw_nothere_abc", "Bearer " + secret[:-2] + "xx", "Basic abc", "Bearer"):
        response = Client().get(PEOPLE, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response.json()["detail"][0]["field"] == "Authorization"
        assert response["WWW-Authenticate"] == "Bearer"
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert Api(secret).get(PEOPLE).status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + dt.timedelta(1))
    services.revoke_token(actor=world.peer_a, token=token)
    response = Api(secret).get(PEOPLE)
    assert response.status_code == 401
    assert response.json() == {
        "detail": [
            {"field": "Authorization", "message": "The token is unknown, expired or revoked."}
        ]
    }


def test_a_bad_token_never_falls_back_to_the_session(world, people, login):
    client = login(world.peer_a)
    assert client.get(PEOPLE).status_code == 200  # the browser session works alone
    response = client.get(PEOPLE, HTTP_AUTHORIZATION="Bearer pw_wrongone_xyz")
    assert response.status_code == 401


def test_a_token_acts_as_its_user_even_beside_another_session(world, people, login):
    client = login(world.manager)
    secret = issue(world.peer_b)
    response = client.get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert [p["code"] for p in response.json()["results"]] == ["P-CYY2345"]


def test_deactivated_account_tokens_stop_working(world, people):
    secret = issue(world.peer_a)
    world.peer_a.is_active = False
    world.peer_a.save()
    assert Api(secret).get(PEOPLE).status_code == 401


def test_last_used_is_recorded(world, people):
    secret = issue(world.peer_a)
    token = ApiToken.objects.get(user=world.peer_a)
    assert token.last_used_at is None
    Api(secret).get(PEOPLE)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoke_from_the_list_and_only_ones_own(world, login):
    issue(world.peer_a)
    token = ApiToken.objects.get(user=world.peer_a)
    other = login(world.peer_b)
    assert other.post(reverse("api:revoke", args=[token.pk])).status_code == 404
    client = login(world.peer_a)
    page = client.get(reverse("api:tokens")).content.decode()
    assert token.display_prefix in page and "Revoke" in page
    assert client.post(reverse("api:revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world.peer_a
    assert AuditEvent.objects.filter(action="api.token_revoked", object_id=str(token.pk)).exists()


def test_administrator_creates_a_service_account_bound_to_a_role_and_place(world, people):
    client = sign_in_with_code(world.admin)
    url = reverse("api:service_accounts", args=["northwind"])
    response = client.post(
        url,
        {
            "name": "regional referral feed",
            "role": Role.CLINICIAN,
            "place": f"team:{world.team_a.pk}",
            "expires_in_days": 180,
        },
    )
    assert response.status_code == 200
    secret = response.context["issued"].secret
    token = ApiToken.objects.get(service_account=True)
    assert token.organization == world.org and token.created_by == world.admin
    (membership,) = Membership.objects.filter(user=token.user)
    assert (membership.role, membership.team) == (Role.CLINICIAN, world.team_a)
    assert not token.user.has_usable_password()
    # It reads exactly what a clinician of team A reads.
    codes = [p["code"] for p in Api(secret).get(PEOPLE).json()["results"]]
    assert codes == ["P-ANA2345", "P-BEN2345"]
    assert token.display_prefix in client.get(url).content.decode()
    assert secret not in client.get(url).content.decode()
    # The administrator revokes it from the list.
    assert client.post(reverse("api:revoke", args=[token.pk])).status_code == 302
    assert Api(secret).get(PEOPLE).status_code == 401


def test_service_accounts_never_hold_the_administrator_role(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.create_service_account(
            actor=world.admin,
            organization=world.org,
            name="x",
            role=Role.ADMIN,
            mfa_verified=True,
        )


def test_only_administrators_open_service_accounts(world, login):
    url = reverse("api:service_accounts", args=["northwind"])
    for user in (world.manager, world.supervisor, world.peer_a, world.evaluator):
        assert login(user).get(url).status_code == 403, user
    assert login(world.outsider).get(url).status_code == 404
    assert login(world.admin).get(url).status_code == 200


def test_a_service_account_with_a_role_that_requires_mfa_still_uses_its_token(world, people):
    from peerway.core.models import Organization

    Organization.objects.filter(pk=world.org.pk).update(mfa_required_roles=[Role.CLINICIAN])
    issued = services.create_service_account(
        actor=world.admin,
        organization=world.org,
        name="feed",
        role=Role.CLINICIAN,
        team=world.team_a,
        mfa_verified=True,
    )
    assert Api(issued.secret).get(PEOPLE).status_code == 200


def test_middleware_contract_for_api_and_fhir_paths(world, rf):
    """The contract other endpoints (FHIR) rely on: under /api/ and /fhir/ a bearer token
    sets request.user and request.api_token; elsewhere the header is ignored."""
    from django.contrib.auth.models import AnonymousUser

    from peerway.api.middleware import BearerTokenMiddleware

    secret = issue(world.clinician)
    seen = {}

    def view(request):
        seen["user"], seen["token"] = request.user, request.api_token
        from django.http import HttpResponse

        return HttpResponse("ok")

    middleware = BearerTokenMiddleware(view)
    for path in ("/fhir/Patient", "/api/v1/anything"):
        request = rf.get(path, HTTP_AUTHORIZATION=f"Bearer {secret}")
        request.user = AnonymousUser()
        assert middleware(request).status_code == 200
        assert seen["user"] == world.clinician
        assert seen["token"].prefix == secret[3:11]
        assert request._dont_enforce_csrf_checks is True
        bad = rf.get(path, HTTP_AUTHORIZATION="Bearer pw_unknown1_x")
        bad.user = AnonymousUser()
        response = middleware(bad)
        assert response.status_code == 401
        if path.startswith("/fhir/"):  # FHIR errors are OperationOutcomes
            assert response["Content-Type"] == "application/fhir+json"
            assert b'"resourceType": "OperationOutcome"' in response.content
        else:
            assert response["Content-Type"] == "application/json"
    elsewhere = rf.get("/o/northwind/supported/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    elsewhere.user = AnonymousUser()
    middleware(elsewhere)
    assert seen["token"] is None and not seen["user"].is_authenticated


def test_fhir_paths_answer_401_for_a_bad_token_before_any_route(world):
    assert Client().get("/fhir/Patient", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    secret = issue(world.clinician)
    # A good token passes the middleware (/fhir/Patient is no route; FHIR is under /fhir/r4/).
    assert Client().get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 404


def test_token_page_in_french(world, login):
    client = login(world.peer_a)
    client.post("/i18n/setlang/", {"language": "fr-ca"})
    page = client.get(reverse("api:tokens")).content.decode()
    assert "Mes jetons d’API" in page
    assert "authentification à deux facteurs" in page

"""FHIR with a Bearer token (the API's tokens, peerway.api.middleware): the token's user
and scope, OperationOutcomes for a bad token, and a DELETE without CSRF."""

from __future__ import annotations

from django.test import Client

from peerway.api import services
from peerway.fhir.models import BulkExport
from tests.fhir.helpers import ids


def bearer(user) -> dict:
    secret = services.create_token(
        actor=user, name="fhir test", expires_in_days=30, mfa_verified=True
    ).secret
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_token_reads_as_its_user(world, records):
    client = Client()
    assert ids(client.get("/fhir/r4/Patient", **bearer(world.peer_b))) == ["P-CYY2345"]
    assert client.get("/fhir/r4/Patient/P-ANA2345", **bearer(world.peer_b)).status_code == 404


def test_a_bad_token_is_a_401_outcome(world, records):
    response = Client().get("/fhir/r4/Patient", HTTP_AUTHORIZATION="Bearer pw_unknown1_x")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/fhir+json"
    assert response.json()["issue"][0]["code"] == "login"
    assert response["WWW-Authenticate"] == "Bearer"


def test_export_with_a_token_and_delete_without_csrf(
    world, records, django_capture_on_commit_callbacks
):
    client = Client(enforce_csrf_checks=True)
    auth = bearer(world.peer_a)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.get("/fhir/r4/$export", HTTP_PREFER="respond-async", **auth)
    status_url = started["Content-Location"].removeprefix("http://testserver")
    assert client.get(status_url, **auth).status_code == 200
    assert client.delete(status_url, **auth).status_code == 202
    assert not BulkExport.objects.exists()


def test_a_session_delete_needs_the_csrf_token(world, records):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.peer_a)
    started = client.get("/fhir/r4/$export", HTTP_PREFER="respond-async")
    status_url = started["Content-Location"].removeprefix("http://testserver")
    refused = client.delete(status_url)
    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert BulkExport.objects.exists()

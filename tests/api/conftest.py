"""API fixtures on top of the shared world: tokens for its people, and people supported.

Team A: Pat (peer_a) supports Ana (named) and Ben; Quinn (peer_b, team B) supports Cy.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from peerway.api import services
from peerway.support.models import ConsentRecord, PeerRelationship, Person


def issue(user, name="test integration", days=30) -> str:
    """A token for ``user`` (as if created after a two-factor sign-in)."""
    return services.create_token(
        actor=user, name=name, expires_in_days=days, mfa_verified=True
    ).secret


class Api:
    """A client that sends one bearer token, never a session."""

    def __init__(self, secret: str):
        self.secret = secret
        self.client = Client()

    def _headers(self, extra):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.secret}", **extra}

    def get(self, path, data=None, **extra):
        return self.client.get(path, data, **self._headers(extra))

    def post(self, path, body=None, **extra):
        return self.client.post(
            path, body or {}, content_type="application/json", **self._headers(extra)
        )

    def patch(self, path, body=None, **extra):
        return self.client.patch(
            path, body or {}, content_type="application/json", **self._headers(extra)
        )


@pytest.fixture
def api_as():
    def _as(user) -> Api:
        return Api(issue(user))

    return _as


@pytest.fixture
def people(world):
    ana = Person.objects.create(
        organization=world.org, team=world.team_a, code="P-ANA2345", name="Ana Example"
    )
    ben = Person.objects.create(organization=world.org, team=world.team_a, code="P-BEN2345")
    cy = Person.objects.create(
        organization=world.org, team=world.team_b, code="P-CYY2345", name="Cy Sample"
    )
    PeerRelationship.objects.create(person=ana, worker=world.peer_a)
    PeerRelationship.objects.create(person=ben, worker=world.peer_a)
    PeerRelationship.objects.create(person=cy, worker=world.peer_b)
    ConsentRecord.objects.create(
        person=ana, purpose="peer_support", given=True, decided_on=timezone.localdate()
    )
    return {"ana": ana, "ben": ben, "cy": cy}

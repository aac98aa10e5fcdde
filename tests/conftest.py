"""A small named world shared by the tests.

Northwind region: two sites (North, South); teams A and B at North, C at South.
People: a manager (whole region), a supervisor (North site), peer workers Pat (team A)
and Quinn (team B), a clinician (team A), an evaluator (region), an admin (region),
and an outsider from another organization.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from peerway.core.models import Membership, Organization, Site, Team, User
from peerway.core.roles import Role, TeamType

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and used two-factor codes live in the cache: never across tests.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 stays the production hasher (tested separately); tests need speed.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@dataclass
class World:
    org: Organization
    other_org: Organization
    north: Site
    south: Site
    team_a: Team
    team_b: Team
    team_c: Team
    manager: User
    site_manager: User
    supervisor: User
    peer_a: User
    peer_b: User
    clinician: User
    evaluator: User
    admin: User
    outsider: User

    def with_mfa(self, user: User, secret: str = "JBSWY3DPEHPK3PXP") -> User:
        TOTP.activate(user, secret)
        return user


def make_user(email: str, name: str, **extra) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, display_name=name, **extra)


def grant(user, role, org, site=None, team=None) -> Membership:
    return Membership.objects.create(user=user, role=role, organization=org, site=site, team=team)


@pytest.fixture
def world(db) -> World:
    org = Organization.objects.create(name="Northwind Region", slug="northwind")
    other = Organization.objects.create(name="Elsewhere Health", slug="elsewhere")
    north = Site.objects.create(organization=org, name="North Hospital")
    south = Site.objects.create(organization=org, name="South Clinic")
    other_site = Site.objects.create(organization=other, name="Elsewhere Site")
    team_a = Team.objects.create(site=north, name="Team A", team_type=TeamType.INPATIENT)
    team_b = Team.objects.create(site=north, name="Team B", team_type=TeamType.CRISIS)
    team_c = Team.objects.create(site=south, name="Team C", team_type=TeamType.COMMUNITY)
    other_team = Team.objects.create(
        site=other_site, name="Elsewhere Team", team_type=TeamType.COMMUNITY
    )
    w = World(
        org=org,
        other_org=other,
        north=north,
        south=south,
        team_a=team_a,
        team_b=team_b,
        team_c=team_c,
        manager=make_user("manager@northwind.test", "Morgan Manager"),
        site_manager=make_user("sitemanager@northwind.test", "Sasha Site-Manager"),
        supervisor=make_user("supervisor@northwind.test", "Sam Supervisor"),
        peer_a=make_user("pat@northwind.test", "Pat Peer"),
        peer_b=make_user("quinn@northwind.test", "Quinn Peer"),
        clinician=make_user("clinician@northwind.test", "Casey Clinician"),
        evaluator=make_user("evaluator@northwind.test", "Eve Evaluator"),
        admin=make_user("admin@northwind.test", "Alex Admin", is_staff=True),
        outsider=make_user("outsider@elsewhere.test", "Olive Outsider"),
    )
    grant(w.manager, Role.MANAGER, org)
    grant(w.site_manager, Role.MANAGER, org, site=south)
    grant(w.supervisor, Role.SUPERVISOR, org, site=north)
    grant(w.peer_a, Role.PEER_WORKER, org, team=team_a)
    grant(w.peer_b, Role.PEER_WORKER, org, team=team_b)
    grant(w.clinician, Role.CLINICIAN, org, team=team_a)
    grant(w.evaluator, Role.EVALUATOR, org)
    grant(w.admin, Role.ADMIN, org)
    grant(w.outsider, Role.MANAGER, other, team=other_team)
    # The organization's MFA rule is tested on its own; most tests sign in without it.
    Organization.objects.update(mfa_required_roles=[])
    org.refresh_from_db()
    return w


@pytest.fixture(autouse=True)
def _english_by_default():
    """Every test starts in the default language: a request or a test that switches to
    French must not leak into the next test run by the same worker."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _keep_the_test_connection(request, monkeypatch):
    """Commands run through ``peerway`` (Django's run_from_argv) close every database
    connection when they finish: in a test that drops the test's transaction on
    PostgreSQL. Browser tests keep the real behaviour (their server thread closes its own
    connections)."""
    if request.node.get_closest_marker("browser") is None:
        from django.db import connections

        monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.fixture
def login(client):
    """Sign a user in (a fresh object each time, so cached memberships never leak)."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login

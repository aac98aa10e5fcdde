"""No home or dashboard (nor the workforce overview or the events page) runs more queries
for a larger organization.

The same organization is built twice, once small and once ten times larger (sites, teams,
peer workers, people, referrals, contacts, supervision, training, check-ins), and every
role's home and dashboards are opened on both: the number of queries must be the same. A
page that loads something once per worker, team or person fails here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerway.core.models import Organization, Site, Team, TeamType
from peerway.core.roles import Role
from peerway.indicators import cache as indicator_cache
from peerway.support.models import (
    ConsentPurpose,
    ConsentRecord,
    PeerRelationship,
    Person,
    Referral,
)
from peerway.workforce.models import (
    SupervisionSession,
    TrainingRecord,
    WellbeingCheckIn,
    WorkerProfile,
)
from tests.conftest import grant, make_user
from tests.indicators.conftest import log

TEAMS_PER_SITE = 2
WORKERS_PER_TEAM = 3
PEOPLE_PER_WORKER = 2
ROLES = (
    Role.MANAGER,
    Role.SUPERVISOR,
    Role.PEER_WORKER,
    Role.CLINICIAN,
    Role.EVALUATOR,
    Role.ADMIN,
    Role.HR,
)


class _World:
    """Just what ``log`` reads from the shared world."""

    def __init__(self, org):
        self.org = org


def build(slug: str, sites: int) -> dict:
    """An organization of ``sites`` sites; returns its users by role and its places."""
    today = timezone.localdate()
    org = Organization.objects.create(name=f"Region {slug}", slug=slug, mfa_required_roles=[])
    users = {role: make_user(f"{role}@{slug}.test", f"{role} {slug}") for role in ROLES}
    teams = []
    for s in range(sites):
        site = Site.objects.create(organization=org, name=f"Site {s}")
        for t in range(TEAMS_PER_SITE):
            teams.append(
                Team.objects.create(site=site, name=f"Team {s}-{t}", team_type=TeamType.COMMUNITY)
            )
    for role in (Role.MANAGER, Role.SUPERVISOR, Role.EVALUATOR, Role.ADMIN, Role.HR):
        grant(users[role], role, org)
    grant(users[Role.PEER_WORKER], Role.PEER_WORKER, org, team=teams[0])
    grant(users[Role.CLINICIAN], Role.CLINICIAN, org, team=teams[0])
    n = 0
    for team in teams:
        workers = [users[Role.PEER_WORKER]] if team == teams[0] else []
        while len(workers) < WORKERS_PER_TEAM:
            n += 1
            worker = make_user(f"w{n}@{slug}.test", f"Worker {n:03d}")
            grant(worker, Role.PEER_WORKER, org, team=team)
            workers.append(worker)
        for worker in workers:
            WorkerProfile.objects.create(
                organization=org,
                user=worker,
                fte=Decimal("0.8"),
                start_date=today - dt.timedelta(days=400),
            )
            TrainingRecord.objects.create(
                organization=org,
                user=worker,
                kind="certification",
                title="Peer support certification",
                completed_on=today - dt.timedelta(days=300),
                expires_on=today + dt.timedelta(days=20),
            )
            SupervisionSession.objects.create(
                organization=org,
                worker=worker,
                supervisor=users[Role.SUPERVISOR],
                session_type="administrative",
                date=today - dt.timedelta(days=30),
                duration_minutes=60,
            )
            WellbeingCheckIn.objects.create(
                organization=org,
                worker=worker,
                completed_on=today - dt.timedelta(days=40),
                instrument_version="1",
                results="{}",
            )
            people = []
            # The signed-in peer worker's caseload grows with the organization too.
            caseload = PEOPLE_PER_WORKER * (sites if worker == users[Role.PEER_WORKER] else 1)
            for _p in range(caseload):
                person = Person.objects.create(organization=org, team=team)
                ConsentRecord.objects.create(
                    person=person,
                    purpose=ConsentPurpose.PEER_SUPPORT,
                    given=True,
                    decided_on=today - dt.timedelta(days=60),
                )
                Referral.objects.create(person=person, team=team, source="clinician")
                PeerRelationship.objects.create(
                    person=person, worker=worker, started_on=today - dt.timedelta(days=50)
                )
                people.append(person)
            log(
                _World(org), worker, team, people, 45, ["hope_role_modelling"], contact_type="group"
            )
    return {"org": org, "users": users, "site": teams[0].site, "team": teams[0]}


def pages(built: dict) -> list[str]:
    slug = built["org"].slug
    worker = built["users"][Role.PEER_WORKER]
    return [
        "/",
        f"/o/{slug}/dashboards/",
        f"/o/{slug}/dashboards/sites/{built['site'].pk}/",
        f"/o/{slug}/dashboards/teams/{built['team'].pk}/",
        f"/o/{slug}/dashboards/me/",
        f"/o/{slug}/dashboards/workers/{worker.pk}/",
        f"/o/{slug}/dashboards/supervision/",
        f"/o/{slug}/workforce/",
        f"/o/{slug}/workforce/supervision/",
        f"/o/{slug}/outcomes/",
        f"/o/{slug}/recovery/events/",
    ]


def count(client, user, url) -> tuple[int, int]:
    client.force_login(user)
    client.get(url)  # once to fill what is cached per process (charts, settings)
    # Dashboards' figures are computed, not read from the indicators cache (decision 32):
    # the query count that must not grow is the computation's.
    indicator_cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # The session is written again when its idle timer moves on, whatever the page.
    return response.status_code, sum(
        1
        for q in queries.captured_queries
        if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    )


@pytest.mark.django_db
def test_homes_and_dashboards_run_as_many_queries_for_ten_times_the_organization(client):
    small, large = build("small", 1), build("large", 10)
    grown, checked = [], 0
    for role in ROLES:
        for small_url, large_url in zip(pages(small), pages(large), strict=True):
            small_status, small_queries = count(client, small["users"][role], small_url)
            large_status, large_queries = count(client, large["users"][role], large_url)
            assert small_status == large_status, (role, small_url)
            if small_status != 200:
                continue
            checked += 1
            if small_queries != large_queries:
                grown.append((role, small_url, small_queries, large_queries))
    assert checked >= len(ROLES) + 5  # every home, and the dashboards of those who have them
    assert not grown, f"queries grow with the organization (role, page, small, large): {grown}"

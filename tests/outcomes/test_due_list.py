"""The measures-due list read from plain values must give exactly what the per-person rule
gives: the same people (``outcomes.administer`` checked one person at a time) and the same
windows (``windows_of`` on each person's own related rows)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from peerway.core.roles import Role
from peerway.outcomes import selectors
from peerway.outcomes.models import Administration, OutcomeSchedule
from peerway.support.models import PeerRelationship, Person, PersonStatus, Referral
from tests.conftest import grant, make_user


def _people(world, rng: random.Random) -> list[Person]:
    """People on every team in varied situations: open, ended and several relationships,
    referral only, nothing at all, closed; some measures given."""
    today = timezone.localdate()
    teams = [world.team_a, world.team_b, world.team_c]
    workers = [world.peer_a, world.peer_b]
    made = []
    for i in range(45):
        person = Person.objects.create(
            organization=world.org,
            team=teams[i % 3],
            name=f"Person {i}",
            created_by=world.clinician,
            status=PersonStatus.CLOSED if i % 11 == 0 else PersonStatus.ACTIVE,
        )
        kind = i % 5
        if kind in (0, 1, 2):
            for worker in rng.sample(workers, 1 + (kind == 2)):
                started = today - timedelta(days=rng.randint(0, 400))
                PeerRelationship.objects.create(
                    person=person,
                    worker=worker,
                    started_on=started,
                    ended_on=(started + timedelta(days=30)) if kind == 1 else None,
                )
        if kind in (1, 3):
            Referral.objects.create(
                team=person.team,
                person=person,
                source="clinician",
                created_at=timezone.now() - timedelta(days=rng.randint(0, 200)),
            )
        for point in rng.sample([0, 3, 6, 12], rng.randint(0, 2)):
            Administration.objects.create(
                organization=world.org,
                team=person.team,
                person=person,
                instrument=rng.choice(["qpr15", "phq9"]),
                version="1",
                mode="with_worker",
                time_point=point,
                administered_on=today,
                recorded_by=world.peer_a,
            )
        made.append(person)
    return made


@pytest.fixture
def varied(world):
    OutcomeSchedule.objects.create(
        team=world.team_b,
        instruments=["qpr15"],
        time_points=[0, 6],
        window_before_days=7,
        window_after_days=21,
    )
    lone = make_user("peer-c@northwind.test", "Lee Peer")
    grant(lone, Role.PEER_WORKER, world.org, team=world.team_c)
    root = make_user("root@northwind.test", "Root", is_superuser=True, is_staff=True)
    gone = make_user("gone@northwind.test", "Gone Manager", is_active=False)
    grant(gone, Role.MANAGER, world.org)
    return _people(world, random.Random(7)), [lone, root, gone]


def everyone(world, extra):
    return [*world.users, *extra]


def test_the_filter_is_the_permission_for_every_user_and_person(world, varied):
    people, extra = varied
    for user in everyone(world, extra):
        by_rule = {p.pk for p in people if user.has_perm("outcomes.administer", p)}
        by_filter = set(
            Person.objects.filter(selectors.administer_q(user)).values_list("pk", flat=True)
        )
        assert by_filter & {p.pk for p in people} == by_rule, user.email


def test_due_list_equals_the_per_person_rule(world, varied):
    people, extra = varied
    today = timezone.localdate()
    for user in everyone(world, extra):
        expected = []
        for person in Person.objects.filter(pk__in=[p.pk for p in people]):
            if person.status == PersonStatus.CLOSED:
                continue
            if not user.has_perm("outcomes.administer", person):
                continue
            for row in selectors.windows_of(person, today):
                if row.status in ("due", "overdue"):
                    expected.append(row)
        expected.sort(key=lambda r: (r.window.due_on, r.person.code))
        got = selectors.due_list(user, world.org, today)

        def key(r):
            return (r.person.pk, r.window, r.status, r.instruments, r.done)

        assert [key(r) for r in got] == [key(r) for r in expected], user.email
    assert selectors.due_list(world.manager, world.org, today)  # the case is not empty


def test_due_list_queries_do_not_grow_with_the_people(world, varied):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    selectors.due_list(world.manager, world.org, today)  # the user's memberships, once
    with CaptureQueriesContext(connection) as before:
        selectors.due_list(world.manager, world.org, today)
    _people(world, random.Random(8))
    with CaptureQueriesContext(connection) as after:
        rows = selectors.due_list(world.manager, world.org, today)
    assert len(rows) > 20 and len(after) == len(before) <= 8


def test_the_home_summary_is_the_head_of_the_list(world, varied):
    """The home reads only its first rows' people; what it shows must be the list's head and
    the list's counts, for every user."""
    _people_made, extra = varied
    today = timezone.localdate()
    for user in everyone(world, extra):
        rows = selectors.due_list(user, world.org, today)
        for limit in (0, 1, 5, 500):
            summary = selectors.due_summary(user, world.org, today, limit)

            def key(r):
                return (r.person.pk, r.person.code, r.window, r.status, r.instruments, r.done)

            assert [key(r) for r in summary.first] == [key(r) for r in rows[:limit]], user.email
            assert summary.count == len(rows)
            assert summary.overdue_count == sum(1 for r in rows if r.status == "overdue")

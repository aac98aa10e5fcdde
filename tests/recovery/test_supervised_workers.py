"""Whom a user supervises, for the review queue: the short answer for someone who is no
supervisor must equal the definition (``worker_supervisor_ids`` of every peer worker)."""

from __future__ import annotations

from peerway.core.models import Membership
from peerway.core.roles import Role
from peerway.recovery import selectors
from peerway.workforce.models import WorkerProfile
from peerway.workforce.selectors import load_worker, worker_supervisor_ids
from tests.conftest import grant, make_user


def by_definition(user, org) -> set[int]:
    peers = {
        m.user
        for m in Membership.objects.filter(organization=org, role=Role.PEER_WORKER).select_related(
            "user"
        )
        if m.user.is_active
    }
    return {
        w.pk
        for w in peers
        if w.pk != user.pk and user.pk in worker_supervisor_ids(load_worker(w, org))
    }


def test_supervised_workers_equal_the_definition_for_every_kind_of_user(world):
    org = world.org
    # A manager assigned as one worker's supervisor on the profile (no supervisor role);
    # a supervisor of one team, overridden for that team's worker by the assignment; a
    # supervisor whose account was deactivated; a peer worker who also supervises.
    assigned_manager = make_user("assigned-manager@northwind.test", "Avery Manager")
    grant(assigned_manager, Role.MANAGER, org, site=world.south)
    team_c_supervisor = make_user("sup-c@northwind.test", "Cam Supervisor")
    grant(team_c_supervisor, Role.SUPERVISOR, org, team=world.team_c)
    peer_c = make_user("peer-c@northwind.test", "Lee Peer")
    grant(peer_c, Role.PEER_WORKER, org, team=world.team_c)
    peer_c2 = make_user("peer-c2@northwind.test", "Max Peer")
    grant(peer_c2, Role.PEER_WORKER, org, team=world.team_c)
    profile = WorkerProfile.objects.create(organization=org, user=peer_c)
    profile.supervisors.add(assigned_manager)
    gone = make_user("gone-sup@northwind.test", "Gone Supervisor", is_active=False)
    grant(gone, Role.SUPERVISOR, org)
    peer_supervisor = make_user("peer-sup@northwind.test", "Pia Peer")
    grant(peer_supervisor, Role.PEER_WORKER, org, team=world.team_a)
    grant(peer_supervisor, Role.SUPERVISOR, org, team=world.team_a)
    root = make_user("root@northwind.test", "Root", is_superuser=True, is_staff=True)

    users = [
        *world.users,
        assigned_manager,
        team_c_supervisor,
        peer_c,
        gone,
        peer_supervisor,
        root,
    ]
    seen = {}
    for user in users:
        got = selectors.supervised_worker_ids(user, org)
        assert got == by_definition(user, org), user.email
        seen[user.email] = got
    # The case is not trivial: each kind of supervision is found.
    assert seen[world.supervisor.email] >= {world.peer_a.pk, world.peer_b.pk}
    assert seen[assigned_manager.email] == {peer_c.pk}
    assert seen[team_c_supervisor.email] == {peer_c2.pk}
    assert seen[world.manager.email] == set()

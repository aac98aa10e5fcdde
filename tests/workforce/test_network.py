"""Peer network events with attendance, and the flag for peer workers working alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.core.roles import Role
from peerway.workforce import selectors, services
from peerway.workforce.models import NetworkEvent

from ..conftest import grant, make_user


def url(world, name, *args):
    return reverse(f"workforce:{name}", args=[world.org.slug, *args])


def test_supervisor_creates_an_event_and_records_attendance(world, login):
    client = login(world.supervisor)
    day = (timezone.localdate() - timedelta(days=2)).isoformat()
    bad = client.post(url(world, "network_new"), {"title": "", "date": day})
    assert "This field is required." in bad.content.decode()
    response = client.post(
        url(world, "network_new"),
        {"title": "Community of practice", "date": day, "attendees": [str(world.peer_a.pk)]},
    )
    assert response.status_code == 302
    event = NetworkEvent.objects.get()
    assert list(event.attendees.all()) == [world.peer_a]
    edit = client.post(
        url(world, "network_event", event.pk),
        {
            "title": "Community of practice",
            "date": day,
            "attendees": [str(world.peer_a.pk), str(world.peer_b.pk)],
        },
    )
    assert edit.status_code == 302
    assert event.attendees.count() == 2
    assert AuditEvent.objects.filter(action="workforce.network_event_updated").exists()


def test_only_peer_workers_of_the_organization_attend(world):
    with pytest.raises(ValidationError) as exc:
        services.save_network_event(
            actor=world.manager,
            organization=world.org,
            title="Gathering",
            date=timezone.localdate(),
            attendees=[world.clinician],
        )
    assert "attendees" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.save_network_event(
            actor=world.peer_a, organization=world.org, title="x", date=timezone.localdate()
        )


def test_who_sees_and_organizes_the_network(world, login):
    services.save_network_event(
        actor=world.manager,
        organization=world.org,
        title="Spring gathering",
        date=timezone.localdate(),
        attendees=[world.peer_a],
    )
    page = url(world, "network")
    peer_view = login(world.peer_a).get(page).content.decode()
    assert "Spring gathering" in peer_view and "Who the network reaches" not in peer_view
    manager_view = login(world.manager).get(page).content.decode()
    assert "Who the network reaches" in manager_view
    for who in ("clinician", "admin", "evaluator"):
        assert login(getattr(world, who)).get(page).status_code == 403, who
    assert login(world.outsider).get(page).status_code == 404
    for who in ("peer_a", "clinician", "admin"):
        assert login(getattr(world, who)).get(url(world, "network_new")).status_code == 403


def test_workers_with_no_peer_colleague_are_flagged_with_their_attendance(world):
    services.save_network_event(
        actor=world.manager,
        organization=world.org,
        title="Gathering",
        date=timezone.localdate() - timedelta(days=10),
        attendees=[world.peer_a],
    )
    reach = {r.user: r for r in selectors.network_reach(world.org)}
    assert reach[world.peer_a].lone_peer and reach[world.peer_a].attended == 1
    assert reach[world.peer_b].lone_peer and reach[world.peer_b].attended == 0
    colleague = make_user("robin@northwind.test", "Robin Peer")
    grant(colleague, Role.PEER_WORKER, world.org, team=world.team_b)
    reach = {r.user: r for r in selectors.network_reach(world.org)}
    assert not reach[world.peer_b].lone_peer and reach[world.peer_a].lone_peer

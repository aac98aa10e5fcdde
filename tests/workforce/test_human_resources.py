"""Human resources: employment and accommodations, never lived experience, notes or wellbeing."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from peerway.workforce import services

from .conftest import MATCHING_SECRET, PRIVATE_SECRET, TEAM_AGE, worker

REQUEST = "Fewer evening shifts while I care for my father"


def test_hr_sees_employment_and_accommodations_only(world, hr, disclosed, employed, login):
    services.request_accommodation(
        actor=world.peer_a, worker=worker(world, world.peer_a), request=REQUEST
    )
    services.log_supervision(
        actor=world.supervisor,
        workers=[worker(world, world.peer_a)],
        session=services.SessionInput(
            session_type="administrative",
            date=timezone.localdate(),
            duration_minutes=30,
            topics=[],
            notes="private words",
        ),
    )
    client = login(hr)
    html = client.get(
        reverse("workforce:profile", args=[world.org.slug, world.peer_a.pk])
    ).content.decode()
    assert "PSW-2" in html and REQUEST in html
    for hidden in (PRIVATE_SECRET, MATCHING_SECRET, TEAM_AGE, "private words", "Wellbeing"):
        assert hidden not in html
    assert "Recent supervision sessions" not in html
    overview = client.get(f"/o/{world.org.slug}/workforce/").content.decode()
    assert "Pat Peer" in overview and "Supervision overview" not in overview
    assert client.get(f"/o/{world.org.slug}/workforce/supervision/").status_code == 403


def test_hr_updates_an_accommodation_and_edits_employment(world, hr, login):
    accommodation = services.request_accommodation(
        actor=world.peer_a, worker=worker(world, world.peer_a), request=REQUEST
    )
    client = login(hr)
    edit = reverse(
        "workforce:accommodation_edit", args=[world.org.slug, world.peer_a.pk, accommodation.pk]
    )
    response = client.post(edit, {"status": "agreed", "adjustments": "Day shifts only"})
    assert response.status_code == 302
    employment = reverse("workforce:employment", args=[world.org.slug, world.peer_a.pk])
    assert client.get(employment).status_code == 200

"""Every workforce page: served, no external URL, landmarks, a skip link, French on demand."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from peerway.workforce import selectors, services
from tests.core.test_pages import EXTERNAL

from .conftest import worker


def pages(world):
    slug = world.org.slug
    (session,) = services.log_supervision(
        actor=world.supervisor,
        workers=[worker(world, world.peer_a)],
        session=services.SessionInput(
            session_type="peer_practice",
            date=timezone.localdate() - timedelta(days=1),
            duration_minutes=30,
            topics=["drift"],
        ),
    )
    accommodation = services.request_accommodation(
        actor=world.peer_a, worker=worker(world, world.peer_a), request="Quiet room"
    )
    event = services.save_network_event(
        actor=world.manager, organization=world.org, title="Gathering", date=timezone.localdate()
    )
    services.add_training(
        actor=world.manager,
        member=selectors.load_staff(world.peer_a, world.org),
        record=services.TrainingInput(
            kind="course", title="Boundaries", completed_on=timezone.localdate()
        ),
    )

    def u(name, *args):
        return reverse(f"workforce:{name}", args=[slug, *args])

    return {
        "peer_a": [
            u("profile", world.peer_a.pk),
            u("disclosure"),
            u("wellbeing"),
            u("checkin"),
            u("accommodation_request"),
            u("supervision_session", session.pk),
            u("training", world.peer_a.pk),
            u("network"),
            u("notifications"),
        ],
        "manager": [
            u("overview"),
            u("supervision"),
            u("team", world.team_a.pk),
            u("employment", world.peer_a.pk),
            u("compliance", world.team_a.pk),
            u("training_add", world.peer_a.pk),
            u("network_new"),
            u("network_event", event.pk),
            "/",
        ],
        "supervisor": [
            u("log_supervision", world.peer_a.pk),
            u("supervisor_settings"),
            u("accommodation_edit", world.peer_a.pk, accommodation.pk),
            "/",
        ],
    }


def test_every_workforce_page_is_served_with_landmarks_and_nothing_external(world, client):
    for who, urls in pages(world).items():
        client.force_login(getattr(world, who))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content
            assert not EXTERNAL.search(html), url
            assert b'href="#main"' in html and b'<main id="main"' in html and b"<h1" in html, url
            french = client.get(url, headers={"accept-language": "fr-CA"})
            assert french["Content-Language"] == "fr-ca", url

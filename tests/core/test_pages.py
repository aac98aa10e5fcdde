"""Every page: no external URL, French when asked, landmarks and a skip link."""

import re

import pytest
from django.urls import reverse

from peerway.core import audit

EXTERNAL = re.compile(rb"""(?:src|href|action)\s*=\s*["'](?:https?:)?//""", re.I)


def pages_for(world):
    slug = world.org.slug
    return {
        "manager": [
            "/",
            f"/o/{slug}/",
            f"/o/{slug}/people/",
            f"/o/{slug}/people/invite/",
            f"/o/{slug}/people/{world.peer_a.pk}/",
            f"/o/{slug}/settings/security/",
            f"/teams/{world.team_a.pk}/",
        ],
        "admin": ["/", f"/o/{slug}/audit/"],
        "peer_a": ["/", f"/teams/{world.team_a.pk}/", reverse("mfa_index")],
        None: [reverse("account_login"), reverse("account_reset_password")],
    }


def fetch_all(world, client):
    audit.record(actor=world.manager, action="test.event")
    for who, urls in pages_for(world).items():
        client.logout()
        if who:
            client.force_login(getattr(world, who))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            yield url, response


def test_no_page_references_an_external_url(world, client):
    for url, response in fetch_all(world, client):
        assert not EXTERNAL.search(response.content), f"{url} references an external URL"


def test_every_page_has_landmarks_and_a_skip_link(world, client):
    for url, response in fetch_all(world, client):
        html = response.content
        assert b'href="#main"' in html, url
        assert b'<main id="main"' in html, url
        assert b"<h1" in html, url


@pytest.mark.parametrize("header", ["fr-CA", "fr-CA,fr;q=0.9"])
def test_pages_are_served_in_french_when_asked(world, client, header):
    client.force_login(world.manager)
    response = client.get("/", headers={"accept-language": header})
    assert response["Content-Language"] == "fr-ca"
    assert b'lang="fr-CA"' in response.content
    assert "Personnes et accès".encode() in response.content


def test_language_switcher_remembers_the_choice(world, client):
    client.force_login(world.manager)
    client.post("/i18n/setlang/", {"language": "fr-ca", "next": "/"})
    assert b'lang="fr-CA"' in client.get("/").content

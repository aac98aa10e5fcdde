"""Pages that may show health data are never cached: every page a signed-in person sees,
and the survey and outcome link pages answered without an account."""

from __future__ import annotations

from django.urls import reverse


def test_signed_in_pages_are_not_stored(world, login):
    client = login(world.manager)
    for url in ("/", reverse("core:people", args=[world.org.slug]), reverse("mfa_index")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url


def test_refusals_and_redirects_to_signed_in_people_are_not_stored_either(world, login):
    client = login(world.peer_a)
    refused = client.get(reverse("core:audit", args=[world.org.slug]))
    assert refused.status_code == 403
    assert refused["Cache-Control"] == "no-store"


def test_survey_and_outcome_link_pages_are_not_stored(db, client):
    for url in ("/s/", "/s/not-a-token/", "/m/not-a-token/"):
        response = client.get(url)
        assert response["Cache-Control"] == "no-store", url


def test_static_files_keep_their_caching(db, client):
    response = client.get("/static/peerway/peerway.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")

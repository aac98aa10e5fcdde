"""Respondents answer anonymously, in either language, with partial save."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from peerway.assessments.models import Response, SurveyLink
from peerway.core.models import AuditEvent
from peerway.instruments.library import current_library

from .test_waves import make_wave


@pytest.fixture
def link(world):
    wave = make_wave(world, instrument_codes=["oric", "pibc"], audiences=["staff"])
    return SurveyLink.objects.get(wave=wave, team=world.team_a, audience="staff")


def full_page(code, value=4):
    return {item.id: str(value) for item in current_library()[code].items}


def test_respondent_answers_anonymously_without_an_account(client, link):
    assert client.get(f"/s/{link.token}/").status_code == 200
    client.post(f"/s/{link.token}/")
    r1 = client.post(f"/s/{link.token}/1/", {**full_page("oric"), "action": "next"})
    assert r1["Location"].endswith(f"/s/{link.token}/2/")
    r2 = client.post(f"/s/{link.token}/2/", {**full_page("pibc", 9), "action": "next"})
    assert r2["Location"].endswith(f"/s/{link.token}/done/")
    response = Response.objects.get()
    assert response.team_id == link.team_id and response.audience == "staff"
    assert response.submitted_on == timezone.localdate()
    assert response.versions == {"oric": "1", "pibc": "1"}
    stored = {f.name for f in Response._meta.get_fields()}
    assert stored == {"id", "wave", "team", "audience", "submitted_on", "answers", "versions"}
    # Nothing about the respondent reaches the audit trail either.
    assert not AuditEvent.objects.filter(action__startswith="survey").exists()
    assert "127.0.0.1" not in json.dumps(list(AuditEvent.objects.values("details")), default=str)


def test_missing_answers_are_named_and_nothing_is_stored(client, link):
    client.post(f"/s/{link.token}/")
    answers = full_page("oric")
    del answers["oric_3"]
    page = client.post(f"/s/{link.token}/1/", {**answers, "action": "next"})
    assert page.status_code == 200
    assert "Question 3: choose an answer." in page.content.decode()
    assert b'href="#q-oric_3"' in page.content
    assert not Response.objects.exists()


def test_a_tampered_value_is_refused(client, link):
    client.post(f"/s/{link.token}/")
    page = client.post(
        f"/s/{link.token}/1/", {**full_page("oric"), "oric_1": "7", "action": "next"}
    )
    assert "Question 1" in page.content.decode()


def test_partial_save_keeps_answers_for_later(client, link):
    client.post(f"/s/{link.token}/")
    saved = client.post(f"/s/{link.token}/1/", {**full_page("oric", 2), "action": "save"})
    assert b"saved on this device" in saved.content
    assert not Response.objects.exists()
    again = client.get(f"/s/{link.token}/")
    assert b"Continue where I left off" in again.content
    page = client.get(f"/s/{link.token}/1/")
    assert page.context["form"].initial["oric_1"] == "2"


def test_survey_can_be_answered_in_french(client, link):
    page = client.get(f"/s/{link.token}/", headers={"accept-language": "fr-CA"})
    assert b'lang="fr-CA"' in page.content
    client.post(f"/s/{link.token}/", headers={"accept-language": "fr-CA"})
    page = client.get(f"/s/{link.token}/1/", headers={"accept-language": "fr-CA"})
    assert "Plutôt d&#x27;accord" in page.content.decode()


def test_peer_workers_see_their_own_version_of_the_checklist(world, client):
    wave = make_wave(world, instrument_codes=["pibc"], audiences=["staff", "peer_workers"])
    pibc = current_library()["pibc"]
    item = next(i for i in pibc.items if i.variants.get("peer_workers"))
    for audience in ("staff", "peer_workers"):
        link = SurveyLink.objects.get(wave=wave, team=world.team_a, audience=audience)
        client.post(f"/s/{link.token}/")
        content = client.get(f"/s/{link.token}/1/").content.decode()
        import html

        assert html.escape(item.variants[audience]["en"], quote=False) in content


def test_second_answer_from_the_same_browser_is_flagged_not_blocked(client, link):
    client.post(f"/s/{link.token}/")
    client.post(f"/s/{link.token}/1/", {**full_page("oric"), "action": "next"})
    client.post(f"/s/{link.token}/2/", {**full_page("pibc"), "action": "next"})
    page = client.get(f"/s/{link.token}/")
    assert b"already answered" in page.content
    assert b"Answer for myself" in page.content


def test_closed_or_unknown_links_say_so(client, link, world):
    assert client.get("/s/not-a-token/").status_code == 404
    wave = link.wave
    wave.closes_on = timezone.localdate() - timedelta(days=1)
    wave.opens_on = wave.closes_on - timedelta(days=3)
    wave.save()
    response = client.get(f"/s/{link.token}/")
    assert response.status_code == 410
    assert client.post(f"/s/{link.token}/1/", full_page("oric")).status_code == 410
    assert not Response.objects.exists()


def test_short_code_leads_to_the_survey(client, link):
    response = client.post("/s/", {"code": link.short_code.lower()})
    assert response["Location"] == f"/s/{link.token}/"
    wrong = client.post("/s/", {"code": "ZZZZZZZZ"})
    assert "No survey has this code" in wrong.content.decode()


def test_save_keeps_a_half_answered_page_and_resumes_where_left(client, link):
    client.post(f"/s/{link.token}/")
    client.post(f"/s/{link.token}/1/", {**full_page("oric"), "action": "next"})
    half = dict(list(full_page("pibc", 2).items())[:5])
    saved = client.post(f"/s/{link.token}/2/", {**half, "action": "save"})
    assert b"saved on this device" in saved.content
    resumed = client.post(f"/s/{link.token}/")
    assert resumed["Location"].endswith(f"/s/{link.token}/2/")
    page = client.get(f"/s/{link.token}/2/")
    first_item = next(iter(half))
    assert page.context["form"].initial[first_item] == "2"
    assert not Response.objects.exists()

"""Outcome measures through the API: the outcomes service scores and follows up safety
items; scores are read by the same roles as on the person's outcome page."""

from __future__ import annotations

from peerway.core.models import AuditEvent
from peerway.outcomes.models import SafetyTask

URL = "/api/v1/o/northwind/people/P-ANA2345/outcomes"
CALM = {f"phq9_{i}": 0 for i in range(1, 10)}


def test_peer_worker_records_a_measure_and_reads_the_scores(world, people, api_as):
    api = api_as(world.peer_a)
    answers = {**CALM, "phq9_1": 2, "phq9_2": 1}
    response = api.post(URL, {"instrument": "phq9", "time_point": 0, "answers": answers})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total_score"] == 3 and body["valid"] and not body["flagged"]
    scores = api.get(URL)
    assert scores.status_code == 200
    assert [(a["instrument"], a["total_score"]) for a in scores.json()] == [("phq9", 3.0)]
    assert "answers" not in scores.content.decode()
    assert AuditEvent.objects.filter(action="outcomes.person_viewed").exists()


def test_a_safety_item_opens_a_safety_task(world, people, api_as):
    answers = {**CALM, "phq9_9": 1}
    body = (
        api_as(world.peer_a)
        .post(URL, {"instrument": "phq9", "time_point": 0, "answers": answers})
        .json()
    )
    assert body["flagged"] is True
    assert SafetyTask.objects.filter(administration_id=body["id"]).exists()


def test_bad_measures_name_the_field(world, people, api_as):
    api = api_as(world.peer_a)
    response = api.post(URL, {"instrument": "nope", "time_point": 0, "answers": CALM})
    assert response.json()["detail"][0]["field"] == "instrument"
    response = api.post(URL, {"instrument": "phq9", "time_point": 0, "answers": {"phq9_1": 1}})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "answers"
    response = api.post(
        URL,
        {"instrument": "phq9", "time_point": 0, "answers": CALM, "administered_on": "2999-01-01"},
    )
    assert response.json()["detail"][0]["field"] == "administered_on"


def test_scores_are_read_by_the_pages_readers_only(world, people, api_as):
    api_as(world.peer_a).post(URL, {"instrument": "phq9", "time_point": 0, "answers": CALM})
    assert api_as(world.supervisor).get(URL).status_code == 200
    # A clinician over the team only while Ana consents to sharing notes (she has not).
    assert api_as(world.clinician).get(URL).status_code == 403
    assert (
        api_as(world.clinician)
        .post(URL, {"instrument": "phq9", "time_point": 0, "answers": CALM})
        .status_code
        == 403
    )
    for user in (world.peer_b, world.evaluator, world.outsider):
        assert api_as(user).get(URL).status_code == 404, user

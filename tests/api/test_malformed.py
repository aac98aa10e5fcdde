"""A body that is not JSON, or a wrong type, still gets the one error body."""

from __future__ import annotations

from .conftest import Api, issue


def test_a_body_that_is_not_json_gets_the_error_body(world, people):
    api = Api(issue(world.peer_a))
    response = api.client.post(
        "/api/v1/o/northwind/contacts",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.secret}",
    )
    assert response.status_code in (400, 422)
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["message"]
    response = api.post("/api/v1/o/northwind/contacts", {"team": 1, "people": "P-ANA2345"})
    fields = {e["field"] for e in response.json()["detail"]}
    assert "people" in fields and "date" in fields


def test_a_nul_character_is_refused_with_the_field_named_and_nothing_written(world, people):
    """Found by the schemathesis run: PostgreSQL cannot store NUL, which was a server
    error; now a 422 naming the field on every database."""
    from peerway.support.models import Contact

    api = Api(issue(world.peer_a))
    response = api.get("/api/v1/o/northwind/people", {"code": "P-\x00"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "code"
    before = Contact.objects.count()
    response = api.post(
        "/api/v1/o/northwind/contacts",
        {
            "team": world.team_a.pk,
            "people": ["P-ANA2345"],
            "date": "2026-12-01",
            "duration_minutes": 30,
            "modality": "in_person",
            "setting": "clinic",
            "contact_type": "one_to_one",
            "activities": [],
            "note": "before\x00after",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "note"
    assert Contact.objects.count() == before

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

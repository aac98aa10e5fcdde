"""Hospital events through the API: the CSV import's own checks, all or nothing."""

from __future__ import annotations

from peerway.core.models import AuditEvent
from peerway.hospital.models import HospitalEvent, HospitalImport

URL = "/api/v1/o/northwind/hospital-events"


def batch(*events):
    return {"events": list(events)}


ADMISSION = {
    "person_code": "P-ANA2345",
    "event": "admission",
    "date": "2026-01-10",
    "facility": "North Hospital",
}
DISCHARGE = {
    "person_code": "P-ANA2345",
    "event": "discharge",
    "date": "2026-01-14",
    "admission_date": "2026-01-10",
    "facility": "North Hospital",
}


def test_manager_submits_a_batch_and_a_repeat_adds_nothing(world, people, api_as):
    api = api_as(world.manager)
    response = api.post(URL, batch(ADMISSION, DISCHARGE))
    assert response.status_code == 201, response.content
    assert response.json() == {"rows": 2, "created": 2, "already_present": 0}
    assert HospitalEvent.objects.count() == 2
    assert HospitalImport.objects.get().source == "api"
    assert AuditEvent.objects.filter(action="hospital.events_imported").exists()
    again = api.post(URL, batch(ADMISSION, DISCHARGE)).json()
    assert again == {"rows": 2, "created": 0, "already_present": 2}


def test_one_bad_event_rejects_the_whole_batch_and_names_it(world, people, api_as):
    bad = {**DISCHARGE, "date": "14/01/2026"}
    response = api_as(world.manager).post(URL, batch(ADMISSION, bad))
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["detail"]]
    assert "events[1].date" in fields
    assert HospitalEvent.objects.count() == 0
    unknown = {**ADMISSION, "person_code": "P-NOBODY22"}
    response = api_as(world.manager).post(URL, batch(unknown))
    assert response.json()["detail"][0]["field"].startswith("events[0]")
    response = api_as(world.manager).post(URL, batch())
    assert response.json()["detail"][0]["field"] == "events"


def test_only_organization_wide_managers_submit(world, people, api_as):
    for user in (world.site_manager, world.supervisor, world.clinician, world.evaluator):
        assert api_as(user).post(URL, batch(ADMISSION)).status_code == 403, user
    assert api_as(world.outsider).post(URL, batch(ADMISSION)).status_code == 404
    assert HospitalEvent.objects.count() == 0

"""The demo region through FHIR: every resource each role receives is valid, and the
roles without people see none."""

from __future__ import annotations

from peerway.fhir.search import KINDS
from tests.fhir.helpers import entries, validate


def test_every_resource_of_the_demo_validates_for_each_role(demo_region, client):
    seen = set()
    for key in ("manager", "supervisor1", "peer1", "clinician1"):
        client.force_login(demo_region.users[key])
        for name in KINDS:
            response = client.get(f"/fhir/r4/{name}", {"_count": 200})
            assert response.status_code == 200, (key, name)
            for resource in entries(response):
                validate(resource)
                seen.add(resource["resourceType"])
    assert seen == set(KINDS)


def test_demo_evaluator_and_hr_see_no_person(demo_region, client):
    for key in ("evaluator", "hr"):
        client.force_login(demo_region.users[key])
        for name in ("Patient", "Encounter", "Observation", "QuestionnaireResponse", "Consent"):
            assert client.get(f"/fhir/r4/{name}").json()["total"] == 0, (key, name)

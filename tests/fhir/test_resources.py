"""Every resource type the interface produces is valid FHIR (R4B models, see helpers)."""

from __future__ import annotations

import pytest

from peerway.fhir import codes
from peerway.fhir.search import KINDS
from tests.fhir.helpers import entries, validate


def test_every_resource_type_validates(world, records, login):
    client = login(world.peer_a)
    seen = set()
    for name in KINDS:
        response = client.get(f"/fhir/r4/{name}")
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/fhir+json"
        validate(response.json())  # the Bundle itself
        found = entries(response)
        assert found, f"no {name} in the fixture"
        for resource in found:
            validate(resource)
            seen.add(resource["resourceType"])
    assert seen == set(KINDS)


def test_capability_statement_validates_and_lists_every_type(client, db):
    response = client.get("/fhir/r4/metadata")
    assert response.status_code == 200
    statement = response.json()
    validate(statement)
    listed = {r["type"] for r in statement["rest"][0]["resource"]}
    assert listed == set(KINDS) | {"CodeSystem"}
    assert statement["fhirVersion"] == "4.0.1"


@pytest.mark.parametrize("name", codes.code_system_ids())
def test_each_code_system_validates_in_both_languages(client, db, name):
    english = client.get(f"/fhir/r4/CodeSystem/{name}")
    assert english.status_code == 200
    validate(english.json())
    assert english.json()["count"] == len(english.json()["concept"]) > 0
    client.post("/i18n/setlang/", {"language": "fr-ca"})
    french = client.get(f"/fhir/r4/CodeSystem/{name}")
    validate(french.json())
    assert [c["code"] for c in french.json()["concept"]] == [
        c["code"] for c in english.json()["concept"]
    ]


def test_code_system_search_and_unknown_system(client, db):
    bundle = client.get("/fhir/r4/CodeSystem").json()
    validate(bundle)
    assert bundle["total"] == len(codes.code_system_ids())
    one = client.get("/fhir/r4/CodeSystem", {"url": codes.system_url("chime")}).json()
    assert [e["resource"]["id"] for e in one["entry"]] == ["chime"]
    missing = client.get("/fhir/r4/CodeSystem/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"


def test_phq9_and_gad7_carry_their_loinc_codes(world, records, login):
    client = login(world.peer_a)
    observations = entries(client.get("/fhir/r4/Observation"))
    loinc = {
        c["code"] for o in observations for c in o["code"]["coding"] if c["system"] == codes.LOINC
    }
    assert {"44261-6", "70274-6"} <= loinc
    phq9 = next(o for o in observations if o["id"] == f"{records.phq9.pk}-total")
    assert phq9["valueQuantity"]["value"] == records.phq9.total_score
    questionnaires = entries(client.get("/fhir/r4/Questionnaire", {"_count": 200}))
    panels = {c["code"] for q in questionnaires for c in q["code"] if c["system"] == codes.LOINC}
    assert {"44249-1", "69737-5"} <= panels


def test_no_note_ever_leaves_the_record(world, records, login):
    client = login(world.peer_a)
    for name in KINDS:
        assert b"A private note" not in client.get(f"/fhir/r4/{name}").content

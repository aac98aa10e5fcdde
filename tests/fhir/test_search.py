"""Search parameters, paging and the audit trail of reads and searches."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.fhir import codes
from peerway.support.models import Person
from tests.fhir.helpers import ids


def test_patient_by_identifier_with_or_without_system(world, records, login):
    client = login(world.peer_a)
    assert ids(client.get("/fhir/r4/Patient", {"identifier": "P-BEN2345"})) == ["P-BEN2345"]
    both = f"{codes.PERSON_CODE}|P-ANA2345"
    assert ids(client.get("/fhir/r4/Patient", {"identifier": both})) == ["P-ANA2345"]
    other = "http://example.org/mrn|P-ANA2345"
    assert ids(client.get("/fhir/r4/Patient", {"identifier": other})) == []
    assert ids(client.get("/fhir/r4/Patient", {"_id": "P-ANA2345,P-CYY2345"})) == ["P-ANA2345"]


def test_patient_parameter_on_each_person_resource(world, records, login):
    client = login(world.peer_a)
    for name in ("ServiceRequest", "EpisodeOfCare", "Consent", "Encounter"):
        found = client.get(f"/fhir/r4/{name}", {"patient": "Patient/P-ANA2345"}).json()
        assert found["total"] >= 1, name
        nobody = client.get(f"/fhir/r4/{name}", {"patient": "P-NOBODY00"}).json()
        assert nobody["total"] == 0, name
    ben = client.get("/fhir/r4/Observation", {"patient": "P-BEN2345"}).json()
    assert ben["total"] == 0


def test_date_prefixes(world, records, login):
    client = login(world.peer_a)
    today = timezone.localdate()
    ten_days_ago = (today - dt.timedelta(days=10)).isoformat()
    assert ids(client.get("/fhir/r4/Encounter", {"date": f"eq{ten_days_ago}"})) == [
        str(records.group.pk)
    ]
    assert ids(client.get("/fhir/r4/Encounter", {"date": f"ge{today.isoformat()}"})) == []
    recent = (today - dt.timedelta(days=7)).isoformat()
    assert ids(client.get("/fhir/r4/QuestionnaireResponse", {"date": f"ge{recent}"})) == [
        str(records.gad7.pk)
    ]
    window = client.get(f"/fhir/r4/QuestionnaireResponse?date=le{recent}&date=ge2000-01-01")
    assert ids(window) == [str(records.phq9.pk)]
    observations = client.get("/fhir/r4/Observation", {"date": f"le{recent}"}).json()
    assert {e["resource"]["id"].split("-")[0] for e in observations["entry"]} == {
        str(records.phq9.pk)
    }


@pytest.mark.parametrize(
    "address,param",
    [
        ("/fhir/r4/Patient?name=Ana", "name"),
        ("/fhir/r4/Encounter?date=yesterday", "date"),
        ("/fhir/r4/Patient?_count=many", "_count"),
        ("/fhir/r4/Location?patient=P-ANA2345", "patient"),
        ("/fhir/r4/CodeSystem?name=chime", "name"),
        ("/fhir/r4/Patient?_format=xml", "_format"),
        ("/fhir/r4/Patient/P-ANA2345?_elements=id", "_elements"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(world, records, login, address, param):
    response = login(world.peer_a).get(address)
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["expression"] == [param]
    assert param in issue["diagnostics"]


def test_an_unknown_type_is_404(world, login):
    assert login(world.manager).get("/fhir/r4/Medication").status_code == 404


def test_paging_links_walk_every_patient_once(world, records, login):
    for i in range(5):
        Person.objects.create(organization=world.org, team=world.team_a, code=f"P-PG{i}00000")
    client = login(world.supervisor)
    first = client.get("/fhir/r4/Patient", {"_count": 3}).json()
    total = first["total"]
    assert total == 8  # the North supervisor: teams A and B
    seen, page = [], first
    while True:
        seen += [e["resource"]["id"] for e in page["entry"]]
        links = {link["relation"]: link["url"] for link in page["link"]}
        if "next" not in links:
            break
        page = client.get(links["next"].removeprefix("http://testserver")).json()
    assert len(seen) == total == len(set(seen))
    assert "previous" in {link["relation"] for link in page["link"]}
    assert "previous" not in {link["relation"] for link in first["link"]}
    capped = client.get("/fhir/r4/Patient", {"_count": 5000}).json()
    assert "_count=200" in capped["link"][0]["url"]


def test_a_read_of_a_persons_resource_is_audited_on_the_person(world, records, login):
    client = login(world.peer_a)
    client.get(f"/fhir/r4/ServiceRequest/{records.referral.pk}")
    event = AuditEvent.objects.get(action="fhir.resource_read")
    assert event.actor_id == world.peer_a.pk
    assert (event.object_type, event.object_id) == ("support.person", str(records.ana.pk))
    assert event.details == {"type": "ServiceRequest", "id": str(records.referral.pk)}


def test_a_group_encounter_read_is_audited_for_each_person_shown(world, records, login):
    login(world.peer_a).get(f"/fhir/r4/Encounter/{records.group.pk}")
    people = set(
        AuditEvent.objects.filter(action="fhir.resource_read").values_list("object_id", flat=True)
    )
    assert people == {str(records.ana.pk), str(records.ben.pk)}


def test_a_search_is_one_event_with_the_people_returned_and_no_codes(world, records, login):
    login(world.peer_a).get("/fhir/r4/Patient", {"identifier": "P-ANA2345"})
    event = AuditEvent.objects.get(action="fhir.searched")
    assert event.details == {"type": "Patient", "count": 1, "people": [records.ana.pk]}
    assert "P-ANA2345" not in str(event.details)
    assert not AuditEvent.objects.filter(action="fhir.resource_read").exists()


def test_a_refused_or_missing_read_writes_no_read_event(world, records, login):
    login(world.peer_b).get("/fhir/r4/Patient/P-ANA2345")
    login(world.outsider).get("/fhir/r4/Patient/P-ANA2345")
    assert not AuditEvent.objects.filter(action="fhir.resource_read").exists()


def test_place_and_instrument_reads_are_not_person_reads(world, records, login):
    client = login(world.manager)
    assert client.get("/fhir/r4/Organization/northwind").status_code == 200
    assert client.get("/fhir/r4/Questionnaire/phq9-1").json()["title"]
    assert not AuditEvent.objects.filter(action="fhir.resource_read").exists()


def test_json_format_is_accepted_and_answers_are_never_cached(world, records, login):
    client = login(world.peer_a)
    response = client.get("/fhir/r4/Patient", {"_format": "json"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    read = client.get("/fhir/r4/Patient/P-ANA2345", {"_format": "application/fhir+json"})
    assert read.status_code == 200


def test_outcomes_speak_the_sessions_language(world, records, login):
    client = login(world.peer_a)
    client.post("/i18n/setlang/", {"language": "fr-ca"})
    issue = client.get("/fhir/r4/Patient?name=Ana").json()["issue"][0]
    assert issue["diagnostics"] == "Paramètre de recherche inconnu pour Patient : name."
    assert issue["expression"] == ["name"]


@pytest.mark.parametrize(
    "address",
    [
        "/fhir/r4/Patient?identifier=P-%00",
        "/fhir/r4/Encounter?patient=%00",
        "/fhir/r4/Patient?_id=a%00b",
    ],
)
def test_a_nul_character_is_a_400_never_a_server_error(world, records, login, address):
    response = login(world.manager).get(address)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"]


@pytest.mark.parametrize(
    "address",
    [
        "/fhir/r4/Encounter/99999999999999999999999",
        "/fhir/r4/ServiceRequest/²",
        "/fhir/r4/Encounter?_id=99999999999999999999999",
    ],
)
def test_an_id_beyond_any_record_matches_nothing(world, records, login, address):
    response = login(world.manager).get(address)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert response.json()["total"] == 0


def test_an_offset_beyond_every_record_gives_an_empty_page(world, records, login):
    response = login(world.manager).get("/fhir/r4/Patient?_offset=99999999999999999999")
    assert response.status_code == 200
    assert response.json().get("entry", []) == []

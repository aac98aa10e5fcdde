"""What each role sees through FHIR is what its pages show: by role and by place."""

from __future__ import annotations

from peerway.core.models import AuditEvent
from tests.fhir.helpers import entries, ids


def test_peer_worker_sees_only_their_teams_people(world, records, login):
    client = login(world.peer_a)
    assert ids(client.get("/fhir/r4/Patient")) == ["P-ANA2345", "P-BEN2345"]
    assert client.get("/fhir/r4/Patient/P-CYY2345").status_code == 404
    assert ids(client.get("/fhir/r4/Encounter")) == [str(records.group.pk)]
    assert client.get(f"/fhir/r4/Encounter/{records.cy_contact.pk}").status_code == 404
    assert ids(client.get("/fhir/r4/EpisodeOfCare", {"patient": "P-CYY2345"})) == []


def test_the_other_teams_peer_worker_sees_none_of_team_a(world, records, login):
    client = login(world.peer_b)
    assert ids(client.get("/fhir/r4/Patient")) == ["P-CYY2345"]
    for name in ("ServiceRequest", "Consent", "QuestionnaireResponse", "Observation"):
        assert ids(client.get(f"/fhir/r4/{name}")) == [], name
    assert client.get(f"/fhir/r4/QuestionnaireResponse/{records.phq9.pk}").status_code == 404


def test_evaluator_and_admin_see_no_patient(world, records, login):
    for user in (world.evaluator, world.admin):
        client = login(user)
        assert ids(client.get("/fhir/r4/Patient")) == [], user
        assert client.get("/fhir/r4/Patient/P-ANA2345").status_code == 404
        assert ids(client.get("/fhir/r4/Observation")) == []


def test_outsider_gets_404_for_everything_of_the_region(world, records, login):
    client = login(world.outsider)
    assert client.get("/fhir/r4/Patient/P-ANA2345").status_code == 404
    assert client.get("/fhir/r4/Organization/northwind").status_code == 404
    assert client.get(f"/fhir/r4/Location/team-{world.team_a.pk}").status_code == 404
    assert ids(client.get("/fhir/r4/Patient")) == []
    response = client.get(f"/fhir/r4/Encounter/{records.group.pk}")
    assert response.json()["issue"][0]["code"] == "not-found"


def test_a_user_without_any_role_is_refused_with_an_outcome(world, login):
    from tests.conftest import make_user

    client = login(make_user("nobody@northwind.test", "No Role"))
    response = client.get("/fhir/r4/Patient")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/fhir+json"
    assert response.json()["issue"][0]["code"] == "forbidden"


def test_names_only_for_who_may_see_them(world, records, login):
    peer = login(world.peer_a).get("/fhir/r4/Patient/P-ANA2345").json()
    assert peer["name"] == [{"text": "Ana Example"}]
    assert "name" not in login(world.peer_a).get("/fhir/r4/Patient/P-BEN2345").json()
    # Nobody outside the person's team sees the name: they do not see the person at all.
    assert b"Ana Example" not in login(world.peer_b).get("/fhir/r4/Patient").content


def test_clinician_sees_scores_of_a_person_who_shares_but_never_answers(world, records, login):
    client = login(world.clinician)
    observations = entries(client.get("/fhir/r4/Observation"))
    assert observations
    assert all(o["subject"]["reference"] == "Patient/P-ANA2345" for o in observations)
    assert all("derivedFrom" not in o for o in observations)
    assert ids(client.get("/fhir/r4/QuestionnaireResponse")) == []
    assert client.get(f"/fhir/r4/QuestionnaireResponse/{records.phq9.pk}").status_code == 404


def test_peer_worker_on_the_caseload_sees_answers_and_the_link_to_them(world, records, login):
    client = login(world.peer_a)
    observations = entries(client.get("/fhir/r4/Observation"))
    assert all(
        o["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{o['id'].split('-')[0]}"}]
        for o in observations
    )
    response = client.get(f"/fhir/r4/QuestionnaireResponse/{records.phq9.pk}").json()
    assert {i["linkId"] for i in response["item"]} == {f"phq9_{i}" for i in range(1, 10)}


def test_places_only_where_the_user_may_see_the_structure(world, records, login):
    manager = login(world.manager)
    assert ids(manager.get("/fhir/r4/Organization")) == ["northwind"]
    locations = ids(manager.get("/fhir/r4/Location", {"organization": "Organization/northwind"}))
    assert f"team-{world.team_a.pk}" in locations and f"site-{world.north.pk}" in locations
    assert ids(login(world.outsider).get("/fhir/r4/Organization")) == ["elsewhere"]


def test_unauthenticated_requests_get_401_outcomes_not_a_sign_in_page(client, world, records):
    for address in ("/fhir/r4/Patient", "/fhir/r4/Patient/P-ANA2345", "/fhir/r4/$export"):
        response = client.get(address)
        assert response.status_code == 401, address
        assert response["Content-Type"] == "application/fhir+json"
        assert response.json()["issue"][0]["code"] == "login"
        assert "WWW-Authenticate" in response
    assert not AuditEvent.objects.filter(action__startswith="fhir.").exists()


def test_metadata_and_code_systems_need_no_sign_in(client, db):
    assert client.get("/fhir/r4/metadata").status_code == 200
    assert client.get("/fhir/r4/CodeSystem/chime").status_code == 200


def test_writes_are_not_supported(world, records, login):
    client = login(world.manager)
    response = client.post("/fhir/r4/Patient", {}, content_type="application/fhir+json")
    assert response.status_code == 405
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_user_with_roles_in_two_organizations_sees_both(world, records, login):
    from peerway.core.roles import Role
    from peerway.support.models import Person, Referral, ReferralSource
    from tests.conftest import grant

    elsewhere_team = world.other_org.sites.get().teams.get()
    other = Person.objects.create(
        organization=world.other_org, team=elsewhere_team, code="P-ELS2345"
    )
    Referral.objects.create(person=other, team=elsewhere_team, source=ReferralSource.values[0])
    grant(world.manager, Role.MANAGER, world.other_org)
    client = login(world.manager)
    assert set(ids(client.get("/fhir/r4/ServiceRequest"))) == {
        str(records.referral.pk),
        str(Referral.objects.get(person=other).pk),
    }
    assert "P-ELS2345" in ids(client.get("/fhir/r4/Patient"))
    assert set(ids(client.get("/fhir/r4/Organization"))) == {"northwind", "elsewhere"}


def test_a_session_that_must_set_up_two_factor_gets_an_outcome(world, records, login):
    from peerway.core.roles import Role

    world.org.mfa_required_roles = [Role.MANAGER]
    world.org.save()
    client = login(world.manager)
    response = client.get("/fhir/r4/Patient")
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert client.get("/fhir/r4/metadata").status_code == 200

"""Each endpoint's happy path and its refusals by role and place, with one error body."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.support.models import Contact, Referral

from .conftest import Api, issue

BASE = "/api/v1/o/northwind"
CONTACT = {
    "people": ["P-ANA2345"],
    "date": "2026-01-05",
    "duration_minutes": 45,
    "modality": "in_person",
    "setting": "community",
    "contact_type": "one_to_one",
    "activities": ["advocacy"],
    "chime": [],
    "note": "Walked to the library together",
}


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


# --- people ------------------------------------------------------------------------------


def test_peer_worker_of_team_a_sees_nothing_of_team_b(world, people, api_as):
    api = api_as(world.peer_a)
    assert codes(api.get(f"{BASE}/people")) == ["P-ANA2345", "P-BEN2345"]
    assert api.get(f"{BASE}/people/P-CYY2345").status_code == 404
    assert api.get(f"{BASE}/people", {"team": world.team_b.pk}).json()["count"] == 0
    assert api.get(f"{BASE}/contacts", {"team": world.team_b.pk}).json()["count"] == 0


def test_lists_carry_codes_never_names(world, people, api_as):
    for user in (world.manager, world.supervisor, world.clinician, world.peer_a):
        response = api_as(user).get(f"{BASE}/people")
        assert "P-ANA2345" in codes(response)
        assert "Ana Example" not in response.content.decode()
        assert all("name" not in row for row in response.json()["results"])


def test_a_persons_record_shows_the_name_and_is_audited(world, people, api_as):
    api = api_as(world.clinician)
    response = api.get(f"{BASE}/people/P-ANA2345")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Ana Example"
    consent = {c["purpose"]: c["given"] for c in body["consents"]}
    assert consent["peer_support"] is True and consent["share_notes"] is None
    event = AuditEvent.objects.get(action="support.person_viewed")
    assert event.actor_id == world.clinician.pk
    assert event.object_id == str(people["ana"].pk)
    assert event.details["via"] == "api" and event.details["token"]


def test_roles_without_people_get_no_people(world, people, api_as):
    for user in (world.evaluator, world.admin):
        response = api_as(user).get(f"{BASE}/people")
        assert response.status_code == 403
        assert response.json()["detail"][0]["message"]
        assert api_as(user).get(f"{BASE}/people/P-ANA2345").status_code == 404
    assert api_as(world.outsider).get(f"{BASE}/people").status_code == 404


def test_people_filters_and_pagination(world, people, api_as):
    api = api_as(world.manager)
    page = api.get(f"{BASE}/people", {"limit": 2}).json()
    assert (page["count"], len(page["results"]), page["next_offset"]) == (3, 2, 2)
    last = api.get(f"{BASE}/people", {"limit": 2, "offset": 2}).json()
    assert len(last["results"]) == 1 and last["next_offset"] is None
    assert codes(api.get(f"{BASE}/people", {"site": world.south.pk})) == []
    assert codes(api.get(f"{BASE}/people", {"team": world.team_b.pk})) == ["P-CYY2345"]
    today = timezone.localdate()
    assert len(codes(api.get(f"{BASE}/people", {"created_from": today.isoformat()}))) == 3
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert codes(api.get(f"{BASE}/people", {"created_to": yesterday})) == []


def test_bad_query_values_are_named(world, people, api_as):
    api = api_as(world.manager)
    response = api.get(f"{BASE}/people", {"limit": 1000})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "limit"
    response = api.get(f"{BASE}/people", {"created_from": "2026-02-01", "created_to": "2026-01-01"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "created_to", "message": "The end date is before the start date."}
    ]
    response = api.get(f"{BASE}/people", {"created_from": "last week"})
    assert response.json()["detail"][0]["field"] == "created_from"


def test_consent_is_recorded_through_the_service(world, people, api_as):
    api = api_as(world.peer_a)
    response = api.post(
        f"{BASE}/people/P-BEN2345/consents", {"purpose": "share_notes", "given": True}
    )
    assert response.status_code == 201
    assert AuditEvent.objects.filter(action="support.consent_given").exists()
    response = api.post(
        f"{BASE}/people/P-BEN2345/consents",
        {"purpose": "share_notes", "given": True, "decided_on": "2999-01-01"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "decided_on"
    response = api.post(f"{BASE}/people/P-BEN2345/consents", {"purpose": "nonsense", "given": True})
    assert response.json()["detail"][0]["field"] == "purpose"
    assert (
        api_as(world.peer_b)
        .post(f"{BASE}/people/P-BEN2345/consents", {"purpose": "share_notes", "given": True})
        .status_code
        == 404
    )


# --- referrals ---------------------------------------------------------------------------


def test_clinician_refers_and_follows_the_referral(world, people, api_as):
    api = api_as(world.clinician)
    response = api.post(
        f"{BASE}/referrals",
        {
            "team": world.team_a.pk,
            "source": "clinician",
            "urgency": "urgent",
            "reason": "Asked for someone who has been there",
            "consent_given": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "new" and body["urgency"] == "urgent"
    assert body["reason"] == "Asked for someone who has been there"
    referral = Referral.objects.get(pk=body["id"])
    assert AuditEvent.objects.filter(
        action="support.referral_created", object_id=str(referral.pk)
    ).exists()
    read = api.get(f"{BASE}/referrals/{referral.pk}")
    assert read.status_code == 200 and read.json()["events"][0]["state"] == "new"
    assert AuditEvent.objects.filter(action="support.referral_viewed").exists()
    assert [r["id"] for r in api.get(f"{BASE}/referrals").json()["results"]] == [referral.pk]


def test_referral_refusals_name_the_field(world, people, api_as):
    api = api_as(world.clinician)
    response = api.post(f"{BASE}/referrals", {"team": world.team_b.pk, "source": "clinician"})
    assert response.status_code == 403  # a team of the organization, not the clinician's
    response = api.post(f"{BASE}/referrals", {"team": 999999, "source": "clinician"})
    assert response.json()["detail"] == [{"field": "team", "message": "Choose one of your teams."}]
    response = api.post(f"{BASE}/referrals", {"team": world.team_a.pk, "source": "self"})
    assert response.json()["detail"][0]["field"] == "source"
    response = api.post(
        f"{BASE}/referrals",
        {"team": world.team_a.pk, "source": "clinician", "year_of_birth": 1850},
    )
    assert response.json()["detail"][0]["field"] == "year_of_birth"
    response = api.post(f"{BASE}/referrals", {"source": "clinician"})
    assert response.json()["detail"] == [{"field": "team", "message": "Field required"}]
    assert not Referral.objects.exists()  # nothing half-written
    assert (
        api_as(world.evaluator)
        .post(f"{BASE}/referrals", {"team": world.team_a.pk, "source": "clinician"})
        .status_code
        == 403
    )


def test_peer_worker_records_a_self_referral_for_a_known_person(world, people, api_as):
    api = api_as(world.peer_a)
    response = api.post(
        f"{BASE}/referrals", {"team": world.team_a.pk, "source": "self", "person": "P-ANA2345"}
    )
    assert response.status_code == 201
    assert response.json()["person"] == "P-ANA2345"
    response = api.post(
        f"{BASE}/referrals", {"team": world.team_a.pk, "source": "self", "person": "P-CYY2345"}
    )
    assert response.json()["detail"][0]["field"] == "person"


def test_supervisor_moves_a_referral_and_a_peer_worker_may_not(world, people, api_as):
    created = api_as(world.clinician).post(
        f"{BASE}/referrals",
        {"team": world.team_a.pk, "source": "clinician", "person": "P-ANA2345"},
    )
    rid = created.json()["id"]
    supervisor = api_as(world.supervisor)
    response = supervisor.post(f"{BASE}/referrals/{rid}/state", {"state": "triaged"})
    assert response.status_code == 200 and response.json()["state"] == "triaged"
    response = supervisor.post(f"{BASE}/referrals/{rid}/state", {"state": "closed"})
    assert response.json()["detail"] == [{"field": "reason", "message": "Give the reason."}]
    response = supervisor.post(f"{BASE}/referrals/{rid}/state", {"state": "accepted"})
    assert response.json()["detail"][0]["field"] == "state"
    response = api_as(world.peer_a).post(f"{BASE}/referrals/{rid}/state", {"state": "closed"})
    assert response.status_code in (403, 404)
    assert api_as(world.peer_b).get(f"{BASE}/referrals/{rid}").status_code == 404


# --- contacts ----------------------------------------------------------------------------


def log(api, world, **changes):
    return api.post(f"{BASE}/contacts", {"team": world.team_a.pk, **CONTACT, **changes})


def test_peer_worker_logs_reads_and_corrects_a_contact(world, people, api_as):
    api = api_as(world.peer_a)
    response = log(api, world)
    assert response.status_code == 201, response.content
    contact_id = response.json()["id"]
    assert response.json()["note"] == CONTACT["note"]
    assert AuditEvent.objects.filter(action="contacts.contact_logged").exists()
    response = api.patch(f"{BASE}/contacts/{contact_id}", {"duration_minutes": 60})
    assert response.status_code == 200 and response.json()["duration_minutes"] == 60
    assert AuditEvent.objects.filter(action="contacts.contact_edited").exists()
    assert api.get(f"{BASE}/contacts/{contact_id}").status_code == 200
    assert AuditEvent.objects.filter(action="contacts.contact_viewed").exists()
    # Outside the edit window the author may no longer change it.
    Contact.objects.filter(pk=contact_id).update(created_at=timezone.now() - dt.timedelta(hours=73))
    response = api.patch(f"{BASE}/contacts/{contact_id}", {"duration_minutes": 30})
    assert response.status_code == 403


def test_contact_errors_name_every_bad_field_and_write_nothing(world, people, api_as):
    api = api_as(world.peer_a)
    response = log(api, world, duration_minutes=0, modality="carrier pigeon", activities=[])
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert fields == {"duration_minutes", "modality", "activities"}
    response = log(api, world, people=["P-CYY2345"])
    assert response.json()["detail"][0]["field"] == "people"
    response = log(api, world, date="2999-01-01")
    assert response.json()["detail"][0]["field"] == "date"
    assert not Contact.objects.exists()


def test_contacts_are_seen_by_the_pages_readers_only(world, people, api_as):
    contact_id = log(api_as(world.peer_a), world).json()["id"]
    assert api_as(world.peer_b).get(f"{BASE}/contacts/{contact_id}").status_code == 404
    assert api_as(world.evaluator).get(f"{BASE}/contacts/{contact_id}").status_code == 404
    assert api_as(world.evaluator).get(f"{BASE}/contacts").json()["count"] == 0
    # A clinician of the team sees the contact, not the note (Ana has not agreed to share).
    body = api_as(world.clinician).get(f"{BASE}/contacts/{contact_id}").json()
    assert body["people"] == ["P-ANA2345"] and body["note"] is None
    assert (
        api_as(world.clinician)
        .patch(f"{BASE}/contacts/{contact_id}", {"duration_minutes": 5})
        .status_code
        == 403
    )
    assert log(api_as(world.clinician), world).status_code == 403


def test_contact_list_filters_by_date(world, people, api_as):
    api = api_as(world.peer_a)
    log(api, world, date="2026-01-05")
    log(api, world, date="2026-02-05")
    page = api.get(f"{BASE}/contacts", {"date_from": "2026-02-01"}).json()
    assert [c["date"] for c in page["results"]] == ["2026-02-05"]
    page = api.get(f"{BASE}/contacts", {"date_to": "2026-01-31"}).json()
    assert [c["date"] for c in page["results"]] == ["2026-01-05"]


# --- browser sessions, CSRF, rate limit, unauthenticated ------------------------------------


def test_browser_session_writes_need_csrf_but_tokens_do_not(world, people):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.peer_a)
    assert browser.get(f"{BASE}/people").status_code == 200
    response = browser.post(
        f"{BASE}/contacts", {"team": world.team_a.pk, **CONTACT}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Contact.objects.exists()
    api = Api(issue(world.peer_a))
    api.client = Client(enforce_csrf_checks=True)
    assert log(api, world).status_code == 201


def test_without_token_or_session_the_api_answers_401(world, people):
    response = Client().get(f"{BASE}/people")
    assert response.status_code == 401
    assert response.json()["detail"][0]["field"] == "Authorization"


def test_rate_limit_per_token_answers_429_with_retry_after(world, people, settings):
    settings.PEERWAY_API_RATE_PER_MINUTE = 3
    api = Api(issue(world.peer_a))
    statuses = [api.get(f"{BASE}/people").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get(f"{BASE}/people")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["detail"][0]["message"].startswith("Too many requests")
    # Another token of another person is counted apart.
    assert Api(issue(world.peer_b)).get(f"{BASE}/people").status_code == 200

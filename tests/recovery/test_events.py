"""Boundary and risk events: recorded by the peer worker, queued for supervision,
reviewed by the worker's supervisors; counted for the safety indicators."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.recovery import selectors, services
from peerway.recovery.models import SafetyEvent
from peerway.support.models import ConsentPurpose, PeerRelationship, Person
from peerway.support.services import record_consent
from peerway.workforce.selectors import load_worker
from peerway.workforce.services import SessionInput, log_supervision

DESCRIPTION = "Robin asked to meet for coffee on the weekend"
TODAY = timezone.localdate


def boundary(world, person, **extra):
    data = services.EventInput(
        kind="boundary",
        occurred_on=extra.pop("occurred_on", TODAY() - timedelta(days=2)),
        description=DESCRIPTION,
        boundary_type=extra.pop("boundary_type", "crossing"),
        **extra,
    )
    return services.record_event(actor=world.peer_a, person=person, data=data)


def risk(world, person, path="relational", worker=None, occurred_on=None):
    data = services.EventInput(
        kind="risk",
        occurred_on=occurred_on or TODAY() - timedelta(days=1),
        description="Talked about not wanting to go on",
        risk_type="self_harm",
        response_path=path,
        outcome="Agreed a safety plan together",
    )
    return services.record_event(actor=worker or world.peer_a, person=person, data=data)


def session_for(world, worker, day):
    return log_supervision(
        actor=world.supervisor,
        workers=[load_worker(worker, world.org)],
        session=SessionInput("peer_practice", day, 60, ["boundaries"]),
    )[0]


def events_url(world):
    return reverse("recovery:events", args=[world.org.slug])


def event_url(world, event, name="event"):
    return reverse(f"recovery:{name}", args=[world.org.slug, event.pk])


def test_worker_records_a_boundary_event_and_it_waits_for_supervision(world, caseload, login):
    client = login(world.peer_a)
    new = reverse("recovery:event_new", args=[world.org.slug, caseload.robin.pk, "boundary"])
    assert client.get(new).status_code == 200
    response = client.post(
        new,
        {
            "occurred_on": (TODAY() - timedelta(days=1)).isoformat(),
            "boundary_type": "crossing",
            "description": DESCRIPTION,
        },
    )
    event = SafetyEvent.objects.get()
    assert response.status_code == 302
    assert event.worker == world.peer_a and event.team == world.team_a and not event.reviewed
    page = login(world.supervisor).get(events_url(world)).content.decode()
    assert "To review in supervision" in page and caseload.robin.code in page
    # the worker sees it in their own list, not as a queue to review
    page = login(world.peer_a).get(events_url(world)).content.decode()
    assert 'id="review-queue"' not in page and caseload.robin.code in page


def test_descriptions_are_encrypted_and_audit_holds_no_free_text(world, caseload):
    event = boundary(world, caseload.robin, resolution="We agreed to meet at the centre")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT description, resolution FROM recovery_safetyevent WHERE id = %s", [event.pk]
        )
        for value in cursor.fetchone():
            assert value.startswith("fernet:") and "coffee" not in value
    recorded = AuditEvent.objects.get(action="recovery.event_recorded")
    assert recorded.details == {
        "person_id": caseload.robin.pk,
        "kind": "boundary",
        "type": "crossing",
        "response_path": "",
    }


def test_supervisor_reviews_an_event_in_a_supervision_session(world, caseload, login):
    event = risk(world, caseload.robin, path="joint")
    session = session_for(world, world.peer_a, TODAY())
    client = login(world.supervisor)
    page = client.get(event_url(world, event)).content.decode()
    assert "Mark as reviewed" in page and "Agreed a safety plan together" in page
    response = client.post(event_url(world, event, "event_review"), {"session": session.pk})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.reviewed_by == world.supervisor and event.supervision_session == session
    assert not selectors.review_queue(world.supervisor, world.org).exists()
    audit = AuditEvent.objects.get(action="recovery.event_reviewed")
    assert audit.details == {"worker_id": world.peer_a.pk, "session_id": session.pk}
    # reviewing twice is refused by name
    with pytest.raises(ValidationError) as exc:
        services.mark_reviewed(actor=world.supervisor, event=event)
    assert "event" in exc.value.message_dict


def test_review_links_only_to_the_workers_own_session_after_the_event(world, caseload):
    event = risk(world, caseload.robin)
    quinns = session_for(world, world.peer_b, TODAY())
    earlier = session_for(world, world.peer_a, TODAY() - timedelta(days=10))
    for session in (quinns, earlier):
        with pytest.raises(ValidationError) as exc:
            services.mark_reviewed(actor=world.supervisor, event=event, session=session)
        assert "session" in exc.value.message_dict
    event.refresh_from_db()
    assert not event.reviewed
    # without a session logged here, it can still be marked reviewed
    services.mark_reviewed(actor=world.supervisor, event=event)
    assert SafetyEvent.objects.get().reviewed


def test_a_worker_cannot_review_their_own_event(world, caseload, login):
    event = boundary(world, caseload.robin)
    client = login(world.peer_a)
    assert "Mark as reviewed" not in client.get(event_url(world, event)).content.decode()
    assert client.post(event_url(world, event, "event_review"), {}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.mark_reviewed(actor=world.peer_a, event=event)


def test_assigned_supervisors_replace_the_site_supervisors(world, caseload):
    from peerway.workforce.models import WorkerProfile
    from tests.conftest import grant, make_user

    other = make_user("second@northwind.test", "Second Supervisor")
    grant(other, "supervisor", world.org, site=world.north)
    profile = WorkerProfile.objects.create(organization=world.org, user=world.peer_a)
    profile.supervisors.add(other)
    event = boundary(world, caseload.robin)
    assert list(selectors.review_queue(other, world.org)) == [event]
    assert not selectors.review_queue(world.supervisor, world.org).exists()


def test_who_may_open_and_act_on_an_event(world, caseload, login):
    event = boundary(world, caseload.robin)
    expected = {
        "peer_a": 200,
        "supervisor": 200,
        "manager": 200,
        "clinician": 403,
        "evaluator": 403,
        "admin": 403,
        "peer_b": 404,
        "site_manager": 404,
        "outsider": 404,
    }
    for who, status in expected.items():
        response = login(getattr(world, who)).get(event_url(world, event))
        assert response.status_code == status, who
    for who in ("manager", "clinician", "evaluator", "admin", "peer_b", "outsider"):
        client = login(getattr(world, who))
        assert client.post(event_url(world, event, "event_review"), {}).status_code in (403, 404)
        assert client.post(
            event_url(world, event, "event_follow_up"), {"resolution": "x"}
        ).status_code in (403, 404)
    assert not SafetyEvent.objects.get().reviewed


def test_only_the_persons_peer_worker_records_events(world, caseload, login):
    new = reverse("recovery:event_new", args=[world.org.slug, caseload.robin.pk, "risk"])
    for who, status in {
        "supervisor": 403,
        "manager": 403,
        "clinician": 403,
        "peer_b": 404,
        "evaluator": 404,
        "admin": 404,
        "outsider": 404,
    }.items():
        assert login(getattr(world, who)).get(new).status_code == status, who
    taylor = reverse("recovery:event_new", args=[world.org.slug, caseload.taylor.pk, "risk"])
    assert login(world.peer_a).get(taylor).status_code == 404
    unknown = reverse("recovery:event_new", args=[world.org.slug, caseload.robin.pk, "gossip"])
    assert login(world.peer_a).get(unknown).status_code == 404


def test_events_screen_is_for_roles_that_work_with_people(world, login):
    for who in ("peer_a", "supervisor", "manager"):
        assert login(getattr(world, who)).get(events_url(world)).status_code == 200, who
    for who in ("clinician", "evaluator", "admin"):
        assert login(getattr(world, who)).get(events_url(world)).status_code == 403, who
    assert login(world.outsider).get(events_url(world)).status_code == 404


def test_bad_risk_concern_names_the_fields_and_saves_nothing(world, caseload, login):
    new = reverse("recovery:event_new", args=[world.org.slug, caseload.robin.pk, "risk"])
    response = login(world.peer_a).post(
        new,
        {
            "occurred_on": (TODAY() + timedelta(days=3)).isoformat(),
            "risk_type": "self_harm",
            "description": "",
            "response_path": "shrug",
        },
    )
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "What is happening: Describe what happened." in page
    assert "Immediate response:" in page
    assert "Date: The date cannot be in the future." in page
    assert not SafetyEvent.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.record_event(
            actor=world.peer_a,
            person=caseload.robin,
            data=services.EventInput("risk", TODAY(), "x", risk_type="", response_path=""),
        )
    assert set(exc.value.message_dict) == {"risk_type", "response_path"}


def test_worker_keeps_the_outcome_and_debrief_up_to_date(world, caseload, login):
    event = risk(world, caseload.robin)
    response = login(world.peer_a).post(
        event_url(world, event, "event_follow_up"),
        {"outcome": "Safe, seen by the team", "debrief_done": "on", "debrief_notes": "Talked"},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.debrief_done and event.outcome == "Safe, seen by the team"
    audit = AuditEvent.objects.get(action="recovery.event_updated")
    assert "Safe" not in str(audit.details)


def test_every_view_of_an_event_is_audited(world, caseload, login):
    event = boundary(world, caseload.robin)
    login(world.manager).get(event_url(world, event))
    viewed = AuditEvent.objects.get(action="recovery.event_viewed")
    assert viewed.actor_id == world.manager.pk and viewed.team_id == world.team_a.pk
    assert viewed.details == {"person_id": caseload.robin.pk, "kind": "boundary"}


def test_event_pages_in_french(world, caseload, login):
    event = risk(world, caseload.robin)
    client = login(world.supervisor)
    for url in (events_url(world), event_url(world, event)):
        response = client.get(url, headers={"accept-language": "fr-CA"})
        assert response.status_code == 200 and response["Content-Language"] == "fr-ca"
    page = client.get(events_url(world), headers={"accept-language": "fr-CA"}).content.decode()
    assert "À revoir en supervision" in page


# --- Safety indicators ---------------------------------------------------------------------


def test_boundary_events_per_100_active_relationships(world, caseload):
    start, end = date(2026, 1, 1), date(2026, 6, 30)
    # Robin (open since Jan 5) and Taylor (ended Dec 1, outside) on team A; add two more.
    for started, ended in [(date(2025, 11, 1), date(2026, 2, 1)), (date(2026, 3, 1), None)]:
        person = Person.objects.create(organization=world.org, team=world.team_a)
        PeerRelationship.objects.create(
            person=person, worker=world.peer_a, started_on=started, ended_on=ended
        )
    # one relationship starting after the period does not count
    late = Person.objects.create(organization=world.org, team=world.team_a)
    PeerRelationship.objects.create(person=late, worker=world.peer_a, started_on=date(2026, 7, 2))
    SafetyEvent.objects.bulk_create(
        [
            SafetyEvent(
                organization=world.org,
                team=world.team_a,
                person=caseload.robin,
                worker=world.peer_a,
                kind=kind,
                occurred_on=day,
                description="x",
                response_path=path,
            )
            for kind, day, path in [
                ("boundary", date(2026, 2, 1), ""),
                ("boundary", date(2026, 7, 1), ""),  # outside the period
                ("risk", date(2026, 3, 1), "relational"),
                ("risk", date(2026, 3, 2), "relational"),
                ("risk", date(2026, 4, 2), "escalation"),
            ]
        ]
    )
    rate = selectors.boundary_events_per_100(world.team_a, start, end)
    assert (rate.events, rate.relationships) == (1, 3)
    assert rate.per_100 == 33.3
    assert selectors.risk_concerns_by_path(world.team_a, start, end) == {
        "relational": 2,
        "joint": 0,
        "escalation": 1,
    }
    assert selectors.boundary_events_per_100(world.team_c, start, end).per_100 is None
    # statistics for evaluation leave out people who did not consent to that use
    record_consent(
        actor=world.peer_a, person=caseload.robin, purpose=ConsentPurpose.EVALUATION, given=False
    )
    rate = selectors.boundary_events_per_100(world.team_a, start, end, evaluation_consent_only=True)
    assert rate.events == 0 and rate.relationships == 0


def test_supervisor_home_lists_events_to_review(world, caseload, login):
    event = boundary(world, caseload.robin)
    page = login(world.supervisor).get("/").content.decode()
    assert "To review in supervision" in page
    assert reverse("recovery:event", args=[world.org.slug, event.pk]) in page
    assert "To review in supervision" not in login(world.peer_a).get("/").content.decode()
    services.mark_reviewed(actor=world.supervisor, event=event)
    assert "To review in supervision" not in login(world.supervisor).get("/").content.decode()


def test_supervisor_marks_a_workers_queued_events_reviewed_in_the_session_just_logged(
    world, caseload, login
):
    first = boundary(world, caseload.robin)
    second = risk(world, caseload.robin)
    quinns = risk(world, caseload.blake, worker=world.peer_b)
    session = session_for(world, world.peer_a, TODAY())
    client = login(world.supervisor)
    page = client.get(events_url(world)).content.decode()
    assert f'name="w{world.peer_a.pk}-session"' in page and "Pat Peer" in page
    review = reverse("recovery:events_review", args=[world.org.slug])
    # nothing chosen: refused by name, nothing saved
    response = client.post(review, {"worker": world.peer_a.pk}, follow=True)
    assert "Choose at least one event." in response.content.decode()
    # a session that is not one of Pat's: refused
    other = session_for(world, world.peer_b, TODAY())
    response = client.post(
        review,
        {"worker": world.peer_a.pk, "event": [first.pk], f"w{world.peer_a.pk}-session": other.pk},
        follow=True,
    )
    assert "Choose one of the sessions in the list, or none." in response.content.decode()
    assert not SafetyEvent.objects.filter(reviewed_at__isnull=False).exists()
    response = client.post(
        review,
        {
            "worker": world.peer_a.pk,
            "event": [first.pk, second.pk, quinns.pk],  # Quinn's is not in Pat's group
            f"w{world.peer_a.pk}-session": session.pk,
        },
        follow=True,
    )
    assert "2 events marked as reviewed in supervision." in response.content.decode()
    assert set(SafetyEvent.objects.filter(supervision_session=session)) == {first, second}
    assert list(selectors.review_queue(world.supervisor, world.org)) == [quinns]


def test_bulk_review_is_for_the_workers_supervisors_only(world, caseload, login):
    event = boundary(world, caseload.robin)
    review = reverse("recovery:events_review", args=[world.org.slug])
    data = {"worker": world.peer_a.pk, "event": [event.pk]}
    assert login(world.peer_a).post(review, data).status_code == 404
    assert login(world.manager).post(review, data).status_code == 404
    assert login(world.clinician).post(review, data).status_code == 403
    assert login(world.outsider).post(review, data).status_code == 404
    assert not SafetyEvent.objects.get().reviewed

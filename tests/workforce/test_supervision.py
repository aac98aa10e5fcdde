"""Supervision: sessions, encrypted notes for two readers only, cadence and overdue flags."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.core.roles import Role
from peerway.workforce import selectors, services
from peerway.workforce.models import SupervisionSession

from ..conftest import grant, make_user
from .conftest import worker

NOTE = "Talked about the weekend shift and a boundary with a former neighbour"


def log(world, *users, actor=None, days_ago=3, session_type="peer_practice", minutes=60):
    return services.log_supervision(
        actor=actor or world.supervisor,
        workers=[worker(world, u) for u in users],
        session=services.SessionInput(
            session_type=session_type,
            date=timezone.localdate() - timedelta(days=days_ago),
            duration_minutes=minutes,
            topics=["boundaries", "wellbeing"],
            notes=NOTE,
        ),
    )


def session_url(world, session):
    return reverse("workforce:supervision_session", args=[world.org.slug, session.pk])


def test_supervisor_logs_a_session_through_the_form(world, login):
    client = login(world.supervisor)
    url = reverse("workforce:log_supervision", args=[world.org.slug, world.peer_a.pk])
    assert client.get(url).status_code == 200
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        url,
        {
            "workers": [str(world.peer_a.pk)],
            "session_type": "administrative",
            "date": day,
            "duration_minutes": "45",
            "topics": ["drift", "development"],
            "notes": NOTE,
        },
    )
    assert response.status_code == 302
    session = SupervisionSession.objects.get()
    assert (session.worker, session.supervisor, session.duration_minutes) == (
        world.peer_a,
        world.supervisor,
        45,
    )
    assert session.topics == ["drift", "development"]
    event = AuditEvent.objects.get(action="workforce.supervision_logged")
    assert NOTE not in json.dumps(event.details)


def test_bad_session_input_names_the_field(world, login):
    client = login(world.supervisor)
    url = reverse("workforce:log_supervision", args=[world.org.slug, world.peer_a.pk])
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = client.post(
        url,
        {
            "workers": [str(world.peer_a.pk), str(world.peer_b.pk)],
            "session_type": "peer_practice",
            "date": future,
            "duration_minutes": "60",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The session date cannot be in the future." in html
    assert "Only a group session can have several supervisees." in html
    assert not SupervisionSession.objects.exists()


def test_group_session_gives_one_row_per_supervisee(world):
    rows = log(world, world.peer_a, world.peer_b, session_type="group")
    assert {r.worker for r in rows} == {world.peer_a, world.peer_b}


def test_notes_are_encrypted_and_read_only_by_that_supervisor_and_worker(world, login):
    (session,) = log(world, world.peer_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM workforce_supervisionsession")
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:") and NOTE not in stored
    url = session_url(world, session)
    assert NOTE in login(world.supervisor).get(url).content.decode()
    assert NOTE in login(world.peer_a).get(url).content.decode()
    # Managers (even organization-wide) and administrators: refused.
    assert login(world.manager).get(url).status_code == 403
    assert login(world.admin).get(url).status_code == 403
    assert login(world.clinician).get(url).status_code == 403
    # Others do not find it.
    for who in ("peer_b", "site_manager", "outsider"):
        assert login(getattr(world, who)).get(url).status_code == 404, who
    # Another supervisor over the same team cannot read a colleague's notes either.
    other = make_user("sup2@northwind.test", "Sky Supervisor")
    grant(other, Role.SUPERVISOR, world.org, team=world.team_a)
    assert login(other).get(url).status_code == 403
    # The profile lists the session for the manager, without the notes.
    html = (
        login(world.manager)
        .get(reverse("workforce:profile", args=[world.org.slug, world.peer_a.pk]))
        .content.decode()
    )
    assert "Peer practice" in html and NOTE not in html


def test_who_may_log_supervision(world, login):
    url = reverse("workforce:log_supervision", args=[world.org.slug, world.peer_a.pk])
    for who in ("manager", "clinician", "peer_a", "admin", "evaluator"):
        assert login(getattr(world, who)).get(url).status_code == 403, who
    assert login(world.outsider).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        log(world, world.peer_a, actor=world.manager)
    # Once a supervisor is assigned, only assigned supervisors supervise.
    other = make_user("sup2@northwind.test", "Sky Supervisor")
    grant(other, Role.SUPERVISOR, world.org, team=world.team_a)
    services.update_employment(
        actor=world.manager,
        worker=worker(world, world.peer_a),
        employment=services.Employment(fte=1, contract_type="permanent", supervisors=(other,)),
    )
    assert login(world.supervisor).get(url).status_code == 403
    assert login(other).get(url).status_code == 200


def test_session_must_be_valid(world):
    with pytest.raises(ValidationError) as exc:
        services.log_supervision(
            actor=world.supervisor,
            workers=[worker(world, world.peer_a)],
            session=services.SessionInput(
                session_type="coffee",
                date=timezone.localdate(),
                duration_minutes=2,
                topics=["gossip"],
            ),
        )
    assert set(exc.value.message_dict) == {"session_type", "duration_minutes", "topics"}


def test_overdue_when_the_cadence_has_passed(world, settings):
    settings.PEERWAY_SUPERVISION_EVERY_DAYS = 30
    log(world, world.peer_a, days_ago=20)
    status = selectors.supervision_status(worker(world, world.peer_a))
    assert not status.overdue
    assert status.due == timezone.localdate() + timedelta(days=10)
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        assert selectors.supervision_status(worker(world, world.peer_a)).overdue
    # A per-worker cadence overrides the default.
    services.update_employment(
        actor=world.manager,
        worker=worker(world, world.peer_a),
        employment=services.Employment(fte=1, contract_type="permanent", supervision_every_days=14),
    )
    assert selectors.supervision_status(worker(world, world.peer_a)).overdue


def test_never_supervised_worker_is_overdue_one_cadence_after_starting(world):
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        status = selectors.supervision_status(worker(world, world.peer_b))
        assert status.last is None and status.overdue


def test_overview_shows_overdue_and_share_by_peer_experienced_supervisors(world, login):
    services.set_supervisor_experience(
        actor=world.supervisor, organization=world.org, has_peer_experience=True
    )
    log(world, world.peer_a, minutes=90)
    other = make_user("sup2@northwind.test", "Sky Supervisor")
    grant(other, Role.SUPERVISOR, world.org, site=world.north)
    log(world, world.peer_b, actor=other, minutes=30, days_ago=60)
    html = login(world.manager).get(f"/o/{world.org.slug}/workforce/supervision/").content.decode()
    assert "75% of supervision minutes" in html
    assert "1 supervisee is overdue for supervision." in html
    share = selectors.peer_experienced_share(
        [worker(world, world.peer_a), worker(world, world.peer_b)]
    )
    assert (share["peer_minutes"], share["total_minutes"], share["percent"]) == (90, 120, 75)


def test_supervision_pages_are_refused_to_others(world, login):
    slug = world.org.slug
    for url in (f"/o/{slug}/workforce/supervision/",):
        for who in ("peer_a", "clinician", "admin", "evaluator"):
            assert login(getattr(world, who)).get(url).status_code == 403, who
    settings_url = reverse("workforce:supervisor_settings", args=[slug])
    for who in ("manager", "peer_a", "admin"):
        assert login(getattr(world, who)).get(settings_url).status_code == 403, who
    client = login(world.supervisor)
    assert client.get(settings_url).status_code == 200
    assert client.post(settings_url, {"has_peer_experience": "on"}).status_code == 302
    assert world.supervisor.pk in selectors.peer_experienced_supervisor_ids(world.org)


def test_supervision_queue_sorts_filters_overdue_and_downloads_an_audited_csv(world, login):
    from peerway.core.models import AuditEvent

    log(world, world.peer_a, minutes=60)
    log(world, world.peer_b, minutes=30, days_ago=60)
    client = login(world.manager)
    base = f"/o/{world.org.slug}/workforce/supervision/"
    page = client.get(base + "?sort=-name").content.decode()
    assert page.index("Quinn Peer") < page.index("Pat Peer")
    assert 'aria-sort="descending"' in page
    overdue = client.get(base + "?overdue=on").content.decode()
    assert "Quinn Peer" in overdue and "Pat Peer" not in overdue
    rows = client.get(base + "?overdue=on&format=csv").content.decode().splitlines()
    assert rows[0] == "Name,Teams,Last session,Next due"
    assert len(rows) == 2 and rows[1].startswith("Quinn Peer,Team B,")
    event = AuditEvent.objects.get(action="workforce.supervision_exported")
    assert event.details["rows"] == 1 and event.details["filters"] == ["overdue"]

"""Workforce pieces of the home page for peer workers, supervisors and managers."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from peerway.instruments.library import current_library
from peerway.workforce import selectors, services

from .conftest import worker


def test_peer_worker_home_shows_supervision_training_and_check_in_due(world, login):
    services.add_training(
        actor=world.manager,
        member=selectors.load_staff(world.peer_a, world.org),
        record=services.TrainingInput(
            kind="certification",
            title="Certified Peer Supporter",
            credential="psc_peer",
            completed_on=timezone.localdate() - timedelta(days=700),
            expires_on=timezone.localdate() + timedelta(days=20),
        ),
    )
    services.log_supervision(
        actor=world.supervisor,
        workers=[worker(world, world.peer_a)],
        session=services.SessionInput(
            session_type="peer_practice",
            date=timezone.localdate() - timedelta(days=3),
            duration_minutes=60,
            topics=[],
            notes="",
        ),
    )
    html = login(world.peer_a).get("/").content.decode()
    assert "My development and wellbeing" in html
    assert "“Certified Peer Supporter” expires on" in html
    assert "A wellbeing check-in is due." in html
    assert "Last supervision:" in html and "Sam Supervisor" in html
    assert "My development and wellbeing" not in login(world.clinician).get("/").content.decode()


def test_supervisor_home_lists_overdue_supervisees_and_only_opted_in_alerts(world, login):
    answers = dict.fromkeys(current_library()["cbi"].item_ids, 1)
    services.record_checkin(
        actor=world.peer_b, worker=worker(world, world.peer_b), answers=answers, satisfaction=2
    )
    html = login(world.supervisor).get("/").content.decode()
    # Nobody has been supervised since they started: not yet overdue on day one.
    assert "0 supervisees are overdue for supervision." in html
    assert "asked to be alerted" not in html
    services.set_wellbeing_choices(
        actor=world.peer_b, worker=worker(world, world.peer_b), share=False, alert=True
    )
    services.record_checkin(
        actor=world.peer_b, worker=worker(world, world.peer_b), answers=answers, satisfaction=2
    )
    html = login(world.supervisor).get("/").content.decode()
    assert "Quinn Peer asked to be alerted after a check-in" in html
    scores = json.loads(selectors.checkins_of(worker(world, world.peer_b)).first().results)
    assert f"<td>{scores['work']:g}</td>" not in html


def test_manager_home_shows_the_workforce_per_team(world, login):
    services.update_employment(
        actor=world.manager,
        worker=worker(world, world.peer_a),
        employment=services.Employment(fte=Decimal("0.6"), contract_type="casual"),
    )
    html = login(world.manager).get("/").content.decode()
    assert "Peer workforce" in html
    assert "Casual: 1" in html and "0.60" in html
    assert "2 teams have a lone peer worker." in html
    assert "Peer workforce" not in login(world.evaluator).get("/").content.decode()

"""Scoring, storage, the one-time link and the safety workflow."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.instruments.engine import score
from peerway.instruments.library import current_library
from peerway.outcomes import services
from peerway.outcomes.models import (
    Administration,
    AssignmentReason,
    Mode,
    OutcomeLink,
    SafetyStatus,
    SafetyTask,
)

from .conftest import PHQ9_CALM, PHQ9_ITEM9

QPR = {f"qpr_{i}": 3 for i in range(1, 16)}


def give(world, person, answers, code="phq9", time_point=3, actor=None):
    return services.record_administration(
        actor=actor or world.peer_a,
        person=person,
        instrument_code=code,
        time_point=time_point,
        answers=answers,
        administered_on=timezone.localdate(),
    )


def test_scores_match_the_engine_and_answers_are_encrypted(world, person):
    answers = {f"qpr_{i}": (i % 5) for i in range(1, 16)}
    administration = give(world, person, answers, code="qpr15")
    expected = score(current_library()["qpr15"], answers).to_dict()
    assert administration.result == json.loads(json.dumps(expected, sort_keys=True))
    assert administration.total_score == expected["total"]["score"]
    assert administration.answers == answers
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT answers_data, result_data FROM outcomes_administration WHERE id = %s",
            [administration.pk],
        )
        raw_answers, raw_result = cursor.fetchone()
    assert raw_answers.startswith("fernet:") and "qpr_1" not in raw_answers
    assert raw_result.startswith("fernet:")


def test_phq9_total_and_band_from_the_engine(world, person):
    administration = give(world, person, PHQ9_ITEM9)
    assert administration.total_score == 4
    assert administration.band == "minimal"
    assert administration.flagged


def test_incomplete_or_invalid_answers_write_nothing(world, person):
    with pytest.raises(ValidationError):
        give(world, person, {**PHQ9_CALM, "phq9_3": 7})
    with pytest.raises(ValidationError):
        give(world, person, {"phq9_1": 1})
    assert not Administration.objects.exists()
    assert not AuditEvent.objects.filter(action="outcomes.administration_recorded").exists()


def test_item9_creates_a_task_for_worker_and_supervisor_at_once(world, person):
    administration = give(world, person, PHQ9_ITEM9)
    task = SafetyTask.objects.get(administration=administration)
    assert task.status == SafetyStatus.OPEN
    assert task.triggers == [{"code": "phq9_item9", "item": "phq9_9"}]
    reasons = {a.user_id: a.reason for a in task.assignments.all()}
    assert reasons == {
        world.peer_a.pk: AssignmentReason.WORKER,
        world.supervisor.pk: AssignmentReason.SUPERVISOR,
    }


def test_assigned_supervisor_is_used_when_the_profile_names_one(world, person, assigned_supervisor):
    task = give(world, person, PHQ9_ITEM9).safety_task
    assert set(task.assignments.values_list("user_id", flat=True)) == {
        world.peer_a.pk,
        assigned_supervisor.pk,
    }


def test_without_a_peer_worker_the_team_supervisors_get_the_task(world, person):
    person.relationships.update(ended_on=timezone.localdate())
    task = give(world, person, PHQ9_ITEM9, actor=world.supervisor).safety_task
    assert set(task.assignments.values_list("user_id", flat=True)) == {world.supervisor.pk}


def test_no_trigger_no_task(world, person):
    administration = give(world, person, PHQ9_CALM)
    assert not administration.flagged
    assert not SafetyTask.objects.exists()


def test_required_trigger_applies_even_without_the_definitions_trigger(world, person):
    instrument = current_library()["phq9"]
    fired = services.fired_triggers(instrument, PHQ9_ITEM9, result_flags=[])
    assert fired == [{"code": "phq9_item9", "item": "phq9_9"}]
    assert services.fired_triggers(instrument, PHQ9_CALM, result_flags=[]) == []


def test_audit_holds_codes_and_ids_never_answers_or_scores(world, person):
    administration = give(world, person, PHQ9_ITEM9)
    events = AuditEvent.objects.filter(action__startswith="outcomes.")
    assert {e.action for e in events} == {
        "outcomes.administration_recorded",
        "outcomes.safety_task_created",
    }
    for event in events:
        text = json.dumps(event.details)
        assert "phq9_1" not in text and "answers" not in text and "score" not in text
        assert "Robin" not in text
    recorded = events.get(action="outcomes.administration_recorded")
    assert recorded.details["administration_id"] == administration.pk
    assert recorded.details["safety_trigger"] is True


def test_notifications_are_sent_after_commit(world, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        give(world, person, PHQ9_ITEM9)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([world.peer_a.email, world.supervisor.email])
    assert person.code not in mail.outbox[0].body


def test_task_exists_even_when_sending_notifications_fails(
    world, person, django_capture_on_commit_callbacks
):
    failing = mock.patch.object(services, "send_mail", side_effect=OSError("mail server down"))
    with failing as send, django_capture_on_commit_callbacks(execute=True):
        administration = give(world, person, PHQ9_ITEM9)
    assert send.call_count == 2  # both tried, both failed
    task = SafetyTask.objects.get(administration=administration)
    assert task.assignments.count() == 2


def test_only_the_caseload_worker_or_leads_may_give(world, person):
    for user in (world.peer_b, world.clinician, world.evaluator, world.outsider):
        with pytest.raises(PermissionDenied):
            give(world, person, PHQ9_CALM, actor=user)
    give(world, person, PHQ9_CALM, actor=world.supervisor)
    give(world, person, PHQ9_CALM, actor=world.manager, time_point=6)


def test_future_date_is_refused(world, person):
    with pytest.raises(ValidationError) as exc:
        services.record_administration(
            actor=world.peer_a,
            person=person,
            instrument_code="phq9",
            time_point=0,
            answers=PHQ9_CALM,
            administered_on=timezone.localdate() + timedelta(days=1),
        )
    assert "administered_on" in exc.value.message_dict


# --- One-time link -------------------------------------------------------------------------


def test_link_stores_only_a_fingerprint_and_works_once(world, person):
    link, token = services.create_link(
        actor=world.peer_a, person=person, instrument_code="phq9", time_point=3
    )
    assert token not in link.token_hash and len(link.token_hash) == 64
    administration = services.complete_link(token=token, answers=PHQ9_CALM)
    assert administration.mode == Mode.SELF_LINK
    assert administration.recorded_by is None
    link.refresh_from_db()
    assert link.used_at and link.administration == administration
    with pytest.raises(services.LinkUnavailable) as exc:
        services.complete_link(token=token, answers=PHQ9_CALM)
    assert exc.value.status == "used"
    assert Administration.objects.count() == 1


def test_link_expires(world, person):
    _link, token = services.create_link(
        actor=world.peer_a, person=person, instrument_code="phq9", time_point=3
    )
    later = time_machine.travel(timezone.now() + timedelta(days=8))
    with later, pytest.raises(services.LinkUnavailable) as exc:
        services.complete_link(token=token, answers=PHQ9_CALM)
    assert exc.value.status == "expired"
    assert not Administration.objects.exists()


def test_unknown_link(db):
    with pytest.raises(services.LinkUnavailable) as exc:
        services.complete_link(token="nope", answers=PHQ9_CALM)
    assert exc.value.status == "unknown"


def test_self_completed_trigger_creates_the_task_too(world, person):
    _link, token = services.create_link(
        actor=world.peer_a, person=person, instrument_code="phq9", time_point=3
    )
    administration = services.complete_link(token=token, answers=PHQ9_ITEM9)
    task = SafetyTask.objects.get(administration=administration)
    assert set(task.assignments.values_list("user_id", flat=True)) == {
        world.peer_a.pk,
        world.supervisor.pk,
    }
    event = AuditEvent.objects.get(action="outcomes.safety_task_created")
    assert event.actor_id is None


def test_invalid_self_answers_leave_the_link_usable(world, person):
    _link, token = services.create_link(
        actor=world.peer_a, person=person, instrument_code="phq9", time_point=3
    )
    with pytest.raises(ValidationError):
        services.complete_link(token=token, answers={"phq9_1": 1})
    assert OutcomeLink.objects.get().used_at is None


# --- Tasks ---------------------------------------------------------------------------------


def test_task_is_acknowledged_then_closed_with_an_outcome(world, person):
    task = give(world, person, PHQ9_ITEM9).safety_task
    services.acknowledge_task(actor=world.peer_a, task=task)
    with pytest.raises(ValidationError):
        services.close_task(actor=world.supervisor, task=task, outcome="nonsense")
    # PHQ-9 item 9 is a self-harm signal: closing it needs the debrief as well.
    with pytest.raises(ValidationError) as refused:
        services.close_task(actor=world.supervisor, task=task, outcome="no_risk")
    assert set(refused.value.message_dict) == {"debrief_on", "debrief_with", "debrief_notes"}
    services.close_task(
        actor=world.supervisor,
        task=task,
        outcome="no_risk",
        note="Talked, safety plan in place",
        debrief_on=timezone.localdate(),
        debrief_with="Pat and Sam",
        debrief_notes="Went over the call together",
    )
    task.refresh_from_db()
    assert task.status == SafetyStatus.CLOSED
    assert task.acknowledged_by == world.peer_a and task.closed_by == world.supervisor
    closed = AuditEvent.objects.get(action="outcomes.safety_task_closed")
    assert closed.details == {"outcome": "no_risk", "risk_type": "self_harm", "debrief": True}
    with pytest.raises(ValidationError):
        services.close_task(actor=world.supervisor, task=task, outcome="no_risk")


def test_others_cannot_act_on_a_task(world, person):
    task = give(world, person, PHQ9_ITEM9).safety_task
    for user in (world.peer_b, world.clinician, world.evaluator):
        with pytest.raises(PermissionDenied):
            services.acknowledge_task(actor=user, task=task)
    services.acknowledge_task(actor=world.manager, task=task)


def test_protocol_is_changed_only_by_org_wide_managers(world):
    for user in (world.site_manager, world.supervisor, world.admin, world.peer_a):
        with pytest.raises(PermissionDenied):
            services.update_protocol(actor=user, organization=world.org, text="x")
    services.update_protocol(actor=world.manager, organization=world.org, text="Call 555-0100.")
    event = AuditEvent.objects.get(action="outcomes.protocol_updated")
    assert "555" not in json.dumps(event.details)


def test_schedule_changes_by_managers_over_the_team(world):
    with pytest.raises(PermissionDenied):
        services.update_schedule(
            actor=world.site_manager,
            team=world.team_a,
            instruments=["phq9"],
            time_points=[0, 6],
            window_before_days=7,
            window_after_days=14,
        )
    with pytest.raises(ValidationError):
        services.update_schedule(
            actor=world.manager,
            team=world.team_a,
            instruments=["oric"],
            time_points=[0],
            window_before_days=7,
            window_after_days=14,
        )
    schedule = services.update_schedule(
        actor=world.manager,
        team=world.team_a,
        instruments=["phq9", "k10"],
        time_points=[6, 0, 6],
        window_before_days=7,
        window_after_days=14,
    )
    assert schedule.time_points == [0, 6]

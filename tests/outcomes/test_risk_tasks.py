"""Every risk concern a peer worker records raises a safety task at once: the protocol for
its type, a deadline to acknowledge it, the worker and their supervisor assigned, notices
sent; unacknowledged past the deadline it escalates once; serious types close only with a
debrief."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from peerway.cli import main as peerway
from peerway.core.models import AuditEvent
from peerway.core.roles import Role
from peerway.outcomes import services
from peerway.outcomes.models import (
    DEFAULT_ACK_MINUTES,
    AssignmentReason,
    OutcomeSettings,
    SafetySource,
    SafetyStatus,
    SafetyTask,
)
from peerway.outcomes.selectors import default_protocol
from peerway.recovery import services as recovery
from peerway.recovery.models import SERIOUS_RISK_TYPES, RiskType, SafetyEvent
from peerway.support.models import PeerRelationship, Person
from tests.conftest import grant, make_user

WHAT = "Said they have a plan for tonight"


def concern(world, person, risk_type="self_harm", worker=None, path="relational"):
    return recovery.record_event(
        actor=worker or world.peer_a,
        person=person,
        data=recovery.EventInput(
            kind="risk",
            occurred_on=timezone.localdate(),
            description=WHAT,
            risk_type=risk_type,
            response_path=path,
        ),
    )


def reasons(task) -> dict[int, str]:
    return {a.user_id: a.reason for a in task.assignments.all()}


@pytest.fixture
def south_person(world):
    """Kim, supported by Jo on team C (South site): no supervisor covers team C."""
    jo = make_user("jo@northwind.test", "Jo Peer")
    grant(jo, Role.PEER_WORKER, world.org, team=world.team_c)
    kim = Person.objects.create(organization=world.org, team=world.team_c, created_by=jo)
    PeerRelationship.objects.create(
        person=kim, worker=jo, started_on=timezone.localdate() - timedelta(days=30)
    )
    return kim, jo


@pytest.mark.parametrize("risk_type", RiskType.values)
def test_each_risk_type_raises_a_task_with_its_protocol_deadline_and_assignees(
    world, person, risk_type
):
    OutcomeSettings.objects.create(
        organization=world.org,
        safety_protocol="General: call the team lead.",
        risk_protocols={"harm_to_others": "Others at risk: call 911, then the team lead."},
        ack_minutes={"substance_use": 120},
    )
    event = concern(world, person, risk_type)
    task = event.safety_task
    assert task.source == SafetySource.RISK_CONCERN and task.risk_type == risk_type
    assert task.person == person and task.team == world.team_a and task.status == "open"
    minutes = 120 if risk_type == "substance_use" else DEFAULT_ACK_MINUTES[risk_type]
    assert task.due_at == task.created_at + timedelta(minutes=minutes)
    assert reasons(task) == {
        world.peer_a.pk: AssignmentReason.WORKER,
        world.supervisor.pk: AssignmentReason.SUPERVISOR,
    }
    assert not task.no_supervisor
    assert task.needs_debrief == (risk_type in SERIOUS_RISK_TYPES)
    created = AuditEvent.objects.get(action="outcomes.safety_task_created")
    assert created.details["risk_type"] == risk_type
    assert created.details["safety_event_id"] == event.pk
    assert WHAT not in str(created.details)

    from peerway.outcomes.selectors import protocol_text

    expected = (
        "Others at risk: call 911, then the team lead."
        if risk_type == "harm_to_others"
        else "General: call the team lead."
    )
    assert protocol_text(world.org, task.risk_type) == expected


def test_without_organization_text_each_type_shows_peerways_default(world, person):
    from peerway.outcomes.selectors import protocol_text

    task = concern(world, person, "medical_emergency").safety_task
    assert protocol_text(world.org, task.risk_type) == default_protocol("medical_emergency")
    assert "911" in default_protocol("medical_emergency")
    assert "988" in default_protocol("self_harm")


def test_deadlines_default_to_the_documented_values():
    assert DEFAULT_ACK_MINUTES == {
        "self_harm": 60,
        "harm_to_others": 60,
        "medical_emergency": 60,
        "abuse_neglect": 240,
        "safety_at_home": 1440,
        "substance_use": 1440,
        "other": 1440,
    }


def test_phq9_item9_uses_the_self_harm_deadline(world, person):
    from tests.outcomes.conftest import PHQ9_ITEM9

    OutcomeSettings.objects.create(organization=world.org, ack_minutes={"self_harm": 30})
    administration = services.record_administration(
        actor=world.peer_a,
        person=person,
        instrument_code="phq9",
        time_point=3,
        answers=PHQ9_ITEM9,
        administered_on=timezone.localdate(),
    )
    task = administration.safety_task
    assert task.risk_type == "self_harm" and task.source == SafetySource.QUESTIONNAIRE
    assert task.due_at == task.created_at + timedelta(minutes=30)


def test_the_concern_and_its_task_are_written_together_or_not_at_all(world, person, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the task could not be written")

    monkeypatch.setattr(services, "create_risk_task", broken)
    with pytest.raises(RuntimeError):
        concern(world, person)
    assert not SafetyEvent.objects.exists() and not SafetyTask.objects.exists()


def test_a_boundary_event_raises_no_task(world, person):
    recovery.record_event(
        actor=world.peer_a,
        person=person,
        data=recovery.EventInput(
            kind="boundary",
            occurred_on=timezone.localdate(),
            description="Asked for a lift",
            boundary_type="crossing",
        ),
    )
    assert not SafetyTask.objects.exists()


def test_worker_and_supervisor_are_emailed_after_commit(
    world, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task = concern(world, person, "harm_to_others").safety_task
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.peer_a.email, world.supervisor.email]
    )
    path = reverse("outcomes:safety_task", args=["northwind", task.pk])
    assert all(path in m.body and WHAT not in m.body for m in mail.outbox)
    assert all(person.code not in m.body for m in mail.outbox)


def test_without_a_supervisor_the_site_manager_is_assigned_and_the_task_says_so(
    world, south_person
):
    kim, jo = south_person
    task = concern(world, kim, worker=jo).safety_task
    assert task.no_supervisor
    assert reasons(task) == {
        jo.pk: AssignmentReason.WORKER,
        world.site_manager.pk: AssignmentReason.SITE_MANAGER,
    }


# --- Escalation ----------------------------------------------------------------------------


def test_an_unacknowledged_task_escalates_once_after_its_deadline(
    world, south_person, django_capture_on_commit_callbacks
):
    kim, jo = south_person
    supervisor_c = make_user("sc@northwind.test", "Sky Supervisor")
    grant(supervisor_c, Role.SUPERVISOR, world.org, team=world.team_c)
    task = concern(world, kim, "abuse_neglect", worker=jo).safety_task
    assert services.escalate_overdue_tasks() == 0  # not yet due
    with time_machine.travel(task.due_at + timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.escalate_overdue_tasks() == 1
        assert services.escalate_overdue_tasks() == 0  # idempotent
        task.refresh_from_db()
        assert task.escalation_level == 1 and task.escalated_at == timezone.now()
        assert task.overdue
    assert reasons(task) == {
        jo.pk: AssignmentReason.WORKER,
        supervisor_c.pk: AssignmentReason.SUPERVISOR,
        world.site_manager.pk: AssignmentReason.ESCALATION,
        world.manager.pk: AssignmentReason.ON_CALL,
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.site_manager.email, world.manager.email]
    )
    assert all("escalated" in m.subject for m in mail.outbox)
    escalated = AuditEvent.objects.get(action="outcomes.safety_task_escalated")
    assert escalated.details["level"] == 1 and escalated.details["minutes_late"] == 1
    assert escalated.actor_id is None


def test_the_on_call_role_is_an_organization_setting(world, south_person):
    kim, jo = south_person
    OutcomeSettings.objects.create(organization=world.org, on_call_role="none")
    task = concern(world, kim, worker=jo).safety_task
    with time_machine.travel(task.due_at + timedelta(seconds=1)):
        services.escalate_overdue_tasks()
    assert reasons(task)[world.site_manager.pk] == AssignmentReason.SITE_MANAGER
    assert world.manager.pk not in reasons(task)
    escalated = AuditEvent.objects.get(action="outcomes.safety_task_escalated")
    assert escalated.details["on_call_role"] == "none" and escalated.details["on_call_ids"] == []


def test_an_acknowledged_task_never_escalates(world, person):
    task = concern(world, person).safety_task
    services.acknowledge_task(actor=world.supervisor, task=task)
    with time_machine.travel(task.due_at + timedelta(hours=5)):
        assert services.escalate_overdue_tasks() == 0
    task.refresh_from_db()
    assert task.escalated_at is None


def test_the_command_runs_the_escalation_from_cron(world, person, capsys):
    task = concern(world, person).safety_task
    with time_machine.travel(task.due_at + timedelta(minutes=5)):
        assert peerway(["safety-escalations"]) == 0
        assert "1 safety task(s) escalated" in capsys.readouterr().out
        assert peerway(["safety-escalations"]) == 0
        assert "0 safety task(s) escalated" in capsys.readouterr().out
    task.refresh_from_db()
    assert task.escalated_at is not None


def test_the_background_task_escalates_too(world, person):
    from peerway.outcomes.tasks import escalate_safety_tasks

    task = concern(world, person).safety_task
    with time_machine.travel(task.due_at + timedelta(minutes=1)):
        result = escalate_safety_tasks.enqueue()  # the immediate backend in tests
    assert result.return_value == 1


def test_escalated_tasks_are_flagged_on_the_homes_of_those_roles(world, south_person, login):
    kim, jo = south_person
    task = concern(world, kim, "self_harm", worker=jo).safety_task
    with time_machine.travel(task.due_at + timedelta(minutes=2)):
        services.escalate_overdue_tasks()
        for user in (world.site_manager, world.manager):
            page = login(user).get("/").content.decode()
            assert "Escalated" in page and "not acknowledged in time" in page, user
        services.acknowledge_task(actor=world.site_manager, task=task)
        page = login(world.manager).get("/").content.decode()
        assert "not acknowledged in time" not in page


# --- Closing -------------------------------------------------------------------------------


@pytest.mark.parametrize("risk_type", sorted(SERIOUS_RISK_TYPES))
def test_a_serious_task_closes_only_with_outcome_and_debrief(world, person, risk_type):
    event = concern(world, person, risk_type)
    task = event.safety_task
    with pytest.raises(ValidationError) as refused:
        services.close_task(actor=world.supervisor, task=task, outcome="")
    assert set(refused.value.message_dict) == {
        "outcome",
        "debrief_on",
        "debrief_with",
        "debrief_notes",
    }
    with pytest.raises(ValidationError) as refused:
        services.close_task(
            actor=world.supervisor,
            task=task,
            outcome="crisis_service",
            debrief_on=timezone.localdate() + timedelta(days=1),
            debrief_with="Pat, Sam",
            debrief_notes="Went well",
        )
    assert set(refused.value.message_dict) == {"debrief_on"}
    task.refresh_from_db()
    assert task.status == SafetyStatus.OPEN
    services.close_task(
        actor=world.supervisor,
        task=task,
        outcome="crisis_service",
        debrief_on=timezone.localdate(),
        debrief_with="Pat, Sam",
        debrief_notes="Went over what helped",
    )
    task.refresh_from_db()
    event.refresh_from_db()
    assert task.status == SafetyStatus.CLOSED and task.debrief_notes == "Went over what helped"
    assert event.debrief_done and event.debrief_notes == "Went over what helped"


def test_other_types_close_with_an_outcome_alone(world, person):
    task = concern(world, person, "substance_use").safety_task
    with pytest.raises(ValidationError) as refused:
        services.close_task(actor=world.peer_a, task=task, outcome="")
    assert set(refused.value.message_dict) == {"outcome"}
    services.close_task(actor=world.peer_a, task=task, outcome="no_risk")
    task.refresh_from_db()
    assert task.status == SafetyStatus.CLOSED and task.acknowledged_by == world.peer_a


def test_debrief_notes_are_encrypted(world, person):
    from django.db import connection

    task = concern(world, person, "self_harm").safety_task
    services.close_task(
        actor=world.supervisor,
        task=task,
        outcome="no_risk",
        debrief_on=timezone.localdate(),
        debrief_with="Pat and Sam",
        debrief_notes="Secret debrief words",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT debrief_notes, debrief_with FROM outcomes_safetytask WHERE id = %s", [task.pk]
        )
        raw = " ".join(cursor.fetchone())
    assert "Secret" not in raw and "Pat and Sam" not in raw


# --- The risk form and the safety queue ---------------------------------------------------


def test_risk_form_asks_the_minimum_and_prefills_today(world, person, login):
    url = reverse("recovery:event_new", args=["northwind", person.pk, "risk"])
    page = login(world.peer_a).get(url).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in page
    assert 'name="outcome"' not in page and 'name="debrief_notes"' not in page
    response = login(world.peer_a).post(
        url,
        {
            "risk_type": "self_harm",
            "description": WHAT,
            "response_path": "relational",
            "occurred_on": timezone.localdate().isoformat(),
        },
    )
    task = SafetyTask.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("outcomes:safety_task", args=["northwind", task.pk])


def queue(world, **params):
    url = reverse("outcomes:safety_tasks", args=["northwind"])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_queue_filters_by_status_overdue_type_and_team(world, person, login):
    from peerway.support.models import PeerRelationship as Rel

    blake = Person.objects.create(organization=world.org, team=world.team_b)
    Rel.objects.create(person=blake, worker=world.peer_b, started_on=timezone.localdate())
    self_harm = concern(world, person, "self_harm").safety_task
    substance = concern(world, person, "substance_use").safety_task
    team_b = concern(world, blake, "other", worker=world.peer_b).safety_task
    services.close_task(actor=world.supervisor, task=substance, outcome="no_risk")
    client = login(world.supervisor)

    def shown(**params):
        page = client.get(queue(world, **params)).content.decode()
        return {
            t.pk
            for t in (self_harm, substance, team_b)
            if reverse("outcomes:safety_task", args=["northwind", t.pk]) in page
        }

    assert shown() == {self_harm.pk, team_b.pk}
    assert shown(status="closed") == {substance.pk}
    assert shown(status="all") == {self_harm.pk, substance.pk, team_b.pk}
    assert shown(status="all", risk_type="substance_use") == {substance.pk}
    assert shown(status="all", team=world.team_b.pk) == {team_b.pk}
    assert shown(overdue=1) == set()
    with time_machine.travel(self_harm.due_at + timedelta(minutes=1)):
        client = login(world.supervisor)  # a new session: the old one timed out
        assert shown(overdue=1) == {self_harm.pk}


def test_queue_is_scoped_like_the_tasks(world, person, login):
    task = concern(world, person).safety_task
    path = reverse("outcomes:safety_task", args=["northwind", task.pk])
    assert path in login(world.peer_a).get(queue(world)).content.decode()
    assert path in login(world.manager).get(queue(world)).content.decode()
    # Quinn (team B) is not assigned: neither the queue nor the task shows it.
    assert path not in login(world.peer_b).get(queue(world)).content.decode()
    assert login(world.peer_b).get(path).status_code == 404
    # The site manager of South has no place over team A.
    assert login(world.site_manager).get(path).status_code == 404
    assert login(world.evaluator).get(queue(world)).status_code == 403
    assert login(world.clinician).get(queue(world)).status_code == 403
    assert login(world.evaluator).get(path).status_code == 404
    assert login(world.outsider).get(queue(world)).status_code == 404


def test_queue_is_in_the_menu_of_supervisors_and_managers_only(world, login):
    url = reverse("outcomes:safety_tasks", args=["northwind"])
    for user in (world.supervisor, world.manager):
        assert f'href="{url}"' in login(user).get("/").content.decode()
    nav = login(world.clinician).get("/").content.decode()
    assert f'href="{url}"' not in nav


def test_supervisor_home_shows_the_urgent_task_at_once(world, person, login):
    task = concern(world, person, "self_harm").safety_task
    page = login(world.supervisor).get("/").content.decode()
    assert reverse("outcomes:safety_task", args=["northwind", task.pk]) in page
    assert "Self-harm or suicide" in page


def test_settings_set_deadlines_protocols_and_on_call_role(world, login):
    url = reverse("outcomes:protocol", args=["northwind"])
    client = login(world.manager)
    data = {
        "safety_protocol": "General steps.",
        "on_call_role": "org_supervisors",
        "protocol_abuse_neglect": "Call the protection line.",
        **{f"ack_{c}": DEFAULT_ACK_MINUTES[c] for c in RiskType.values},
        "ack_other": "720",
    }
    assert client.post(url, data).status_code == 302
    settings = OutcomeSettings.objects.get(organization=world.org)
    assert settings.ack_minutes == {"other": 720}
    assert settings.risk_protocols == {"abuse_neglect": "Call the protection line."}
    assert settings.on_call_role == "org_supervisors"
    page = client.post(url, {**data, "ack_self_harm": "0"}).content.decode()
    assert "Nothing was saved" in page
    assert services.ack_minutes_for(world.org, "self_harm") == 60


# --- Safety indicators -------------------------------------------------------------------


def _raise_tasks(world, person, n):
    """n self-harm tasks: the first acknowledged after 10, 20, … minutes and closed after
    1, 2, … hours; the last one left open past its deadline."""
    start = timezone.now() - timedelta(days=2)
    tasks = []
    for i in range(n):
        with time_machine.travel(start + timedelta(hours=3 * i), tick=False):
            task = concern(world, person, "self_harm").safety_task
        tasks.append(task)
        if i < n - 1:
            with time_machine.travel(task.created_at + timedelta(minutes=10 * (i + 1))):
                services.acknowledge_task(actor=world.supervisor, task=task)
            with time_machine.travel(task.created_at + timedelta(hours=i + 1)):
                services.close_task(
                    actor=world.supervisor,
                    task=task,
                    outcome="no_risk",
                    debrief_on=timezone.localdate(),
                    debrief_with="Pat, Sam",
                    debrief_notes="Talked",
                )
    services.escalate_overdue_tasks()
    return tasks


def test_safety_task_indicators_are_computed_per_team(world, person):
    from peerway.indicators import selectors as indicators

    _raise_tasks(world, person, 6)
    today = timezone.localdate()
    period = indicators.Period(today - timedelta(days=7), today)
    figures = indicators.safety_tasks(world.org, [world.team_a, world.team_b], period)
    a = figures[world.team_a.pk]
    assert (a.tasks, a.escalated, a.open_overdue) == (6, 1, 1)
    assert a.median_ack_minutes == 30.0  # 10, 20, 30, 40, 50
    assert a.median_close_hours == 3.0  # 1 … 5 hours
    assert figures[world.team_b.pk].tasks == 0


def test_dashboard_shows_safety_task_figures_and_hides_small_cells_for_evaluators(
    world, person, login
):
    _raise_tasks(world, person, 3)
    url = reverse("indicators:organization", args=[world.org.slug])
    manager = login(world.manager).get(url).content.decode()
    assert "Time to acknowledge a safety task (median, minutes)" in manager
    table = manager[manager.index('id="safety-task-figures"') :]
    assert "15.0" in table  # median of 10 and 20 minutes
    evaluator = login(world.evaluator).get(url).content.decode()
    table = evaluator[evaluator.index('id="safety-task-figures"') :]
    assert "15.0" not in table.split("</table>")[0] and "not shown" in table


def test_report_safety_section_hides_small_numbers(world, person):
    from peerway.evaluation import analysis, report
    from peerway.evaluation.periods import Period

    _raise_tasks(world, person, 3)
    today = timezone.localdate()
    period = Period("week", today - timedelta(days=7), today)
    figures = report.safety(analysis.Scope(world.org), period)
    assert figures["tasks"] is None and figures["ack_minutes"] is None
    _raise_tasks(world, person, 4)
    figures = report.safety(analysis.Scope(world.org), period)
    assert figures["tasks"] == 7 and figures["escalated"] is None  # 2 escalated: small
    assert figures["ack_minutes"] is not None and figures["close_hours"] is not None


def test_task_page_shows_the_protocol_for_its_type_and_links_the_concern(world, person, login):
    OutcomeSettings.objects.create(
        organization=world.org,
        safety_protocol="General steps.",
        risk_protocols={"harm_to_others": "Others at risk: call 911, then the team lead."},
    )
    event = concern(world, person, "harm_to_others")
    task = event.safety_task
    page = (
        login(world.peer_a)
        .get(reverse("outcomes:safety_task", args=["northwind", task.pk]))
        .content.decode()
    )
    assert "Others at risk: call 911, then the team lead." in page
    assert "General steps." not in page
    assert "Harm to others" in page
    assert reverse("recovery:event", args=["northwind", event.pk]) in page
    event_page = (
        login(world.supervisor)
        .get(reverse("recovery:event", args=["northwind", event.pk]))
        .content.decode()
    )
    assert reverse("outcomes:safety_task", args=["northwind", task.pk]) in event_page
    viewed = AuditEvent.objects.filter(action="outcomes.safety_task_viewed").first()
    assert viewed.details == {"person_id": person.pk}

"""Recovery plans: the person's goals, by CHIME domain, with steps and progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.recovery import services
from peerway.recovery.models import Goal, GoalStatus, GoalStep, ProgressUpdate, RecoveryPlan
from peerway.support.models import ConsentPurpose
from peerway.support.services import record_consent

GOAL_TEXT = "Walk to the library on my own and borrow a book"
STEP_TEXT = "Find my library card"
NOTE_TEXT = "Went halfway with my sister"


def url(name, world, person, *args):
    return reverse(f"recovery:{name}", args=[world.org.slug, person.pk, *args])


@pytest.fixture
def plan(world, caseload):
    plan = services.start_plan(actor=world.peer_a, person=caseload.robin, co_produced=True)
    goal = services.add_goal(actor=world.peer_a, plan=plan, text=GOAL_TEXT, domain="connectedness")
    services.add_step(actor=world.peer_a, goal=goal, text=STEP_TEXT)
    services.add_progress(
        actor=world.peer_a, goal=goal, date=timezone.localdate(), rating=3, note=NOTE_TEXT
    )
    return plan


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_peer_worker_writes_a_plan_with_the_person(world, caseload, login):
    client = login(world.peer_a)
    robin = caseload.robin
    response = client.get(url("plan", world, robin))
    assert response.status_code == 200
    assert b"Start the recovery plan" in response.content
    client.post(url("plan_start", world, robin), {"co_produced": "1"})
    plan = RecoveryPlan.objects.get(person=robin)
    assert plan.co_produced
    response = client.post(
        url("goal_new", world, robin), {"text": GOAL_TEXT, "domain": "hope", "status": "active"}
    )
    assert response.status_code == 302
    goal = Goal.objects.get(plan=plan)
    client.post(url("step_add", world, robin, goal.pk), {"text": STEP_TEXT})
    step = GoalStep.objects.get(goal=goal)
    client.post(url("step_toggle", world, robin, step.pk), {"done": "1"})
    step.refresh_from_db()
    assert step.done and step.done_on == timezone.localdate()
    response = client.post(
        url("progress_add", world, robin, goal.pk),
        {"date": timezone.localdate().isoformat(), "rating": "4", "note": NOTE_TEXT},
    )
    assert response.status_code == 302
    assert ProgressUpdate.objects.get(goal=goal).rating == 4
    client.post(
        url("goal_edit", world, robin, goal.pk),
        {"text": GOAL_TEXT, "domain": "hope", "status": "achieved"},
    )
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED and goal.status_changed_on
    page = client.get(url("plan", world, robin)).content.decode()
    assert GOAL_TEXT in page and STEP_TEXT in page and NOTE_TEXT in page
    assert "Hope and optimism" in page and "Achieved" in page


def test_goals_steps_and_notes_are_encrypted_at_rest(world, plan):
    goal = plan.goals.get()
    for table, column, pk in [
        ("recovery_goal", "text", goal.pk),
        ("recovery_goalstep", "text", goal.steps.get().pk),
        ("recovery_progressupdate", "note", goal.updates.get().pk),
    ]:
        value = raw(table, column, pk)
        assert value.startswith("fernet:") and "library" not in value and "sister" not in value


def test_every_view_of_a_plan_is_audited_without_free_text(world, caseload, plan, login):
    login(world.supervisor).get(url("plan", world, caseload.robin))
    login(world.peer_a).get(url("plan_print", world, caseload.robin))
    viewed = AuditEvent.objects.filter(action="recovery.plan_viewed", actor_id=world.supervisor.pk)
    assert viewed.count() == 1
    assert viewed.get().details == {"person_id": caseload.robin.pk}
    assert AuditEvent.objects.filter(
        action="recovery.plan_printed", actor_id=world.peer_a.pk
    ).exists()
    for event in AuditEvent.objects.filter(action__startswith="recovery."):
        text = str(event.details)
        assert "library" not in text and "sister" not in text and "Robin" not in text


def test_printable_plan_is_a_clean_page_for_the_person(world, caseload, plan, login):
    response = login(world.peer_a).get(url("plan_print", world, caseload.robin))
    page = response.content.decode()
    assert response.status_code == 200
    assert "recovery/print.css" in page and "My recovery plan" in page
    assert GOAL_TEXT in page and STEP_TEXT in page
    # no editing controls on the printed page
    assert "Add the step" not in page and "Edit the goal" not in page


def test_supervisors_and_managers_over_the_team_read_but_do_not_write(world, caseload, plan, login):
    for user in (world.supervisor, world.manager):
        client = login(user)
        assert client.get(url("plan", world, caseload.robin)).status_code == 200
        response = client.post(
            url("goal_new", world, caseload.robin),
            {"text": "x", "domain": "hope", "status": "active"},
        )
        assert response.status_code == 403
    assert Goal.objects.count() == 1


@pytest.mark.parametrize("who", ["peer_b", "evaluator", "admin", "outsider", "site_manager"])
def test_people_outside_the_plan_do_not_find_it(world, caseload, plan, login, who):
    client = login(getattr(world, who))
    for name in ("plan", "plan_print", "goal_new"):
        assert client.get(url(name, world, caseload.robin)).status_code == 404, name


def test_peer_worker_whose_relationship_ended_cannot_open_the_plan(world, caseload, login):
    services.start_plan(actor=world.peer_a, person=caseload.robin)
    client = login(world.peer_a)
    assert client.get(url("plan", world, caseload.taylor)).status_code == 404
    with pytest.raises(PermissionDenied):
        services.start_plan(actor=world.peer_a, person=caseload.taylor)


def test_clinician_sees_the_plan_only_while_notes_are_shared(world, caseload, plan, login):
    robin = caseload.robin
    client = login(world.clinician)
    assert client.get(url("plan", world, robin)).status_code == 403
    assert (
        caseload.robin.code
        not in client.get(reverse("recovery:plans", args=["northwind"])).content.decode()
    )
    record_consent(
        actor=world.peer_a,
        person=robin,
        purpose=ConsentPurpose.SHARE_NOTES,
        given=True,
        decided_on=timezone.localdate() - timedelta(days=3),
    )
    client = login(world.clinician)
    assert client.get(url("plan", world, robin)).status_code == 200
    assert client.get(url("plan_print", world, robin)).status_code == 200
    assert robin.code in client.get(reverse("recovery:plans", args=["northwind"])).content.decode()
    # a clinician reads but never writes
    assert client.get(url("goal_new", world, robin)).status_code == 403
    record_consent(
        actor=world.peer_a, person=robin, purpose=ConsentPurpose.SHARE_NOTES, given=False
    )
    client = login(world.clinician)
    assert client.get(url("plan", world, robin)).status_code == 403
    assert client.get(url("plan_print", world, robin)).status_code == 403
    assert (
        robin.code not in client.get(reverse("recovery:plans", args=["northwind"])).content.decode()
    )


def test_plan_list_shows_caseload_and_plans_in_reach(world, caseload, plan, login):
    services.start_plan(actor=world.peer_b, person=caseload.blake)
    page = login(world.peer_a).get(reverse("recovery:plans", args=["northwind"])).content.decode()
    assert caseload.robin.code in page and caseload.blake.code not in page
    assert caseload.taylor.code not in page
    page = (
        login(world.supervisor).get(reverse("recovery:plans", args=["northwind"])).content.decode()
    )
    assert caseload.robin.code in page and caseload.blake.code in page
    for who in ("evaluator", "admin", "outsider"):
        response = login(getattr(world, who)).get(reverse("recovery:plans", args=["northwind"]))
        assert response.status_code in (403, 404), who


def test_bad_goal_names_the_field_and_saves_nothing(world, caseload, plan, login):
    client = login(world.peer_a)
    response = client.post(
        url("goal_new", world, caseload.robin), {"text": "  ", "domain": "luck", "status": "active"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in page
    assert "Goal, in the person&#x27;s own words: Write the goal." in page
    assert "CHIME domain:" in page
    assert Goal.objects.count() == 1


def test_bad_progress_names_the_field_and_saves_nothing(world, caseload, plan, login):
    goal = plan.goals.get()
    client = login(world.peer_a)
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = client.post(
        url("progress_add", world, caseload.robin, goal.pk), {"date": future, "rating": "9"}
    )
    page = response.content.decode()
    assert "Progress:" in page and "Date: The date cannot be in the future." in page
    assert ProgressUpdate.objects.count() == 1
    with pytest.raises(ValidationError) as exc:
        services.add_progress(actor=world.peer_a, goal=goal, date=None, rating=0)
    assert set(exc.value.message_dict) == {"date", "rating"}


def test_a_goal_of_another_plan_is_not_found(world, caseload, plan, login):
    other = services.start_plan(actor=world.peer_b, person=caseload.blake)
    goal = services.add_goal(actor=world.peer_b, plan=other, text="x", domain="meaning")
    client = login(world.peer_a)
    assert client.get(url("goal_edit", world, caseload.robin, goal.pk)).status_code == 404
    assert client.get(url("progress_add", world, caseload.robin, goal.pk)).status_code == 404


def test_plan_pages_in_french(world, caseload, plan, login):
    client = login(world.peer_a)
    for name in ("plan", "plan_print", "goal_new"):
        response = client.get(
            url(name, world, caseload.robin), headers={"accept-language": "fr-CA"}
        )
        assert response["Content-Language"] == "fr-ca"
        assert response.status_code == 200
    page = client.get(url("plan", world, caseload.robin), headers={"accept-language": "fr-CA"})
    assert "Plan de rétablissement" in page.content.decode()

"""A PHQ-9 saved without item 9 never passes quietly: the result says item 9 is missing, the
worker and their supervisor get an "ask it now" task, and asking it resolves the task."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.outcomes import services
from peerway.outcomes.models import AssignmentReason, SafetyOutcome, SafetyStatus, SafetyTask

from .conftest import PHQ9_CALM

NO_ITEM9 = {**PHQ9_CALM, "phq9_1": 2, "phq9_2": 2, "phq9_9": None}
MISSING = {"code": "safety_item_missing:phq9_9", "item": "phq9_9"}


def give(world, person, answers, actor=None):
    return services.record_administration(
        actor=actor or world.peer_a,
        person=person,
        instrument_code="phq9",
        time_point=3,
        answers=answers,
        administered_on=timezone.localdate(),
    )


def task_url(task, name="outcomes:safety_task", *extra):
    return reverse(name, args=["northwind", task.pk, *extra])


def test_phq9_without_item9_is_saved_with_its_prorated_total_and_says_item9_is_missing(
    world, person
):
    administration = give(world, person, NO_ITEM9)
    assert administration.valid
    assert administration.total_score == 5  # 4 over 8 items, prorated to 9 and rounded
    assert administration.result["safety_complete"] is False
    assert administration.result["total"]["missing_safety_items"] == ["phq9_9"]
    assert not administration.flagged  # no trigger fired: nothing was answered to fire it


def test_missing_item9_creates_an_ask_it_now_task_for_worker_and_supervisor(world, person):
    task = give(world, person, NO_ITEM9).safety_task
    assert task.status == SafetyStatus.OPEN
    assert task.triggers == [MISSING]
    assert {a.user_id: a.reason for a in task.assignments.all()} == {
        world.peer_a.pk: AssignmentReason.WORKER,
        world.supervisor.pk: AssignmentReason.SUPERVISOR,
    }
    created = AuditEvent.objects.get(action="outcomes.safety_task_created")
    assert created.details["triggers"] == ["safety_item_missing:phq9_9"]
    recorded = AuditEvent.objects.get(action="outcomes.administration_recorded")
    assert recorded.details["safety_item_missing"] == ["phq9_9"]


def test_an_answered_item9_raises_no_missing_item_task(world, person):
    give(world, person, PHQ9_CALM)
    assert not SafetyTask.objects.exists()


def test_peerway_requires_item9_even_when_a_definition_does_not_mark_it(world, person):
    from peerway.instruments.library import current_library

    instrument = current_library()["phq9"]
    assert services.missing_safety_triggers(instrument, NO_ITEM9, result={}) == [MISSING]
    assert services.missing_safety_triggers(instrument, PHQ9_CALM, result={}) == []


def test_recording_a_no_risk_answer_closes_the_task_and_completes_the_result(world, person):
    task = give(world, person, NO_ITEM9).safety_task
    services.record_safety_item_answer(actor=world.peer_a, task=task, item="phq9_9", answer=0)
    task.refresh_from_db()
    assert task.status == SafetyStatus.CLOSED
    assert task.outcome == SafetyOutcome.NO_RISK
    assert task.closed_by == world.peer_a
    administration = task.administration
    administration.refresh_from_db()
    assert administration.answers["phq9_9"] == 0
    assert administration.result["safety_complete"] is True
    assert administration.result["answered_later"] == ["phq9_9"]
    assert administration.total_score == 4  # no longer prorated
    answered = AuditEvent.objects.get(action="outcomes.safety_item_answered")
    assert answered.details == {
        "administration_id": administration.pk,
        "item": "phq9_9",
        "safety_trigger": False,
    }
    closed = AuditEvent.objects.get(action="outcomes.safety_task_closed")
    assert closed.details["resolved_by"] == "answered"


def test_a_risk_answer_keeps_the_task_open_as_the_item9_safety_task(
    world, person, django_capture_on_commit_callbacks
):
    from django.core import mail

    task = give(world, person, NO_ITEM9).safety_task
    with django_capture_on_commit_callbacks(execute=True):
        services.record_safety_item_answer(actor=world.peer_a, task=task, item="phq9_9", answer=2)
    task.refresh_from_db()
    assert task.status == SafetyStatus.OPEN
    assert task.triggers == [{"code": "phq9_item9", "item": "phq9_9"}]
    task.administration.refresh_from_db()
    assert task.administration.flagged
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.peer_a.email, world.supervisor.email]
    )


def test_giving_the_questionnaire_again_resolves_the_earlier_task(world, person):
    first = give(world, person, NO_ITEM9).safety_task
    give(world, person, PHQ9_CALM)
    first.refresh_from_db()
    assert first.status == SafetyStatus.CLOSED
    assert first.outcome == SafetyOutcome.NO_RISK
    closed = AuditEvent.objects.get(action="outcomes.safety_task_closed")
    assert closed.details["resolved_by"] == "readministered"


def test_giving_it_again_with_a_risk_answer_leaves_the_earlier_task_open(world, person):
    first = give(world, person, NO_ITEM9).safety_task
    second = give(world, person, {**PHQ9_CALM, "phq9_9": 1}).safety_task
    first.refresh_from_db()
    assert first.status == SafetyStatus.OPEN
    assert second.triggers == [{"code": "phq9_item9", "item": "phq9_9"}]


def test_answer_must_be_one_of_the_items_options_and_for_a_missing_item(world, person):
    task = give(world, person, NO_ITEM9).safety_task
    with pytest.raises(ValidationError):
        services.record_safety_item_answer(actor=world.peer_a, task=task, item="phq9_9", answer=7)
    with pytest.raises(ValidationError):
        services.record_safety_item_answer(actor=world.peer_a, task=task, item="phq9_1", answer=0)
    task.refresh_from_db()
    assert task.status == SafetyStatus.OPEN


def test_only_people_who_act_on_the_task_record_the_answer(world, person):
    task = give(world, person, NO_ITEM9).safety_task
    for user in (world.peer_b, world.clinician, world.evaluator, world.outsider):
        with pytest.raises(PermissionDenied):
            services.record_safety_item_answer(actor=user, task=task, item="phq9_9", answer=0)
    assert not AuditEvent.objects.filter(action="outcomes.safety_item_answered").exists()


# --------------------------------------------------------------------------- screens


def test_result_page_says_item9_is_missing_and_links_the_task(world, person, login):
    administration = give(world, person, NO_ITEM9)
    url = reverse("outcomes:administration", args=["northwind", administration.pk])
    page = login(world.peer_a).get(url).content.decode()
    assert "Safety question not answered: ask it now" in page
    assert "Item 9 (thoughts of being better off dead or of" in page
    assert "prorated without the safety question" in page
    assert task_url(administration.safety_task) in page


def test_task_page_tells_the_worker_to_ask_now_and_offers_to_record_the_answer(
    world, person, login
):
    task = give(world, person, NO_ITEM9).safety_task
    page = login(world.peer_a).get(task_url(task)).content.decode()
    assert "Safety item not answered: ask it now." in page
    assert "Record the answer to question 9" in page
    assert task_url(task, "outcomes:safety_answer_item", "phq9_9") in page


def test_task_page_in_french(world, person, login):
    task = give(world, person, NO_ITEM9).safety_task
    client = login(world.peer_a)
    client.cookies["django_language"] = "fr-ca"
    page = client.get(task_url(task), HTTP_ACCEPT_LANGUAGE="fr-CA").content.decode()
    assert "Question de sécurité sans réponse" in page


def test_worker_records_the_answer_on_the_task_page(world, person, login):
    task = give(world, person, NO_ITEM9).safety_task
    client = login(world.peer_a)
    url = task_url(task, "outcomes:safety_answer_item", "phq9_9")
    form = client.get(url).content.decode()
    assert "Question 9: Thoughts that you would be better off dead" in form
    empty = client.post(url, {})
    assert empty.status_code == 200 and "Nothing was saved" in empty.content.decode()
    response = client.post(url, {"phq9_9-answer": "0"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == SafetyStatus.CLOSED


def test_record_answer_page_is_refused_to_others_and_404_for_an_item_not_missing(
    world, person, login
):
    task = give(world, person, NO_ITEM9).safety_task
    url = task_url(task, "outcomes:safety_answer_item", "phq9_9")
    assert login(world.peer_b).post(url, {"phq9_9-answer": "0"}).status_code in (403, 404)
    assert login(world.clinician).get(url).status_code in (403, 404)
    other = task_url(task, "outcomes:safety_answer_item", "phq9_1")
    assert login(world.peer_a).get(other).status_code == 404
    task.refresh_from_db()
    assert task.status == SafetyStatus.OPEN


def test_home_tells_the_worker_to_ask_the_safety_question(world, person, login):
    task = give(world, person, NO_ITEM9).safety_task
    for user in (world.peer_a, world.supervisor):
        page = login(user).get(reverse("core:home")).content.decode()
        assert task_url(task) in page
        assert "Safety question not answered: ask it now" in page


def test_worker_can_record_that_item9_was_not_answered_and_lands_on_the_task(world, person, login):
    client = login(world.peer_a)
    url = reverse("outcomes:give", args=["northwind", person.pk, "phq9", 3])
    form = client.get(url).content.decode()
    assert form.count('value="not_answered"') == 1  # offered on item 9 only
    data = {k: str(v) for k, v in PHQ9_CALM.items()}
    data.update(phq9_9="not_answered", administered_on=timezone.localdate().isoformat())
    response = client.post(url, data)
    task = SafetyTask.objects.get()
    assert response.url == task_url(task)
    assert task.triggers == [MISSING]
    assert task.administration.answers["phq9_9"] is None
    page = client.get(response.url).content.decode()
    assert "A safety question was not answered: ask it now." in page

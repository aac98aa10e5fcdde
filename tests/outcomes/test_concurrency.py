"""A safety task acknowledged or closed twice (a double click, or two people at once) is
acknowledged or closed once: the second request finds the locked row already changed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peerway.core.models import AuditEvent, User
from peerway.outcomes import services
from peerway.outcomes.models import SafetyStatus, SafetyTask
from tests.concurrency import at_once

from .conftest import PHQ9_ITEM9

pytestmark = pytest.mark.django_db(transaction=True)

# PHQ-9 item 9 tasks are self-harm tasks: closing one needs its debrief.
DEBRIEF = {
    "debrief_on": timezone.localdate(),
    "debrief_with": "Pat and the supervisor",
    "debrief_notes": "Talked it through",
}


def flagged(world, person) -> SafetyTask:
    return services.record_administration(
        actor=world.peer_a,
        person=person,
        instrument_code="phq9",
        time_point=3,
        answers=PHQ9_ITEM9,
        administered_on=timezone.localdate(),
    ).safety_task


def closing(task_pk, actor_pk, outcome):
    def prepare():
        actor, task = User.objects.get(pk=actor_pk), SafetyTask.objects.get(pk=task_pk)
        return lambda: services.close_task(actor=actor, task=task, outcome=outcome, **DEBRIEF)

    return prepare


def test_a_task_closed_by_two_people_at_once_is_closed_once(world, person):
    task = flagged(world, person)
    results = at_once(
        closing(task.pk, world.peer_a.pk, "no_risk"),
        closing(task.pk, world.supervisor.pk, "no_risk"),
    )
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and "already closed" in str(refused[0])
    assert AuditEvent.objects.filter(action="outcomes.safety_task_closed").count() == 1
    assert SafetyTask.objects.get().status == SafetyStatus.CLOSED


def test_a_stale_acknowledgement_after_a_close_changes_nothing(world, person):
    task = flagged(world, person)
    stale = SafetyTask.objects.get(pk=task.pk)
    services.close_task(actor=world.supervisor, task=task, outcome="no_risk", **DEBRIEF)
    with pytest.raises(ValidationError, match="already acknowledged or closed"):
        services.acknowledge_task(actor=world.peer_a, task=stale)
    task.refresh_from_db()
    assert (task.status, task.acknowledged_by) == (SafetyStatus.CLOSED, world.supervisor)
    assert not AuditEvent.objects.filter(action="outcomes.safety_task_acknowledged").exists()

"""Recovery writes sent twice, or from a page loaded before someone else's change, are
applied to the record as it is now: a step ticked twice is ticked once, a goal's status
date follows the stored status, an event is reviewed once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.recovery import services
from peerway.recovery.models import EventKind, Goal, GoalStep, SafetyEvent


@pytest.fixture
def goal(world, caseload):
    plan = services.start_plan(actor=world.peer_a, person=caseload.robin, co_produced=True)
    goal = services.add_goal(actor=world.peer_a, plan=plan, text="Walk weekly", domain="hope")
    services.add_step(actor=world.peer_a, goal=goal, text="Find the group")
    return goal


def test_a_step_ticked_twice_is_ticked_once(world, goal):
    step = GoalStep.objects.get()
    stale = GoalStep.objects.get(pk=step.pk)
    services.set_step_done(actor=world.peer_a, step=step, done=True)
    services.set_step_done(actor=world.peer_a, step=stale, done=True)
    assert AuditEvent.objects.filter(action="recovery.step_done").count() == 1
    assert GoalStep.objects.get().done


def test_a_goal_status_change_compares_with_the_stored_status(world, goal):
    stale = Goal.objects.get(pk=goal.pk)
    services.change_goal(
        actor=world.peer_a, goal=goal, text=goal.text, domain=goal.domain, status="achieved"
    )
    Goal.objects.filter(pk=goal.pk).update(status_changed_on=None)  # a marker to watch
    # The same change sent again from the page loaded before: the status does not change,
    # so its date is not set again.
    services.change_goal(
        actor=world.peer_a, goal=stale, text=goal.text, domain=goal.domain, status="achieved"
    )
    assert Goal.objects.get().status_changed_on is None


def test_an_event_reviewed_from_two_pages_is_reviewed_once(world, caseload):
    event = services.record_event(
        actor=world.peer_a,
        person=caseload.robin,
        data=services.EventInput(
            kind=EventKind.BOUNDARY,
            occurred_on=timezone.localdate(),
            description="Asked for a personal phone number",
            boundary_type="crossing",
        ),
    )
    stale = SafetyEvent.objects.get(pk=event.pk)
    services.mark_reviewed(actor=world.supervisor, event=event)
    with pytest.raises(ValidationError, match="already reviewed"):
        services.mark_reviewed(actor=world.supervisor, event=stale)
    assert SafetyEvent.objects.get().reviewed_by == world.supervisor
    assert AuditEvent.objects.filter(action="recovery.event_reviewed").count() == 1

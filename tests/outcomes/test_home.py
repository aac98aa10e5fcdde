"""Home pieces: measures due and open safety tasks for workers and their supervisors."""

from django.urls import reverse
from django.utils import timezone

from peerway.core.navigation import navigation_for
from peerway.outcomes import services
from peerway.outcomes.homes import due_and_tasks

from .conftest import PHQ9_ITEM9


def flag(world, person):
    return services.record_administration(
        actor=world.peer_a,
        person=person,
        instrument_code="phq9",
        time_point=3,
        answers=PHQ9_ITEM9,
        administered_on=timezone.localdate(),
    ).safety_task


def test_function_lists_due_measures_and_open_tasks(world, person):
    task = flag(world, person)
    piece = due_and_tasks(world.peer_a, world.org)
    assert piece["task_count"] == 1 and piece["tasks"] == [task]
    # The 3-month PHQ-9 is done; the QPR-15 at 3 months is still overdue.
    assert [(d.person, d.window.time_point, d.instruments) for d in piece["due"]] == [
        (person, 3, ["qpr15"])
    ]
    assert due_and_tasks(world.supervisor, world.org)["task_count"] == 1
    assert due_and_tasks(world.peer_b, world.org)["task_count"] == 0


def test_home_shows_the_safety_task_to_worker_and_supervisor(world, person, login):
    task = flag(world, person)
    link = reverse("outcomes:safety_task", args=["northwind", task.pk])
    for user in (world.peer_a, world.supervisor):
        page = login(user).get(reverse("core:home")).content.decode()
        assert "1 open safety task needs follow-up." in page and link in page
    for user in (world.clinician, world.evaluator, world.peer_b):
        page = login(user).get(reverse("core:home")).content.decode()
        assert link not in page


def test_menu_entry_for_roles_that_give_measures(world):
    def has_entry(user):
        return any(str(i.label) == "Outcome measures" for i in navigation_for(user))

    assert has_entry(world.peer_a) and has_entry(world.supervisor) and has_entry(world.manager)
    assert not has_entry(world.clinician) and not has_entry(world.evaluator)

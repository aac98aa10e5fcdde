"""Plan changes sent twice, or from a page loaded before someone else's change, are
compared with the plan as it is now: the history records the real "before", a repeated
change records nothing, a recommendation added twice at once gives one action."""

from __future__ import annotations

import pytest

from peerway.core.models import User
from peerway.planning.models import ImplementationPlan, PlanAction, PlanChange
from peerway.planning.plan import services
from tests.concurrency import at_once


def test_a_repeated_gate_change_from_a_stale_page_records_nothing(world):
    plan = services.create_plan(actor=world.manager, organization=world.org)
    stale = ImplementationPlan.objects.get(pk=plan.pk)
    wanted = not plan.gate_require_leadership
    services.update_gate(actor=world.manager, plan=plan, gate_require_leadership=wanted)
    services.update_gate(actor=world.manager, plan=stale, gate_require_leadership=wanted)
    changes = PlanChange.objects.filter(kind="gate_updated")
    assert [c.changes for c in changes] == [{"gate_require_leadership": [not wanted, wanted]}]


@pytest.mark.django_db(transaction=True)
def test_a_recommendation_added_twice_at_once_gives_one_action(world):
    plan = services.create_plan(actor=world.manager, organization=world.org)

    def adding():
        def prepare():
            actor = User.objects.get(pk=world.manager.pk)
            fresh = ImplementationPlan.objects.get(pk=plan.pk)
            return lambda: services.add_recommended(
                actor=actor,
                plan=fresh,
                strategy="coproduce_role_description",
                factors=["role_clarity"],
                team=None,
            )

        return prepare

    results = at_once(adding(), adding())
    assert sorted(created for _action, created in results) == [False, True]
    assert PlanAction.objects.filter(strategy="coproduce_role_description").count() == 1

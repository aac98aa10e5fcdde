"""The demo region's implementation plan is in progress and its gate tells teams apart."""

from django.utils import timezone

from peerway.core import demo
from peerway.planning.models import ImplementationPlan, PlanAction
from peerway.planning.plan import gate, selectors


def test_demo_plan_has_done_overdue_and_at_risk_actions_and_a_mixed_gate(demo_region):
    region = demo_region
    demo.seed()  # idempotent
    plan = ImplementationPlan.objects.get(organization=region.organization)
    assert PlanAction.objects.filter(plan=plan).count() == 9
    today = timezone.localdate()
    actions = list(selectors.actions_for(plan))
    assert sum(a.status == "done" for a in actions) == 3
    assert all(a.completion_evidence for a in actions if a.status == "done")
    assert sum(a.is_overdue(today) for a in actions) == 2
    assert sum(a.is_at_risk(today) for a in actions) == 2
    assert any(m.is_overdue(today) for m in plan.milestones.all())
    assert any(m.achieved_on for m in plan.milestones.all())

    verdicts = {t.team.name: t for t in gate.evaluate(plan).teams}
    assert verdicts["Inpatient Unit 3B"].ready
    crisis = {c.code for c in verdicts["Mobile Crisis Team"].unmet}
    assert {"commitment", "efficacy"} <= crisis
    assert [c.code for c in verdicts["Community Mental Health East"].unmet] == ["peers"]

    # Unit 3B's supervisor education: role clarity rose between the two waves.
    educate = next(a for a in actions if a.strategy == "educate_supervisors_on_peer_role")
    changes = selectors.factor_changes(educate)
    clarity = next(r for r in changes.rows if r.factor == "role_clarity")
    assert clarity.difference > 0.5

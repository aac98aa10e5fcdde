"""The demo's recovery plans and boundary and risk events."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from peerway.recovery import demo, selectors
from peerway.recovery.models import Goal, RecoveryPlan, SafetyEvent
from peerway.workforce.models import SupervisionSession


def test_demo_waits_for_people_supported(world):
    demo.seed(SimpleNamespace(organization=world.org))
    assert not RecoveryPlan.objects.exists() and not SafetyEvent.objects.exists()


def test_demo_plans_and_events_for_people_in_a_caseload(world, caseload, login):
    session = SupervisionSession.objects.create(
        organization=world.org,
        worker=world.peer_a,
        supervisor=world.supervisor,
        session_type="peer_practice",
        date=timezone.localdate() - timedelta(days=1),
        duration_minutes=60,
    )
    region = SimpleNamespace(organization=world.org)
    demo.seed(region)
    demo.seed(region)  # idempotent
    # two open relationships (Robin with Pat, Blake with Quinn): two plans, two events
    assert RecoveryPlan.objects.count() == 2
    assert Goal.objects.filter(domain="connectedness").exists()
    assert SafetyEvent.objects.count() == 2
    assert set(SafetyEvent.objects.values_list("kind", flat=True)) == {"boundary", "risk"}
    # The risk concern's safety task was acknowledged and closed with a debrief.
    task = SafetyEvent.objects.get(kind="risk").safety_task
    assert task.status == "closed" and task.debrief_on is not None
    assert task.acknowledged_at - task.created_at < timedelta(hours=1)
    # Pat's boundary event was reviewed in Pat's session; Quinn's waits in the queue
    reviewed = SafetyEvent.objects.get(worker=world.peer_a)
    assert reviewed.supervision_session == session and reviewed.occurred_on <= session.date
    assert list(selectors.review_queue(world.supervisor, world.org)) == [
        SafetyEvent.objects.get(worker=world.peer_b)
    ]
    response = login(world.peer_a).get(
        f"/o/{world.org.slug}/recovery/people/{caseload.robin.pk}/plan/print/"
    )
    assert response.status_code == 200

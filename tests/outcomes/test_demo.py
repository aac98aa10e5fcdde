"""The demo region's outcome measures."""

from __future__ import annotations

from peerway.core import demo
from peerway.instruments.engine import score
from peerway.instruments.library import current_library
from peerway.outcomes.models import Administration, SafetyStatus, SafetyTask


def test_demo_has_measures_at_three_time_points_and_two_safety_triggers(demo_region):
    region = demo_region
    org = region.organization
    count = Administration.objects.filter(organization=org).count()
    assert count > 100
    assert set(Administration.objects.values_list("time_point", flat=True)) == {0, 3, 6}
    assert set(Administration.objects.values_list("instrument", flat=True)) == {"qpr15", "phq9"}
    tasks = SafetyTask.objects.filter(organization=org, source="questionnaire")
    assert sorted(t.status for t in tasks) == [SafetyStatus.ACKNOWLEDGED, SafetyStatus.CLOSED]
    for task in tasks:
        assert task.risk_type == "self_harm" and task.due_at is not None
        assert task.administration.answers["phq9_9"] == 1
        assert task.assignments.filter(reason="worker").exists()
        assert task.assignments.filter(reason="supervisor").exists()
    sample = Administration.objects.filter(instrument="phq9").first()
    expected = score(current_library()["phq9"], sample.answers).to_dict()
    assert sample.total_score == expected["total"]["score"]
    demo.seed()  # idempotent
    assert Administration.objects.filter(organization=org).count() == count
    assert SafetyTask.objects.filter(organization=org, source="questionnaire").count() == 2
    # Risk concerns raised their tasks too: one closed with its debrief, one waiting.
    concerns = SafetyTask.objects.filter(organization=org, source="risk_concern")
    closed = concerns.get(status=SafetyStatus.CLOSED)
    assert closed.risk_type == "self_harm" and closed.debrief_on and closed.debrief_notes
    waiting = concerns.get(status=SafetyStatus.OPEN)
    assert waiting.safety_event.risk_type == "substance_use" and not waiting.overdue
    assert concerns.count() == 2

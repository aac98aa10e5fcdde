"""A safety (risk) event or a progress note dated year 1 or year 1000 is refused, naming the
field, and nothing is saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerway.recovery.models import SafetyEvent


@pytest.mark.parametrize("typed", ["0001-01-01", "1000-01-01"])
def test_an_absurd_safety_event_date_is_refused_naming_the_field(world, caseload, login, typed):
    new = reverse("recovery:event_new", args=[world.org.slug, caseload.robin.pk, "risk"])
    response = login(world.peer_a).post(
        new,
        {
            "occurred_on": typed,
            "risk_type": "self_harm",
            "description": "Talked about it",
            "response_path": "relational",
        },
    )
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "Date: The date cannot be before 2000-01-01." in page
    assert not SafetyEvent.objects.exists()

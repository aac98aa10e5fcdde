"""The demo flags the drifting team and the lone-peer teams, with explanations."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerway.core import demo
from peerway.indicators.models import DriftAlert
from peerway.support.models import Contact


@pytest.fixture
def region(demo_region):
    return demo_region


def test_demo_dashboard_flags_drift_and_lone_peers_with_explanations(region, client):
    org = region.organization
    if not Contact.objects.filter(organization=org).exists():
        pytest.skip("the service demo created no peer relationships")
    client.force_login(region.users["manager"])
    text = client.get(reverse("indicators:organization", args=[org.slug])).content.decode()
    transition = region.teams["transition"].name
    assert f"{transition}: " in text and "above the role definition&#x27;s threshold" in text
    assert "Out-of-scope tasks that drove it:" in text
    for key in ("cmh_east", "family"):
        assert f"{region.teams[key].name} has a lone peer worker" in text
    # Supervisor 1 (Harbourview) was alerted about the transition team's workers.
    alerts = DriftAlert.objects.filter(organization=org, team=region.teams["transition"])
    assert alerts.filter(recipient=region.users["supervisor1"]).exists()
    assert all(a.tasks for a in alerts)
    # Seeding again adds nothing.
    count = DriftAlert.objects.count()
    demo.seed()
    assert DriftAlert.objects.count() == count

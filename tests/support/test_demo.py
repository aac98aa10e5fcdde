"""The service demo: believable consent and response times."""

from __future__ import annotations

import pytest

from peerway.support import selectors
from peerway.support.models import ConsentPurpose, Person, Referral, ReferralState


@pytest.fixture
def region(demo_region):
    return demo_region


def test_the_demo_has_referrals_waiting_for_consent_and_one_overdue_urgent_one(region, client):
    org = region.organization
    referrals = Referral.objects.filter(person__organization=org)
    waiting = referrals.filter(state=ReferralState.AWAITING_CONSENT)
    assert waiting.count() == 2
    assert not waiting.filter(
        person__in=Person.objects.filter(selectors.consenting_people_q(ConsentPurpose.PEER_SUPPORT))
    )
    # Everyone past "waiting for consent" agreed to be contacted.
    moved_on = referrals.exclude(state__in=[ReferralState.AWAITING_CONSENT, ReferralState.CLOSED])
    consenting = Person.objects.filter(selectors.consenting_people_q(ConsentPurpose.PEER_SUPPORT))
    assert not moved_on.exclude(person__in=consenting).exists()
    overdue = referrals.filter(selectors.overdue_q(selectors.response_targets(org)))
    assert overdue.filter(urgency="urgent").count() == 1
    assert overdue.count() <= 8, "a believable service has only a few overdue referrals"
    urgent = overdue.get(urgency="urgent")
    supervisors = [
        u
        for key, u in region.users.items()
        if key.startswith("supervisor") and u.has_perm("support.manage_referrals", urgent)
    ]
    assert supervisors
    client.force_login(supervisors[0])
    assert "no first contact within" in client.get("/").content.decode()

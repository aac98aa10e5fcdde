"""Urgent referrals are seen first: lists sort by urgency then due time, each urgency has a
response target per organization, and referrals past it with no first contact are flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.support import selectors, services
from peerway.support.models import Referral, ReferralSettings, ReferralState

from .test_service import refer, url

HOME = "/"


def referred_at(world, when, urgency, **kw):
    with time_machine.travel(when, tick=False):
        return refer(world, urgency=urgency, **kw)


def test_urgent_comes_before_routine_and_the_earliest_due_first(world, login):
    now = timezone.now()
    old_routine = referred_at(world, now - timedelta(days=5), "routine")
    new_urgent = referred_at(world, now - timedelta(hours=2), "urgent")
    old_urgent = referred_at(world, now - timedelta(hours=20), "urgent")
    soon = referred_at(world, now - timedelta(days=1), "soon")
    waiting = referred_at(world, now - timedelta(hours=1), "urgent", consent_given=False)
    done = referred_at(world, now - timedelta(hours=1), "urgent")
    Referral.objects.filter(pk=done.pk).update(state=ReferralState.ACTIVE)
    expected = [old_urgent, new_urgent, soon, old_routine]
    queue = list(selectors.by_urgency(Referral.objects.filter(state=ReferralState.NEW)))
    assert queue == expected
    page = login(world.supervisor).get(url(world, "matching/")).content.decode()
    positions = [page.index(f'value="{r.pk}"') for r in expected]
    assert positions == sorted(positions)
    # The referral list: still waiting first (consent-waiting ones included), most urgent and
    # earliest due at the top; referrals already in contact after them.
    listed = selectors.referral_list(Referral.objects.all(), world.org)
    assert listed == [old_urgent, new_urgent, waiting, soon, old_routine, done]


def test_an_urgent_referral_is_overdue_after_48_hours_without_first_contact(world, login):
    start = timezone.now()
    referral = referred_at(world, start, "urgent")
    with time_machine.travel(start + timedelta(hours=47), tick=False):
        assert not Referral.objects.filter(
            selectors.overdue_q(selectors.response_targets(world.org))
        )
        page = login(world.supervisor).get(url(world, "matching/")).content.decode()
        assert "Overdue" not in page
    with time_machine.travel(start + timedelta(hours=49), tick=False):
        client = login(world.supervisor)
        assert "Overdue" in client.get(url(world, "matching/")).content.decode()
        listing = client.get(url(world, "referrals/")).content.decode()
        assert "Overdue" in listing
        assert (
            referral.person.code in client.get(url(world, "referrals/?overdue=1")).content.decode()
        )
        home = client.get(HOME).content.decode()
        assert "1 referral has had no first contact within its response target." in home
        # The referring clinician sees the flag on their list too.
        assert "Overdue" in login(world.clinician).get(HOME).content.decode()
        # A first contact or a closure clears it.
        Referral.objects.filter(pk=referral.pk).update(state=ReferralState.ACTIVE)
        assert "no first contact within" not in client.get(HOME).content.decode()
        assert (
            referral.person.code
            not in client.get(url(world, "referrals/?overdue=1")).content.decode()
        )


def test_a_referral_waiting_for_consent_can_be_overdue_too(world, login):
    start = timezone.now()
    referral = referred_at(world, start, "urgent", consent_given=False)
    with time_machine.travel(start + timedelta(hours=49), tick=False):
        page = login(world.supervisor).get(url(world, "matching/")).content.decode()
        section = page[page.index('id="h-waiting-consent"') :]
        assert referral.person.code in section and "Overdue" in section


def test_the_defaults_and_a_managers_own_targets(world, login):
    assert selectors.target_hours(world.org) == {"urgent": 48, "soon": 168, "routine": 336}
    client = login(world.manager)
    form = client.get(url(world, "referrals/response-targets/")).content.decode()
    assert 'value="48"' in form
    response = client.post(
        url(world, "referrals/response-targets/"),
        {"urgent_hours": "24", "soon_hours": "72", "routine_hours": "240"},
    )
    assert response.status_code == 302
    assert selectors.target_hours(world.org) == {"urgent": 24, "soon": 72, "routine": 240}
    event = AuditEvent.objects.get(action="support.response_targets_updated")
    assert event.actor_id == world.manager.pk
    assert event.details == {"urgent_hours": 24, "soon_hours": 72, "routine_hours": 240}
    # The referral form says the targets, and an urgent referral is now late after a day.
    refer_page = login(world.clinician).get(url(world, "refer/")).content.decode()
    assert "Urgent (first contact within 24 hours)" in refer_page
    assert "Soon (first contact within 3 days)" in refer_page
    start = timezone.now()
    referred_at(world, start, "urgent")
    later = start + timedelta(hours=25)
    late = selectors.overdue_q(selectors.response_targets(world.org), now=later)
    assert Referral.objects.filter(late).count() == 1
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert (
            "Overdue" not in login(world.supervisor).get(url(world, "matching/")).content.decode()
        )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"urgent_hours": "0"}, "urgent_hours", "greater than or equal to 1"),
        ({"routine_hours": "99999"}, "routine_hours", "less than or equal to 2160"),
        ({"urgent_hours": "200"}, "soon_hours", "cannot wait longer than a soon one"),
    ],
)
def test_bad_targets_name_the_field_and_save_nothing(world, login, values, field, message):
    data = {"urgent_hours": "48", "soon_hours": "168", "routine_hours": "336", **values}
    page = login(world.manager).post(url(world, "referrals/response-targets/"), data)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not ReferralSettings.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("site_manager", 403),
        ("supervisor", 403),
        ("clinician", 403),
        ("peer_a", 403),
        ("evaluator", 403),
        ("admin", 403),
        ("outsider", 404),
    ],
)
def test_only_an_organization_wide_manager_sets_the_targets(world, login, who, status):
    client = login(getattr(world, who))
    target = url(world, "referrals/response-targets/")
    assert client.get(target).status_code == status
    data = {"urgent_hours": "1", "soon_hours": "2", "routine_hours": "3"}
    assert client.post(target, data).status_code == status
    assert not ReferralSettings.objects.exists()
    with pytest.raises(PermissionDenied):
        services.update_response_targets(
            actor=getattr(world, who),
            organization=world.org,
            urgent_hours=1,
            soon_hours=2,
            routine_hours=3,
        )

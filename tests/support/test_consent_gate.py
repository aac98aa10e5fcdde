"""Consent gates referrals: without the person's agreement to be contacted, a referral waits
for consent and cannot be matched, offered, accepted or moved to first contact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.support import matching_service, services
from peerway.support.models import (
    ConsentPurpose,
    Match,
    MatchStatus,
    PeerRelationship,
    Referral,
    ReferralState,
)

from .test_service import refer, refer_data, url

WAITING = ReferralState.AWAITING_CONSENT


def waiting_referral(world, **kw):
    return refer(world, consent_given=False, **kw)


def withdraw(world, person):
    services.record_consent(
        actor=world.clinician, person=person, purpose=ConsentPurpose.PEER_SUPPORT, given=False
    )


# --- referring without consent ---------------------------------------------------------------


def test_a_referral_without_the_persons_agreement_waits_for_consent(world, login):
    client = login(world.clinician)
    data = refer_data(world)
    del data["consent_given"]
    page = client.post(url(world, "refer/"), data, follow=True).content.decode()
    referral = Referral.objects.get()
    assert referral.state == WAITING
    assert list(referral.events.values_list("state", flat=True)) == [WAITING]
    assert not referral.person.consents.exists()
    assert "waits for consent" in page and "Waiting for consent" in page
    assert "Record consent: the person agreed to be contacted" in page
    event = AuditEvent.objects.get(action="support.referral_created")
    assert event.details["consent"] is False


def test_a_referral_with_the_persons_agreement_records_the_consent_and_is_new(world, login):
    day = timezone.localdate() - timedelta(days=2)
    data = refer_data(world, consent_decided_on=day.isoformat())
    login(world.clinician).post(url(world, "refer/"), data)
    referral = Referral.objects.get()
    assert referral.state == ReferralState.NEW
    consent = referral.person.consents.get()
    assert (consent.purpose, consent.given, consent.decided_on, consent.recorded_by) == (
        ConsentPurpose.PEER_SUPPORT,
        True,
        day,
        world.clinician,
    )


def test_a_known_person_who_already_consented_is_not_asked_again(world):
    first = refer(world)
    services.move_referral(
        actor=world.supervisor, referral=first, state="closed", reason="Moved away"
    )
    again = refer(world, person=first.person, consent_given=False)
    assert again.state == ReferralState.NEW


def test_the_consent_date_cannot_be_in_the_future(world, login):
    data = refer_data(world, consent_decided_on="2999-01-01")
    page = login(world.clinician).post(url(world, "refer/"), data).content.decode()
    assert "cannot be in the future" in page and not Referral.objects.exists()


# --- matching and offering are refused --------------------------------------------------------


def test_matching_a_referral_waiting_for_consent_is_refused_by_the_service(world):
    referral = waiting_referral(world)
    with pytest.raises(ValidationError) as exc:
        matching_service.propose(
            actor=world.supervisor, organization=world.org, referrals=[referral]
        )
    assert "has not agreed to be contacted" in str(exc.value)
    assert not Match.objects.exists()


def test_the_queue_lists_it_apart_and_a_forged_tick_is_refused(world, login):
    waiting = waiting_referral(world)
    ready = refer(world)
    client = login(world.supervisor)
    page = client.get(url(world, "matching/")).content.decode()
    assert f'value="{ready.pk}"' in page
    assert f'value="{waiting.pk}"' not in page  # no box to tick
    section = page[page.index('id="h-waiting-consent"') :]
    assert waiting.person.code in section and ready.person.code not in section
    page = client.post(url(world, "matching/"), {"referral": [waiting.pk]}, follow=True)
    assert "has not agreed to be contacted" in page.content.decode()
    assert not Match.objects.exists()
    waiting.refresh_from_db()
    assert waiting.state == WAITING


def test_approving_a_stale_proposal_after_consent_was_withdrawn_is_refused(world, login):
    referral = refer(world)
    client = login(world.supervisor)
    client.post(url(world, "matching/"), {"referral": [referral.pk]})
    assert Match.objects.filter(status="proposed").count() == 1
    withdraw(world, referral.person)
    referral.refresh_from_db()
    # Withdrawing sends the referral back to wait and drops its undecided proposal.
    assert referral.state == WAITING and not Match.objects.exists()
    # A proposal that reached it anyway (e.g. a second tab) cannot be approved.
    stale = Match.objects.create(referral=referral, worker=world.peer_a)
    page = client.post(
        url(world, f"matches/{stale.pk}/decide/"), {"decision": "approve"}, follow=True
    )
    assert "has not agreed to be contacted" in page.content.decode()
    stale.refresh_from_db()
    referral.refresh_from_db()
    assert (stale.status, referral.state) == (MatchStatus.PROPOSED, WAITING)
    with pytest.raises(ValidationError, match="has not agreed"):
        matching_service.approve(actor=world.supervisor, match=stale)


def test_an_offer_cannot_be_accepted_once_consent_is_withdrawn(world, login):
    referral = refer(world)
    login(world.supervisor).post(url(world, "matching/"), {"referral": [referral.pk]})
    match = Match.objects.get()
    login(world.supervisor).post(url(world, f"matches/{match.pk}/decide/"), {"decision": "approve"})
    withdraw(world, referral.person)
    page = login(world.peer_a).post(
        url(world, f"matches/{match.pk}/answer/"), {"answer": "accept"}, follow=True
    )
    assert "has not agreed to be contacted" in page.content.decode()
    referral.refresh_from_db()
    assert referral.state == ReferralState.OFFERED
    assert not PeerRelationship.objects.exists()


def test_a_contact_after_consent_is_withdrawn_does_not_make_the_referral_active(world):
    referral = refer(world)
    Match.objects.create(referral=referral, worker=world.peer_a)
    matching_service.approve(actor=world.supervisor, match=Match.objects.get())
    matching_service.accept(actor=world.peer_a, match=Match.objects.get())
    withdraw(world, referral.person)
    held = matching_service.record_first_contact(actor=world.peer_a, person=referral.person)
    referral.refresh_from_db()
    assert held == [referral] and referral.state == ReferralState.ACCEPTED
    assert AuditEvent.objects.filter(action="support.first_contact_held").count() == 1


def test_moving_a_referral_on_by_hand_needs_consent(world, login):
    referral = waiting_referral(world)
    with pytest.raises(ValidationError):
        services.move_referral(actor=world.supervisor, referral=referral, state="triaged")
    page = login(world.supervisor).get(url(world, f"referrals/{referral.pk}/")).content.decode()
    assert 'value="triaged"' not in page and 'value="closed"' in page
    page = login(world.supervisor).post(
        url(world, f"referrals/{referral.pk}/move/"), {"state": "triaged"}, follow=True
    )
    assert "cannot go from" in page.content.decode()
    referral.refresh_from_db()
    assert referral.state == WAITING
    # Closing it (the person said no) is allowed, with the reason.
    services.move_referral(
        actor=world.supervisor, referral=referral, state="closed", reason="Declined peer support"
    )


# --- recording consent on the referral ---------------------------------------------------------


def test_the_clinician_records_consent_on_the_referral_and_it_enters_the_flow(world, login):
    referral = waiting_referral(world)
    day = timezone.localdate() - timedelta(days=1)
    client = login(world.clinician)
    target = url(world, f"referrals/{referral.pk}/consent/")
    page = client.post(target, {"decided_on": "2999-01-01"}, follow=True).content.decode()
    assert "cannot be in the future" in page
    referral.refresh_from_db()
    assert referral.state == WAITING
    page = client.post(target, {"decided_on": day.isoformat()}, follow=True).content.decode()
    assert "Consent recorded" in page and "Casey Clinician" in page
    referral.refresh_from_db()
    assert referral.state == ReferralState.NEW
    consent = referral.person.consents.get()
    assert (consent.purpose, consent.given, consent.decided_on, consent.recorded_by) == (
        ConsentPurpose.PEER_SUPPORT,
        True,
        day,
        world.clinician,
    )
    assert list(referral.events.values_list("state", flat=True)) == [WAITING, "new"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"support.consent_given", "support.referral_moved"} <= actions
    # Sent again (a second tab), nothing more is recorded.
    page = client.post(target, {"decided_on": day.isoformat()}, follow=True).content.decode()
    assert "not waiting for consent" in page and referral.person.consents.count() == 1
    # Now it can be matched.
    matching_service.propose(actor=world.supervisor, organization=world.org, referrals=[referral])
    assert Match.objects.filter(referral=referral).exists()


def test_consent_recorded_on_the_persons_page_also_releases_the_referral(world, login):
    referral = waiting_referral(world, user=world.peer_a, source="self")
    login(world.peer_a).post(
        url(world, f"supported/{referral.person.pk}/consent/"),
        {
            "purpose": "peer_support",
            "given": "yes",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    referral.refresh_from_db()
    assert referral.state == ReferralState.NEW


@pytest.mark.parametrize(
    ("who", "status"), [("peer_b", 404), ("evaluator", 404), ("outsider", 404)]
)
def test_others_cannot_record_consent_on_a_referral(world, login, who, status):
    referral = waiting_referral(world)
    response = login(getattr(world, who)).post(
        url(world, f"referrals/{referral.pk}/consent/"),
        {"decided_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == status
    referral.refresh_from_db()
    assert referral.state == WAITING and not referral.person.consents.exists()

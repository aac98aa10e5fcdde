"""Double submits and simultaneous decisions on referrals: an offer is accepted once, a
referral closed once, a proposal decided once (each writer in its own connection)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from peerway.core.models import AuditEvent, User
from peerway.support import matching_service, services
from peerway.support.models import (
    Match,
    PeerRelationship,
    Referral,
    ReferralEvent,
    ReferralState,
)
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def offered(world) -> Match:
    """A referral to team A, matched to Pat and offered."""
    referral = services.create_referral(
        actor=world.clinician,
        team=world.team_a,
        source="clinician",
        reason="After discharge",
        consent_given=True,
    )
    matching_service.propose(actor=world.supervisor, organization=world.org, referrals=[referral])
    match = Match.objects.get(referral=referral)
    assert match.worker == world.peer_a
    return matching_service.approve(actor=world.supervisor, match=match)


def accepting(match_pk, worker_pk):
    def prepare():
        worker, match = User.objects.get(pk=worker_pk), Match.objects.get(pk=match_pk)
        return lambda: matching_service.accept(actor=worker, match=match)

    return prepare


def closing(referral_pk, actor_pk):
    def prepare():
        actor, referral = User.objects.get(pk=actor_pk), Referral.objects.get(pk=referral_pk)
        return lambda: services.move_referral(
            actor=actor, referral=referral, state="closed", reason="Moved away"
        )

    return prepare


def deciding(match_pk, actor_pk, decision):
    def prepare():
        actor, match = User.objects.get(pk=actor_pk), Match.objects.get(pk=match_pk)
        if decision == "approve":
            return lambda: matching_service.approve(actor=actor, match=match)
        return lambda: matching_service.reject(actor=actor, match=match, reason="Not now")

    return prepare


def test_an_offer_accepted_twice_at_once_takes_the_person_on_once(world):
    match = offered(world)
    results = at_once(accepting(match.pk, world.peer_a.pk), accepting(match.pk, world.peer_a.pk))
    assert sum(isinstance(r, PeerRelationship) for r in results) == 1
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and "no longer open" in str(refused[0])
    assert PeerRelationship.objects.count() == 1
    events = ReferralEvent.objects.filter(referral=match.referral_id)
    assert events.filter(state=ReferralState.ACCEPTED).count() == 1
    assert AuditEvent.objects.filter(action="support.offer_accepted").count() == 1


def test_a_referral_closed_twice_at_once_is_closed_once(world):
    match = offered(world)
    matching_service.accept(actor=world.peer_a, match=match)
    results = at_once(
        closing(match.referral_id, world.supervisor.pk),
        closing(match.referral_id, world.supervisor.pk),
    )
    assert [type(r) for r in results] == [Referral, Referral]
    assert Referral.objects.get().state == ReferralState.CLOSED
    events = ReferralEvent.objects.filter(referral=match.referral_id, state=ReferralState.CLOSED)
    assert events.count() == 1
    moved = AuditEvent.objects.filter(action="support.referral_moved", details__state="closed")
    assert moved.count() == 1


def test_a_proposal_approved_and_rejected_at_once_is_decided_once(world):
    referral = services.create_referral(
        actor=world.clinician,
        team=world.team_a,
        source="clinician",
        reason="After discharge",
        consent_given=True,
    )
    matching_service.propose(actor=world.supervisor, organization=world.org, referrals=[referral])
    match = Match.objects.get()
    results = at_once(
        deciding(match.pk, world.supervisor.pk, "approve"),
        deciding(match.pk, world.manager.pk, "reject"),
    )
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and "already decided" in str(refused[0])
    match.refresh_from_db()
    referral.refresh_from_db()
    if match.status == "approved":
        assert referral.state == ReferralState.OFFERED
    else:
        assert match.status == "rejected" and referral.state == ReferralState.NEW


def test_a_repeated_close_of_a_stale_referral_changes_nothing(world):
    """The sequential double submit (both databases): the second request's page was
    loaded before the first closed the referral."""
    referral = services.create_referral(
        actor=world.clinician,
        team=world.team_a,
        source="clinician",
        reason="After discharge",
        consent_given=True,
    )
    stale = Referral.objects.get(pk=referral.pk)
    services.move_referral(actor=world.supervisor, referral=referral, state="closed", reason="x")
    services.move_referral(actor=world.supervisor, referral=stale, state="closed", reason="y")
    assert ReferralEvent.objects.filter(state=ReferralState.CLOSED).count() == 1
    with pytest.raises(ValidationError, match="cannot go from"):
        services.move_referral(actor=world.supervisor, referral=stale, state="triaged")


def test_a_stale_offer_accepted_again_is_refused_with_a_clear_message(world):
    match = offered(world)
    stale = Match.objects.get(pk=match.pk)
    matching_service.accept(actor=world.peer_a, match=match)
    with pytest.raises(ValidationError, match="no longer open"):
        matching_service.accept(actor=world.peer_a, match=stale)
    assert PeerRelationship.objects.count() == 1

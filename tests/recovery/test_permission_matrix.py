"""The recovery rows of docs/permissions.md, one case per line."""

from __future__ import annotations

import pytest
from django.utils import timezone

from peerway.recovery import services
from peerway.recovery.models import SafetyEvent
from peerway.support.models import ConsentPurpose
from peerway.support.services import record_consent

WHO = ("manager", "site_manager", "supervisor", "peer_a", "peer_b", "clinician")
WHO += ("evaluator", "admin", "outsider")

PLAN_VIEW = {"manager", "supervisor", "peer_a"}
PLAN_CHANGE = {"peer_a"}
EVENT_VIEW = {"manager", "supervisor", "peer_a"}
EVENT_UPDATE = {"supervisor", "peer_a"}
EVENT_REVIEW = {"supervisor"}
RECORD = {"peer_a"}
LISTS = {"manager", "site_manager", "supervisor", "peer_a", "peer_b", "clinician"}
EVENTS_SCREEN = LISTS - {"clinician"}


@pytest.fixture
def event(world, caseload) -> SafetyEvent:
    return services.record_event(
        actor=world.peer_a,
        person=caseload.robin,
        data=services.EventInput("boundary", timezone.localdate(), "x", boundary_type="crossing"),
    )


@pytest.mark.parametrize("who", WHO)
def test_plan_rows(world, caseload, who):
    user = getattr(world, who)
    robin = caseload.robin
    assert user.has_perm("recovery.view_plan", robin) is (who in PLAN_VIEW)
    assert user.has_perm("recovery.change_plan", robin) is (who in PLAN_CHANGE)
    assert user.has_perm("recovery.record_event", robin) is (who in RECORD)
    assert user.has_perm("recovery.view_plans", world.org) is (who in LISTS)
    assert user.has_perm("recovery.view_events", world.org) is (who in EVENTS_SCREEN)


def test_clinician_row_follows_the_share_notes_consent(world, caseload):
    robin = caseload.robin
    record_consent(actor=world.peer_a, person=robin, purpose=ConsentPurpose.SHARE_NOTES, given=True)
    clinician = type(world.clinician).objects.get(pk=world.clinician.pk)
    assert clinician.has_perm("recovery.view_plan", robin)
    assert not clinician.has_perm("recovery.change_plan", robin)
    # the consent of a person on another team opens nothing elsewhere
    record_consent(
        actor=world.peer_b,
        person=caseload.blake,
        purpose=ConsentPurpose.SHARE_NOTES,
        given=True,
    )
    assert not clinician.has_perm("recovery.view_plan", caseload.blake)


@pytest.mark.parametrize("who", WHO)
def test_event_rows(world, event, who):
    user = getattr(world, who)
    assert user.has_perm("recovery.view_event", event) is (who in EVENT_VIEW)
    assert user.has_perm("recovery.update_event", event) is (who in EVENT_UPDATE)
    assert user.has_perm("recovery.review_event", event) is (who in EVENT_REVIEW)

"""The same HL7 message from two connections at the same moment (a sender that retried
while the first attempt was still being processed): stored once, both answered with the
same ACK. Each sender is a thread with its own database connection."""

from __future__ import annotations

import pytest

from peerway.core.models import Organization
from peerway.hospital import hl7_feed
from peerway.hospital.models import HL7Message, HospitalEvent
from tests.concurrency import at_once

from .conftest import TODAY
from .test_hl7 import adt

pytestmark = pytest.mark.django_db(transaction=True)


def sender(org_pk: int, raw: bytes):
    def prepare():
        organization = Organization.objects.get(pk=org_pk)
        return lambda: hl7_feed.receive(raw, organization=organization, today=TODAY)

    return prepare


def test_the_same_message_twice_at_once_is_stored_once_with_one_ack(world, people):
    raw = adt("A01", "C-1", admitted="20260601")
    first, second = at_once(sender(world.org.pk, raw), sender(world.org.pk, raw))

    assert not isinstance(first, Exception) and not isinstance(second, Exception)
    assert first.ack == second.ack and {first.resent, second.resent} == {False, True}
    assert HL7Message.objects.count() == 1 and HospitalEvent.objects.count() == 1


def test_two_messages_with_the_same_event_at_once_store_it_once(world, people):
    one = adt("A01", "C-1", admitted="20260601")
    two = adt("A01", "C-2", admitted="20260601")
    first, second = at_once(sender(world.org.pk, one), sender(world.org.pk, two))

    assert {first.code, second.code} == {"AA"}
    assert sorted([first.created, second.created]) == [0, 1]
    assert HospitalEvent.objects.count() == 1 and HL7Message.objects.count() == 2

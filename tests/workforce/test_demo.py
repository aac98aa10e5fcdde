"""The demo region's peer workforce."""

from __future__ import annotations

from peerway.core import audit, demo
from peerway.workforce import selectors
from peerway.workforce.models import (
    Accommodation,
    DisclosedAttribute,
    NetworkEvent,
    WellbeingCheckIn,
    WorkerProfile,
)


def test_demo_workforce_has_profiles_training_supervision_and_check_ins(demo_region):
    region = demo_region
    demo.seed()  # idempotent
    org = region.organization
    users = region.users
    assert WorkerProfile.objects.filter(organization=org).count() == 8
    visibilities = set(
        DisclosedAttribute.objects.filter(profile__organization=org).values_list(
            "visibility", flat=True
        )
    )
    assert visibilities == {"private", "matching", "team"}
    statuses = {
        key: selectors.supervision_status(selectors.load_worker(users[key], org))
        for key in ("peer1", "peer5", "peer8")
    }
    assert not statuses["peer1"].overdue
    assert statuses["peer5"].overdue and statuses["peer8"].overdue
    peer2 = selectors.training_status(users["peer2"], org, {"peer_worker"})
    peer5 = selectors.training_status(users["peer5"], org, {"peer_worker"})
    assert peer2.expiring and not peer2.expired
    assert peer5.expired and not peer5.compliant
    assert WellbeingCheckIn.objects.filter(worker=users["peer1"]).count() == 3
    assert WellbeingCheckIn.objects.filter(worker=users["peer6"], alert_raised=True).exists()
    assert Accommodation.objects.filter(organization=org).count() == 1
    assert NetworkEvent.objects.filter(organization=org).count() == 1
    assert users["peer5"].pk in selectors.lone_peer_worker_ids(org)
    assert audit.verify().ok


def test_demo_manager_sees_shared_attributes_only(demo_region, client):
    region = demo_region
    org = region.organization
    client.force_login(region.users["manager"])
    html = client.get(f"/o/{org.slug}/workforce/people/{region.users['peer3'].pk}/").content
    assert b"Punjabi Sikh community" not in html and b"Long story" not in html
    html = client.get(f"/o/{org.slug}/workforce/people/{region.users['peer1'].pk}/").content
    assert b"Recovered from psychosis" in html

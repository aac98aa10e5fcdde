"""The demo region's role definition: version 1 in force, version 2 in draft."""

from peerway.core import audit, demo
from peerway.core.models import Membership
from peerway.core.roles import Role
from peerway.planning.models import RoleDefinition, VersionStatus
from peerway.planning.roles import selectors
from peerway.planning.roles.compare import compare_versions


def test_demo_has_an_approved_co_produced_version_and_a_draft(demo_region):
    region = demo_region
    demo.seed()  # idempotent
    definition = RoleDefinition.objects.get(organization=region.organization)
    v1, v2 = definition.versions.order_by("number")
    assert (v1.status, v2.status) == (VersionStatus.APPROVED, VersionStatus.DRAFT)
    peers = Membership.objects.filter(
        organization=region.organization, role=Role.PEER_WORKER
    ).values_list("user_id", flat=True)
    assert len({u.pk for u in v1.co_producers.all()} & set(peers)) == 2
    assert v1.approved_by == region.users["manager"]
    assert selectors.approved_version_for_team(region.teams["crisis"]) == v1
    changes = compare_versions(v1, v2).changed_fields
    assert {"purpose", "scope", "drift_threshold_percent", "co_producers"} <= set(changes)
    assert audit.verify().ok

"""The demo's contacts: six months, one team drifting, rollups equal to a rebuild."""

from __future__ import annotations

import pytest

from peerway.contacts import drift, rollups
from peerway.core import demo
from peerway.support.models import Contact

from .rollup_rows import daily_rows, monthly_rows, months_of


@pytest.fixture
def region(demo_region):
    return demo_region


def rows():
    return daily_rows(), monthly_rows()


def test_demo_has_tens_of_thousands_of_contacts_and_one_drifting_team(region):
    org = region.organization
    contacts = Contact.objects.filter(organization=org)
    if not contacts.exists():
        pytest.skip("the service demo created no peer relationships")
    assert contacts.count() > 18_000  # "tens of thousands"
    assert contacts.filter(contact_type="group").exists()
    flagged = {r.team_id for r in drift.drift(org, by="team") if r.over_threshold}
    assert flagged == {region.teams["transition"].pk}
    latest = max(r.month for r in drift.drift(org, by="team"))
    by_team = {r.team_id: r for r in drift.drift(org, by="team") if r.month == latest}
    assert by_team[region.teams["transition"].pk].percent > 25
    assert by_team[region.teams["unit3b"].pk].percent < 10


def test_demo_rollups_equal_a_rebuild_and_seeding_again_adds_nothing(region):
    bulk = rows()
    assert bulk[1] == months_of(bulk[0])
    count = Contact.objects.count()
    rollups.rebuild()
    assert rows() == bulk
    demo.seed()
    assert Contact.objects.count() == count

"""The demo's contacts: six months, one team drifting, rollups equal to a rebuild."""

from __future__ import annotations

import pytest
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from peerway.contacts import drift, rollups
from peerway.core import demo
from peerway.planning import workload
from peerway.support.models import Contact
from peerway.workforce.models import WorkerProfile

from .rollup_rows import daily_rows, monthly_rows, months_of


@pytest.fixture
def region(demo_region):
    return demo_region


def rows():
    return daily_rows(), monthly_rows()


def test_demo_logs_a_believable_workload_and_one_drifting_team(region):
    org = region.organization
    contacts = Contact.objects.filter(organization=org)
    if not contacts.exists():
        pytest.skip("the service demo created no peer relationships")
    assert contacts.filter(contact_type="group").exists()
    # docs/demo.md, "Workload": per full-time worker a month, about the planner's 60 hours
    # of contact and never above its 80-hour direct-contact ceiling.
    fte = {p.user_id: float(p.fte) for p in WorkerProfile.objects.filter(organization=org)}
    months = (
        contacts.annotate(month=TruncMonth("date"))
        .values("month", "worker_id")
        .annotate(n=Count("id"), minutes=Sum("duration_minutes"))
    )
    today = timezone.localdate()
    first = min(r["month"] for r in months)
    full = [r for r in months if first < r["month"] < today.replace(day=1)]
    assert len({r["month"] for r in full}) >= 4
    for r in full:
        assert r["minutes"] / fte[r["worker_id"]] <= workload.CEILING_MINUTES_PER_FTE_MONTH, r
    by_month: dict = {}
    for r in full:
        total = by_month.setdefault(r["month"], [0, 0, 0.0])
        total[0] += r["n"]
        total[1] += r["minutes"]
        total[2] += fte[r["worker_id"]]
    # Once caseloads have built up (the last three full months), the region logs close to
    # the planned rate: 3,600 minutes and about 90 contacts per FTE.
    for n, minutes, ftes in [by_month[m] for m in sorted(by_month)[-3:]]:
        assert 0.85 <= minutes / ftes / workload.MINUTES_PER_FTE_MONTH <= 1.1
        assert 0.75 <= n / ftes / workload.CONTACTS_PER_FTE_MONTH <= 1.15
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

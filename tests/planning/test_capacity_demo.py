"""The demo region's capacity scenarios."""

from peerway.core import demo
from peerway.planning import capacity_selectors
from peerway.planning.models import CapacityScenario


def test_demo_has_two_scenarios_and_the_expansion_ends_lone_peers(demo_region):
    region = demo_region
    demo.seed()  # idempotent
    scenarios = {
        s.name: capacity_selectors.plan(s)
        for s in CapacityScenario.objects.filter(organization=region.organization)
    }
    assert set(scenarios) == {"Current staffing", "Expanded transition support"}
    current = scenarios["Current staffing"].result
    expanded = scenarios["Expanded transition support"].result
    cmh_east = str(region.teams["cmh_east"].pk)
    assert cmh_east in current.lone_peer_teams
    assert expanded.lone_peer_teams == []
    assert expanded.headcount_needed > current.headcount_needed

"""The indicators rows of docs/permissions.md, one case per line."""

import pytest

from peerway.workforce.selectors import load_worker

PLACES = ("org", "north", "team_a")
MATRIX = [
    # Dashboards index: managers, supervisors, evaluators and peer workers of the org.
    *[
        (u, "indicators.use_dashboards", "org", True)
        for u in ("manager", "site_manager", "supervisor", "peer_a", "evaluator")
    ],
    *[(u, "indicators.use_dashboards", "org", False) for u in ("clinician", "admin", "outsider")],
    # Place dashboards: managers, supervisors and evaluators over the place.
    *[(u, "indicators.view_dashboard", p, True) for u in ("manager", "evaluator") for p in PLACES],
    ("supervisor", "indicators.view_dashboard", "north", True),
    ("supervisor", "indicators.view_dashboard", "team_a", True),
    ("supervisor", "indicators.view_dashboard", "org", False),
    ("supervisor", "indicators.view_dashboard", "team_c", False),
    ("site_manager", "indicators.view_dashboard", "south", True),
    ("site_manager", "indicators.view_dashboard", "team_c", True),
    ("site_manager", "indicators.view_dashboard", "team_a", False),
    *[
        (u, "indicators.view_dashboard", p, False)
        for u in ("peer_a", "clinician", "admin", "outsider")
        for p in PLACES
    ],
    # Person-level rows: managers and supervisors, never evaluators.
    ("manager", "indicators.view_people", "org", True),
    ("supervisor", "indicators.view_people", "team_a", True),
    ("evaluator", "indicators.view_people", "org", False),
    ("evaluator", "indicators.view_people", "team_a", False),
    # Own dashboard and supervision.
    ("peer_a", "indicators.view_own", "org", True),
    ("manager", "indicators.view_own", "org", False),
    ("supervisor", "indicators.view_supervision", "org", True),
    ("manager", "indicators.view_supervision", "org", True),
    *[
        (u, "indicators.view_supervision", "org", False)
        for u in ("peer_a", "clinician", "evaluator", "admin")
    ],
    # Definitions: any member.
    *[
        (u, "indicators.view_definitions", "org", True)
        for u in ("manager", "peer_a", "clinician", "evaluator", "admin")
    ],
    ("outsider", "indicators.view_definitions", "org", False),
]


@pytest.mark.parametrize(("who", "perm", "target", "allowed"), MATRIX)
def test_permission_matrix(world, who, perm, target, allowed):
    assert getattr(world, who).has_perm(perm, getattr(world, target)) is allowed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("peer_a", True),
        ("supervisor", True),
        ("manager", True),
        ("site_manager", False),
        ("peer_b", False),
        ("clinician", False),
        ("evaluator", False),
        ("admin", False),
        ("outsider", False),
    ],
)
def test_who_may_see_a_workers_dashboard(world, who, allowed):
    worker = load_worker(world.peer_a, world.org)
    assert getattr(world, who).has_perm("indicators.view_worker", worker) is allowed

"""The workforce rows of docs/permissions.md, one case per line.

Objects: "pat" is Pat's worker record (peer worker on team A, supervised by the North
site's supervisor); "pat_staff" the same person as a member of staff; "team_a"/"team_c"
teams; "org" the organization.
"""

import pytest

from peerway.workforce import selectors

# (user, permission, object, allowed)
MATRIX = [
    # Profile: the worker, people over the worker's team, colleagues; never admin/evaluator.
    *[
        (u, "workforce.view_profile", "pat", True)
        for u in ("peer_a", "manager", "supervisor", "clinician", "hr")
    ],
    *[
        (u, "workforce.view_profile", "pat", False)
        for u in ("admin", "evaluator", "site_manager", "peer_b", "outsider")
    ],
    # Employment: not colleagues.
    *[
        (u, "workforce.view_employment", "pat", True)
        for u in ("peer_a", "manager", "supervisor", "hr")
    ],
    *[(u, "workforce.view_employment", "pat", False) for u in ("clinician", "admin", "evaluator")],
    *[(u, "workforce.manage_employment", "pat", True) for u in ("manager", "hr")],
    *[
        (u, "workforce.manage_employment", "pat", False)
        for u in ("peer_a", "supervisor", "clinician", "admin", "site_manager")
    ],
    # Disclosure: the worker alone.
    ("peer_a", "workforce.edit_disclosure", "pat", True),
    *[
        (u, "workforce.edit_disclosure", "pat", False)
        for u in ("manager", "supervisor", "admin", "hr", "peer_b")
    ],
    # Supervision.
    *[(u, "workforce.view_supervision", "pat", True) for u in ("peer_a", "manager", "supervisor")],
    *[(u, "workforce.view_supervision", "pat", False) for u in ("clinician", "admin", "hr")],
    ("supervisor", "workforce.log_supervision", "pat", True),
    *[
        (u, "workforce.log_supervision", "pat", False)
        for u in ("peer_a", "manager", "clinician", "admin", "hr")
    ],
    # Wellbeing: the worker checks in; their supervisors see completion.
    ("peer_a", "workforce.check_in", "pat", True),
    *[(u, "workforce.check_in", "pat", False) for u in ("supervisor", "manager", "admin")],
    *[(u, "workforce.view_wellbeing_status", "pat", True) for u in ("peer_a", "supervisor")],
    *[
        (u, "workforce.view_wellbeing_status", "pat", False)
        for u in ("manager", "clinician", "admin", "hr", "evaluator")
    ],
    # Accommodations: the worker, their supervisors, human resources.
    *[(u, "workforce.view_accommodations", "pat", True) for u in ("peer_a", "supervisor", "hr")],
    *[
        (u, "workforce.view_accommodations", "pat", False)
        for u in ("manager", "clinician", "admin", "evaluator")
    ],
    *[(u, "workforce.manage_accommodations", "pat", True) for u in ("supervisor", "hr")],
    *[(u, "workforce.manage_accommodations", "pat", False) for u in ("peer_a", "manager")],
    # Training and compliance.
    *[
        (u, "workforce.view_training", "pat_staff", True)
        for u in ("peer_a", "manager", "supervisor", "hr")
    ],
    *[(u, "workforce.view_training", "pat_staff", False) for u in ("clinician", "admin")],
    *[(u, "workforce.manage_training", "pat_staff", True) for u in ("manager", "hr")],
    *[
        (u, "workforce.manage_training", "pat_staff", False)
        for u in ("peer_a", "supervisor", "admin")
    ],
    *[(u, "workforce.view_compliance", "team_a", True) for u in ("manager", "supervisor", "hr")],
    *[
        (u, "workforce.view_compliance", "team_a", False)
        for u in ("site_manager", "peer_a", "clinician", "admin", "evaluator")
    ],
    ("site_manager", "workforce.view_compliance", "team_c", True),
    # Overviews.
    *[(u, "workforce.view_workforce", "org", True) for u in ("manager", "supervisor", "hr")],
    *[
        (u, "workforce.view_workforce", "org", False)
        for u in ("peer_a", "clinician", "admin", "evaluator", "outsider")
    ],
    *[(u, "workforce.view_supervision_overview", "org", True) for u in ("manager", "supervisor")],
    *[(u, "workforce.view_supervision_overview", "org", False) for u in ("hr", "peer_a", "admin")],
    # Peer network.
    *[
        (u, "workforce.view_network", "org", True)
        for u in ("peer_a", "supervisor", "manager", "hr")
    ],
    *[(u, "workforce.view_network", "org", False) for u in ("clinician", "admin", "evaluator")],
    *[(u, "workforce.manage_network", "org", True) for u in ("manager", "supervisor")],
    *[(u, "workforce.manage_network", "org", False) for u in ("peer_a", "hr", "admin")],
]


@pytest.mark.parametrize(("who", "perm", "target", "allowed"), MATRIX)
def test_workforce_matrix(world, hr, who, perm, target, allowed):
    user = hr if who == "hr" else getattr(world, who)
    objects = {
        "pat": selectors.load_worker(world.peer_a, world.org),
        "pat_staff": selectors.load_staff(world.peer_a, world.org),
        "team_a": world.team_a,
        "team_c": world.team_c,
        "org": world.org,
    }
    assert user.has_perm(perm, objects[target]) is allowed

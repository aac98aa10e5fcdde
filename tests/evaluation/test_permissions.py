"""The evaluation rows of docs/permissions.md, one case per role and place."""

from __future__ import annotations

import pytest

from peerway.evaluation.models import Report

ROLES = [
    "manager",
    "site_manager",
    "supervisor",
    "peer_a",
    "peer_b",
    "clinician",
    "evaluator",
    "admin",
    "outsider",
]

USE = {"manager", "site_manager", "evaluator"}
OVER_ORG = {"manager", "evaluator"}
OVER_SOUTH = {"manager", "site_manager", "evaluator"}
OVER_TEAM_A = {"manager", "evaluator"}


@pytest.mark.parametrize("who", ROLES)
def test_evaluation_permissions(world, who):
    user = getattr(world, who)
    assert user.has_perm("evaluation.use", world.org) is (who in USE)
    assert user.has_perm("evaluation.view_scope", world.org) is (who in OVER_ORG)
    assert user.has_perm("evaluation.view_scope", world.south) is (who in OVER_SOUTH)
    assert user.has_perm("evaluation.view_scope", world.team_c) is (who in OVER_SOUTH)
    assert user.has_perm("evaluation.view_scope", world.team_a) is (who in OVER_TEAM_A)
    org_report = Report(organization=world.org, period="2026")
    south_report = Report(organization=world.org, site=world.south, period="2026")
    assert user.has_perm("evaluation.view_scope", org_report) is (who in OVER_ORG)
    assert user.has_perm("evaluation.view_scope", south_report) is (who in OVER_SOUTH)

"""The role x action x scope matrix of docs/permissions.md, one row per case."""

import pytest

from peerway.core.models import User
from peerway.core.permissions import can_deactivate, can_manage_membership
from peerway.core.roles import Role

# (user, permission, object, allowed)
MATRIX = [
    # Home: anyone signed in.
    *[(u, "core.view_home", None, True) for u in ("manager", "peer_a", "evaluator", "outsider")],
    # Structure (sites and teams, no people): members of the organization only.
    *[
        (u, "core.view_structure", "org", True)
        for u in ("manager", "site_manager", "supervisor", "peer_a", "clinician", "evaluator")
    ],
    ("outsider", "core.view_structure", "org", False),
    # Team members: places a role covers; evaluators never see people.
    ("manager", "core.view_team_members", "team_a", True),
    ("admin", "core.view_team_members", "team_c", True),
    ("supervisor", "core.view_team_members", "team_a", True),
    ("supervisor", "core.view_team_members", "team_b", True),
    ("supervisor", "core.view_team_members", "team_c", False),
    ("site_manager", "core.view_team_members", "team_c", True),
    ("site_manager", "core.view_team_members", "team_a", False),
    ("peer_a", "core.view_team_members", "team_a", True),
    ("peer_a", "core.view_team_members", "team_b", False),
    ("clinician", "core.view_team_members", "team_a", True),
    ("clinician", "core.view_team_members", "team_c", False),
    ("evaluator", "core.view_team_members", "team_a", False),
    ("outsider", "core.view_team_members", "team_a", False),
    # People screens: managers (any scope) and admins of the organization.
    ("manager", "core.administer_users", "org", True),
    ("site_manager", "core.administer_users", "org", True),
    ("admin", "core.administer_users", "org", True),
    *[
        (u, "core.administer_users", "org", False)
        for u in ("supervisor", "peer_a", "clinician", "evaluator", "outsider")
    ],
    # Managing users at a place needs manager/admin over that place.
    ("manager", "core.manage_users", "team_c", True),
    ("site_manager", "core.manage_users", "team_c", True),
    ("site_manager", "core.manage_users", "south", True),
    ("site_manager", "core.manage_users", "team_a", False),
    ("site_manager", "core.manage_users", "org", False),
    ("supervisor", "core.manage_users", "team_a", False),
    ("clinician", "core.manage_users", "team_a", False),
    # Organization settings: organization-wide managers and admins.
    ("manager", "core.manage_organization", "org", True),
    ("admin", "core.manage_organization", "org", True),
    ("site_manager", "core.manage_organization", "org", False),
    ("evaluator", "core.manage_organization", "org", False),
    # Audit trail: organization administrators only.
    ("admin", "core.view_audit", "org", True),
    *[
        (u, "core.view_audit", "org", False)
        for u in ("manager", "site_manager", "supervisor", "peer_a", "evaluator", "outsider")
    ],
]


@pytest.mark.parametrize(("who", "perm", "target", "allowed"), MATRIX)
def test_permission_matrix(world, who, perm, target, allowed):
    user = getattr(world, who)
    obj = getattr(world, target) if target else None
    assert user.has_perm(perm, obj) is allowed


@pytest.mark.parametrize(("who", "perm", "target", "allowed"), MATRIX)
def test_permission_matrix_is_the_same_for_a_superuser(world, who, perm, target, allowed):
    """The superuser flag opens the system admin site only: every row answers the same."""
    user = getattr(world, who)
    user.is_superuser = True
    user.is_staff = True
    user.save()
    obj = getattr(world, target) if target else None
    assert User.objects.get(pk=user.pk).has_perm(perm, obj) is allowed


@pytest.mark.parametrize(
    "perm",
    sorted({perm for _who, perm, _target, _allowed in MATRIX} - {"core.view_home"}),
)
@pytest.mark.parametrize("target", ["org", "north", "team_a", None])
def test_a_superuser_without_a_role_is_denied_every_row(world, perm, target):
    root = User.objects.create_superuser(
        email="root@northwind.test", password=None, display_name="Root Account"
    )
    obj = getattr(world, target) if target else None
    assert root.has_perm(perm, obj) is False
    assert root.has_perm("core.view_home") is True


def test_deactivated_user_has_no_permission(world):
    world.manager.is_active = False
    world.manager.save()
    assert not world.manager.has_perm("core.administer_users", world.org)


def test_only_admins_grant_the_admin_role(world):
    assert can_manage_membership(world.admin, role=Role.ADMIN, place=world.org)
    assert not can_manage_membership(world.manager, role=Role.ADMIN, place=world.org)
    assert can_manage_membership(world.manager, role=Role.EVALUATOR, place=world.org)


def test_site_manager_cannot_deactivate_someone_working_elsewhere(world):
    # Pat works on team A at North; the site manager covers only South.
    assert not can_deactivate(world.site_manager, world.peer_a)
    assert can_deactivate(world.manager, world.peer_a)


def test_nobody_deactivates_themselves(world):
    assert not can_deactivate(world.manager, world.manager)

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from peerway import cli
from peerway.core import audit, demo
from peerway.core.models import Membership, Organization, Site, Team, User
from peerway.core.roles import Role, TeamType

ROOT = Path(__file__).resolve().parents[2]


def test_demo_region_has_the_promised_shape(demo_region):
    org = Organization.objects.get(slug=demo.DEMO_SLUG)
    assert org.is_demo
    assert Site.objects.filter(organization=org).count() == 4
    teams = Team.objects.filter(site__organization=org)
    assert teams.count() == 8
    assert set(teams.values_list("team_type", flat=True)) == set(TeamType.values)
    counts = {
        role: Membership.objects.filter(organization=org, role=role)
        .values("user")
        .distinct()
        .count()
        for role in Role.values
    }
    assert counts == {
        "manager": 1,
        "supervisor": 2,
        "peer_worker": 8,
        "clinician": 6,
        "evaluator": 1,
        "admin": 1,
        "hr": 1,
    }
    assert audit.verify().ok


def test_seeding_twice_keeps_existing_data(demo_region):
    users = User.objects.count()
    first = User.objects.get(email="peer1@lakeshore.example")
    demo.seed()
    assert User.objects.count() == users
    assert User.objects.get(email="peer1@lakeshore.example").pk == first.pk


def test_every_role_has_a_printed_login(demo_region):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    for role in Role:
        assert str(role.label) in text
    assert demo.DEMO_PASSWORD in text
    # Roles that must use MFA come with their demo secret.
    assert demo.demo_totp_secret("manager@lakeshore.example") in text


def test_demo_code_prints_a_working_code_for_demo_accounts_only(demo_region, world):
    out = io.StringIO()
    call_command("demo_code", "manager@lakeshore.example", stdout=out)
    assert out.getvalue().strip().isdigit()
    with pytest.raises(CommandError):
        call_command("demo_code", world.manager.email)


def test_demo_banner_shows_on_every_page(demo_region, client):
    assert b"Demo data" in client.get("/accounts/login/").content
    client.force_login(User.objects.get(email="peer1@lakeshore.example"))
    assert b"Demo data" in client.get("/").content


def test_no_demo_banner_for_a_real_organization(world, client):
    assert b"Demo data" not in client.get("/accounts/login/").content


def test_peerway_help_lists_the_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("demo", "seed-demo", "audit"):
        assert f"  {name} " in out


def test_peerway_unknown_command_fails_clearly(capsys):
    assert cli.main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_console_script_runs_audit_verify(tmp_path):
    env_python = sys.executable
    result = subprocess.run(
        [env_python, "-m", "peerway.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "audit" in result.stdout

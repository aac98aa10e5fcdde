"""The readiness gate: per team ready or prepare first, with the unmet criteria, from
configurable criteria with documented defaults."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from peerway.assessments.models import Response
from peerway.core.models import AuditEvent, Membership
from peerway.core.roles import Role
from peerway.instruments.library import current_library
from peerway.planning.models import (
    CapacityScenario,
    CapacityTeamInput,
    RoleDefinition,
    RoleDefinitionVersion,
    VersionStatus,
)
from peerway.planning.plan import gate, services

from ..assessments.test_waves import make_wave


@pytest.fixture
def plan(world):
    return services.create_plan(actor=world.manager, organization=world.org)


def oric_wave(world, team_answers: dict, name="Baseline"):
    """A closed ORIC wave; team_answers maps team -> (number of staff, answer 1..5)."""
    today = timezone.localdate()
    wave = make_wave(
        world,
        name=name,
        instrument_codes=["oric"],
        teams=list(team_answers),
        audiences=["staff"],
        opens_on=today - timedelta(days=20),
        closes_on=today - timedelta(days=1),
        k=5,
    )
    oric = current_library()["oric"]
    Response.objects.bulk_create(
        Response(
            wave=wave,
            team=team,
            audience="staff",
            submitted_on=wave.opens_on,
            answers={"oric": {i.id: value for i in oric.items}},
            versions={"oric": oric.version},
        )
        for team, (n, value) in team_answers.items()
        for _ in range(n)
    )
    return wave


def approve_role_definition(world):
    definition = RoleDefinition.objects.create(organization=world.org, title="Peer role")
    RoleDefinitionVersion.objects.create(
        definition=definition, number=1, status=VersionStatus.APPROVED, purpose="Peer support"
    )


def by_team(result):
    return {t.team.name: t for t in result.teams}


def codes(team_gate, met=False):
    return [c.code for c in team_gate.criteria if c.met == met]


def test_defaults_are_documented_values(plan):
    assert plan.gate_min_commitment == Decimal("3.5") and plan.gate_min_efficacy == Decimal("3.5")
    assert plan.gate_require_leadership and plan.gate_require_role_definition
    assert plan.gate_require_supervision and plan.gate_min_peers == 2


def test_with_nothing_in_place_every_team_must_prepare_first(world, plan):
    teams = by_team(gate.evaluate(plan))
    assert not any(t.ready for t in teams.values())
    assert codes(teams["Team C"]) == [
        "commitment",
        "efficacy",
        "leadership",
        "role_definition",
        "supervision",
        "peers",
    ]
    # The supervisor's membership covers North's teams.
    assert "supervision" in codes(teams["Team A"], met=True)


def test_a_team_meeting_every_criterion_is_ready(world, plan):
    oric_wave(world, {world.team_a: (6, 5), world.team_b: (6, 2)})
    approve_role_definition(world)
    services.record_leadership(
        actor=world.manager, plan=plan, on=timezone.localdate(), note="Board motion 12"
    )
    scenario = CapacityScenario.objects.create(organization=world.org, name="Plan")
    for team, planned in ((world.team_a, 2), (world.team_b, 1)):
        CapacityTeamInput.objects.create(
            scenario=scenario,
            team=team,
            people_per_month=1,
            engagement_months=1,
            contacts_per_month=1,
            contact_minutes=30,
            caseload_per_fte=10,
            fte_per_worker=1,
            planned_headcount=planned,
        )
    services.update_gate(
        actor=world.manager,
        plan=plan,
        **{"capacity_scenario": scenario},
    )
    teams = by_team(gate.evaluate(plan))
    assert teams["Team A"].ready
    team_b = teams["Team B"]
    assert not team_b.ready
    assert codes(team_b) == ["commitment", "efficacy", "peers"]
    peers = next(c for c in team_b.criteria if c.code == "peers")
    assert (peers.value, peers.extra) == (1, {"now": 1, "planned": 1})
    commitment = next(c for c in team_b.criteria if c.code == "commitment")
    assert (commitment.value, commitment.level) == (2.0, "team")


def test_a_hidden_team_figure_falls_back_to_its_site_and_never_reveals_it(world, plan):
    # Team A has too few responses to show; the site (A + B) is shown.
    oric_wave(world, {world.team_a: (2, 5), world.team_b: (6, 4)})
    teams = by_team(gate.evaluate(plan))
    commitment = next(c for c in teams["Team A"].criteria if c.code == "commitment")
    assert commitment.level in ("site", "organization")
    assert commitment.value != 5.0


def test_criteria_are_configurable_and_switched_off(world, login, plan):
    client = login(world.manager)
    data = {
        "gate_min_commitment": "",
        "gate_min_efficacy": "",
        "gate_require_leadership": "",
        "gate_require_role_definition": "",
        "gate_require_supervision": "on",
        "gate_min_peers": "1",
        "capacity_scenario": "",
    }
    assert client.post(f"/o/{world.org.slug}/readiness-gate/criteria/", data).status_code == 302
    plan.refresh_from_db()
    assert plan.gate_min_commitment is None and plan.gate_min_peers == 1
    teams = by_team(gate.evaluate(plan))
    assert teams["Team A"].ready and teams["Team B"].ready
    assert codes(teams["Team C"]) == ["supervision", "peers"]
    assert AuditEvent.objects.filter(action="planning.gate_updated").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("gate_min_commitment", "6", "less than or equal to 5"),
        ("gate_min_efficacy", "abc", "Enter a number"),
        ("gate_min_peers", "-1", "greater than or equal to 0"),
    ],
)
def test_bad_criteria_are_refused_naming_the_field(world, login, plan, field, value, message):
    data = {"gate_min_commitment": "3.5", "gate_min_efficacy": "3.5", "gate_min_peers": "2"}
    data[field] = value
    page = login(world.manager).post(f"/o/{world.org.slug}/readiness-gate/criteria/", data)
    text = page.content.decode()
    assert page.status_code == 200 and message in text and "Nothing was saved" in text
    plan.refresh_from_db()
    assert plan.gate_min_peers == 2 and plan.gate_min_commitment == Decimal("3.5")


def test_leadership_commitment_needs_a_note_and_a_past_date(world, login, plan):
    client = login(world.manager)
    target = f"/o/{world.org.slug}/readiness-gate/leadership/"
    today = timezone.localdate()
    page = client.post(target, {"leadership_commitment_on": today.isoformat()})
    assert "Say how leadership committed" in page.content.decode()
    future = (today + timedelta(days=3)).isoformat()
    page = client.post(
        target, {"leadership_commitment_on": future, "leadership_commitment_note": "x"}
    )
    assert "cannot be in the future" in page.content.decode()
    plan.refresh_from_db()
    assert plan.leadership_commitment_on is None
    client.post(
        target,
        {
            "leadership_commitment_on": today.isoformat(),
            "leadership_commitment_note": "Board motion",
        },
    )
    plan.refresh_from_db()
    assert plan.leadership_commitment_by == world.manager


def test_gate_page_explains_each_team(world, login, plan):
    Membership.objects.filter(role=Role.SUPERVISOR).delete()
    page = login(world.evaluator).get(f"/o/{world.org.slug}/readiness-gate/").content.decode()
    assert "0 of 3 teams are ready" in page
    assert "No peer supervisor assigned" in page
    assert "Leadership commitment not recorded" in page
    assert "Prepare first" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 200),
        ("evaluator", 200),
        ("site_manager", 403),
        ("supervisor", 403),
        ("peer_a", 403),
        ("clinician", 403),
        ("outsider", 404),
    ],
)
def test_who_sees_the_gate(world, login, plan, who, status):
    assert (
        login(getattr(world, who)).get(f"/o/{world.org.slug}/readiness-gate/").status_code == status
    )


@pytest.mark.parametrize("who", ["evaluator", "site_manager", "supervisor"])
def test_only_organization_wide_managers_change_the_gate(world, login, plan, who):
    client = login(getattr(world, who))
    assert (
        client.post(
            f"/o/{world.org.slug}/readiness-gate/criteria/", {"gate_min_peers": "0"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/o/{world.org.slug}/readiness-gate/leadership/",
            {"leadership_commitment_on": "2026-01-01", "leadership_commitment_note": "x"},
        ).status_code
        == 403
    )
    plan.refresh_from_db()
    assert plan.gate_min_peers == 2 and plan.leadership_commitment_on is None

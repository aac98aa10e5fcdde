"""Capacity scenarios: saving inputs per team, reading results, comparing scenarios."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from peerway.core.models import AuditEvent
from peerway.planning import capacity_services as services
from peerway.planning.models import CapacityScenario, CapacityTeamInput


def url(name, *args):
    return reverse(f"planning:{name}", args=["northwind", *args])


ROW = {
    "people_per_month": "10",
    "engagement_months": "3",
    "contacts_per_month": "4",
    "contact_minutes": "60",
    "caseload_per_fte": "15",
    "fte_per_worker": "0.8",
    "planned_headcount": "",
}


def post_data(world, name="Current staffing", rows=None, **scenario) -> dict:
    """Team A and B filled in, team C left out (unless rows says otherwise)."""
    rows = rows if rows is not None else {world.team_a: {}, world.team_b: {}}
    data = {"name": name, "notes": "", "direct_hours_per_fte_month": "80", **scenario}
    for team in (world.team_a, world.team_b, world.team_c):
        values = {**ROW, **rows[team]} if team in rows else dict.fromkeys(ROW, "")
        data.update({f"team-{team.pk}-{k}": v for k, v in values.items()})
    return data


def make_scenario(world, name, rows) -> CapacityScenario:
    return services.save_scenario(
        actor=world.manager,
        organization=world.org,
        name=name,
        notes="",
        direct_hours_per_fte_month=Decimal("80"),
        rows=[
            services.TeamRow(team, {**{k: Decimal(v) for k, v in ROW.items() if v}, **values})
            for team, values in rows.items()
        ],
    )


def test_manager_saves_a_scenario_with_a_row_per_team(world, login):
    client = login(world.manager)
    page = client.get(url("capacity_create"))
    assert page.status_code == 200
    assert "Team C" in page.content.decode()
    response = client.post(
        url("capacity_create"), post_data(world, rows={world.team_a: {"planned_headcount": "1"}})
    )
    scenario = CapacityScenario.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("capacity_scenario", scenario.pk)
    saved = CapacityTeamInput.objects.get()
    assert saved.team == world.team_a
    assert saved.fte_per_worker == Decimal("0.8")
    assert saved.planned_headcount == 1
    event = AuditEvent.objects.get(action="capacity.scenario_created")
    assert event.organization_id == world.org.pk
    assert event.details["teams"][str(world.team_a.pk)]["planned_headcount"] == 1


def test_bad_input_is_named_per_team_and_field_and_nothing_is_saved(world, login):
    client = login(world.manager)
    data = post_data(
        world,
        rows={
            world.team_a: {"caseload_per_fte": "0"},
            world.team_b: {"fte_per_worker": "1.5", "engagement_months": ""},
        },
    )
    response = client.post(url("capacity_create"), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nothing was saved" in text
    assert "Team A, caseload per full-time worker: must be more than 0." in text
    assert "Team B, FTE per worker: cannot be more than 1." in text
    assert "Team B, months of engagement: enter a value." in text
    # Each message links to its field, and the field points back to its message.
    assert f'href="#id_team-{world.team_a.pk}-caseload_per_fte"' in text
    assert f'aria-describedby="id_team-{world.team_a.pk}-caseload_per_fte_error"' in text
    assert not CapacityScenario.objects.exists()
    assert not CapacityTeamInput.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="capacity.").exists()


def test_text_where_a_number_belongs_is_named_by_team_and_field(world, login):
    data = post_data(world, rows={world.team_a: {"contacts_per_month": "weekly"}})
    text = login(world.manager).post(url("capacity_create"), data).content.decode()
    assert "Team A, contacts per person per month: Enter a number." in text
    assert not CapacityScenario.objects.exists()


def test_a_scenario_needs_a_name_and_at_least_one_team(world, login):
    data = post_data(world, name="", rows={})
    text = login(world.manager).post(url("capacity_create"), data).content.decode()
    assert "Name: This field is required." in text
    data = post_data(world, rows={})
    text = login(world.manager).post(url("capacity_create"), data).content.decode()
    assert "Fill in at least one team" in text
    assert not CapacityScenario.objects.exists()


def test_scenario_names_are_unique_in_the_organization(world, login):
    make_scenario(world, "Current staffing", {world.team_a: {}})
    data = post_data(world, name="current staffing")
    text = login(world.manager).post(url("capacity_create"), data).content.decode()
    assert "Another scenario already has this name." in text
    assert CapacityScenario.objects.count() == 1


def test_editing_replaces_the_team_inputs_and_is_audited(world, login):
    scenario = make_scenario(world, "Plan", {world.team_a: {}, world.team_b: {}})
    client = login(world.manager)
    page = client.get(url("capacity_edit", scenario.pk)).content.decode()
    assert 'value="Plan"' in page
    data = post_data(world, name="Plan", rows={world.team_c: {"people_per_month": "2"}})
    response = client.post(url("capacity_edit", scenario.pk), data)
    assert response.status_code == 302
    assert [i.team for i in scenario.team_inputs.all()] == [world.team_c]
    assert AuditEvent.objects.filter(action="capacity.scenario_updated").count() == 1


def test_a_failed_edit_leaves_the_saved_scenario_untouched(world, login):
    scenario = make_scenario(world, "Plan", {world.team_a: {}, world.team_b: {}})
    data = post_data(
        world, name="Renamed", rows={world.team_a: {}, world.team_b: {"caseload_per_fte": "-3"}}
    )
    response = login(world.manager).post(url("capacity_edit", scenario.pk), data)
    assert response.status_code == 400
    scenario.refresh_from_db()
    assert scenario.name == "Plan"
    assert scenario.team_inputs.count() == 2


def test_deleting_a_scenario_is_audited(world, login):
    scenario = make_scenario(world, "Plan", {world.team_a: {}})
    client = login(world.manager)
    confirm = client.get(url("capacity_delete", scenario.pk))
    assert "Delete Plan?" in confirm.content.decode()
    assert CapacityScenario.objects.exists()
    response = client.post(url("capacity_delete", scenario.pk))
    assert response.status_code == 302
    assert not CapacityScenario.objects.exists()
    event = AuditEvent.objects.get(action="capacity.scenario_deleted")
    assert event.details == {"name": "Plan"}


def test_detail_shows_workers_needed_and_how_they_are_computed(world, login):
    scenario = make_scenario(
        world,
        "Plan",
        {
            world.team_a: {"planned_headcount": 1},
            world.team_b: {"people_per_month": Decimal("1"), "engagement_months": Decimal("1")},
        },
    )
    text = login(world.supervisor).get(url("capacity_scenario", scenario.pk)).content.decode()
    # Team A: 30 people / 15 = 2 FTE / 0.8 = 3 workers, one planned.
    assert "Lone peer planned" in text
    assert "Planned below need" in text
    assert "Raised to two" in text  # team B needs only 0.07 FTE
    assert "Active caseload = people starting per month × months of engagement" in text
    assert "1 team is planned with a lone peer." in text


@pytest.mark.parametrize("who", ["manager", "site_manager", "supervisor", "evaluator"])
def test_managers_supervisors_and_evaluators_read_scenarios(world, login, who):
    scenario = make_scenario(world, "Plan", {world.team_a: {}})
    client = login(getattr(world, who))
    assert client.get(url("capacity_scenarios")).status_code == 200
    assert client.get(url("capacity_scenario", scenario.pk)).status_code == 200


@pytest.mark.parametrize("who", ["site_manager", "supervisor", "evaluator"])
def test_only_organization_wide_managers_edit_scenarios(world, login, who):
    scenario = make_scenario(world, "Plan", {world.team_a: {}})
    client = login(getattr(world, who))
    assert client.get(url("capacity_create")).status_code == 403
    assert client.post(url("capacity_create"), post_data(world, name="X")).status_code == 403
    assert client.post(url("capacity_edit", scenario.pk), post_data(world)).status_code == 403
    assert client.post(url("capacity_delete", scenario.pk)).status_code == 403
    assert CapacityScenario.objects.count() == 1
    listing = client.get(url("capacity_scenarios")).content.decode()
    assert url("capacity_create") not in listing


@pytest.mark.parametrize("who", ["peer_a", "clinician", "admin"])
def test_peer_workers_clinicians_and_admins_do_not_open_the_planner(world, login, who):
    scenario = make_scenario(world, "Plan", {world.team_a: {}})
    client = login(getattr(world, who))
    assert client.get(url("capacity_scenarios")).status_code == 403
    assert client.get(url("capacity_scenario", scenario.pk)).status_code == 403


def test_outsider_gets_404(world, login):
    scenario = make_scenario(world, "Plan", {world.team_a: {}})
    client = login(world.outsider)
    for address in (
        url("capacity_scenarios"),
        url("capacity_create"),
        url("capacity_scenario", scenario.pk),
        url("capacity_edit", scenario.pk),
        url("capacity_compare") + f"?s={scenario.pk}&s={scenario.pk}",
    ):
        assert client.get(address).status_code == 404, address
    assert client.post(url("capacity_delete", scenario.pk)).status_code == 404


def test_comparison_shows_totals_per_team_and_lone_peer_flags(world, login):
    current = make_scenario(
        world, "Current staffing", {world.team_a: {"planned_headcount": 1}, world.team_b: {}}
    )
    expanded = make_scenario(
        world,
        "Expanded",
        {
            world.team_a: {"people_per_month": Decimal("20"), "planned_headcount": 5},
            world.team_c: {},
        },
    )
    client = login(world.evaluator)
    response = client.get(url("capacity_compare") + f"?s={current.pk}&s={expanded.pk}")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("Lone peer planned") == 1  # team A in the current scenario only
    assert "not in this scenario" in text  # team C in current, team B in expanded
    # Totals: current 3 + 3 workers; expanded 60 people / 15 = 4 FTE / 0.8 = 5, plus 3.
    assert "<td>6</td>" in text
    assert "<td>8</td>" in text
    assert text.index("Current staffing") < text.index("Expanded")


def test_comparison_needs_two_scenarios(world, login):
    only = make_scenario(world, "Plan", {world.team_a: {}})
    text = login(world.manager).get(url("capacity_compare") + f"?s={only.pk}").content.decode()
    assert "Choose at least two scenarios to compare." in text


def test_comparison_of_an_unknown_scenario_is_not_found(world, login):
    only = make_scenario(world, "Plan", {world.team_a: {}})
    client = login(world.manager)
    assert client.get(url("capacity_compare") + f"?s={only.pk}&s=999").status_code == 404
    assert client.get(url("capacity_compare") + f"?s={only.pk}&s=x").status_code == 404


def test_service_refuses_a_team_of_another_organization(world):
    from peerway.core.models import Team

    elsewhere = Team.objects.get(name="Elsewhere Team")
    with pytest.raises(PermissionDenied):
        make_scenario(world, "Plan", {elsewhere: {}})


def test_service_reports_every_problem_at_once(world):
    with pytest.raises(ValidationError) as caught:
        services.save_scenario(
            actor=world.manager,
            organization=world.org,
            name="Plan",
            notes="",
            direct_hours_per_fte_month=Decimal("0"),
            rows=[
                services.TeamRow(world.team_a, {"people_per_month": Decimal("-1")}),
            ],
        )
    errors = caught.value.message_dict
    assert "direct_hours_per_fte_month" in errors
    key = f"team-{world.team_a.pk}-people_per_month"
    assert errors[key] == ["Team A, people starting per month: cannot be less than 0."]
    assert f"team-{world.team_a.pk}-caseload_per_fte" in errors

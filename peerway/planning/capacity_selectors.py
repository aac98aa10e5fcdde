"""Reads of capacity scenarios, and their results computed by ``capacity``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from peerway.core.models import Organization, Team

from . import capacity
from .models import CapacityScenario


def scenarios_for(organization: Organization) -> QuerySet[CapacityScenario]:
    return CapacityScenario.objects.filter(organization=organization).select_related("created_by")


def get_scenario(organization: Organization, pk) -> CapacityScenario:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    scenario = scenarios_for(organization).filter(pk=pk).first()
    if scenario is None:
        raise Http404
    return scenario


@dataclass
class PlannedScenario:
    scenario: CapacityScenario
    teams: list[tuple[Team, capacity.TeamResult]]
    result: capacity.ScenarioResult

    def for_team(self, team_pk: int) -> capacity.TeamResult | None:
        return self.result.teams.get(str(team_pk))


def plan(scenario: CapacityScenario) -> PlannedScenario:
    inputs = list(scenario.team_inputs.select_related("team__site"))
    hours = scenario.direct_hours_per_fte_month
    by_key = {
        str(i.team_id): capacity.TeamInputs(
            people_per_month=i.people_per_month,
            engagement_months=i.engagement_months,
            contacts_per_month=i.contacts_per_month,
            contact_minutes=i.contact_minutes,
            caseload_per_fte=i.caseload_per_fte,
            fte_per_worker=i.fte_per_worker,
            direct_hours_per_fte_month=hours,
            planned_headcount=i.planned_headcount,
        )
        for i in inputs
    }
    result = capacity.plan_scenario(by_key)
    teams = [(i.team, result.teams[str(i.team_id)]) for i in inputs]
    return PlannedScenario(scenario, teams, result)

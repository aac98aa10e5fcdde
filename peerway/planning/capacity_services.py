"""Writes for capacity scenarios: one transaction per save, nothing half-saved."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerway.core import audit
from peerway.core.models import Organization, Team, User

from . import capacity
from .models import CapacityScenario, CapacityTeamInput

TEAM_FIELDS = (
    "people_per_month",
    "engagement_months",
    "contacts_per_month",
    "contact_minutes",
    "caseload_per_fte",
    "fte_per_worker",
    "planned_headcount",
)

# Field names as people read them (the pure module's labels are English only).
LABELS = {
    "people_per_month": gettext_lazy("people starting per month"),
    "engagement_months": gettext_lazy("months of engagement"),
    "contacts_per_month": gettext_lazy("contacts per person per month"),
    "contact_minutes": gettext_lazy("minutes per contact"),
    "caseload_per_fte": gettext_lazy("caseload per full-time worker"),
    "fte_per_worker": gettext_lazy("FTE per worker"),
    "planned_headcount": gettext_lazy("planned peer workers"),
    "direct_hours_per_fte_month": gettext_lazy(
        "direct-contact hours per full-time worker per month"
    ),
}


def problem_message(problem: capacity.Problem) -> str:
    """A capacity problem in the reader's language, without the field name."""
    limit = capacity._fmt(problem.limit) if problem.limit is not None else ""
    return {
        "missing": _("enter a value"),
        "not_a_number": _("enter a number"),
        "too_small": _("cannot be less than %(limit)s") % {"limit": limit},
        "not_positive": _("must be more than %(limit)s") % {"limit": limit},
        "too_large": _("cannot be more than %(limit)s") % {"limit": limit},
        "not_whole": _("enter a whole number"),
    }.get(problem.code, problem.message)


def row_key(team: Team, field: str) -> str:
    """The error key of one team's field, as the scenario form names it."""
    return f"team-{team.pk}-{field}"


@dataclass
class TeamRow:
    team: Team
    # None: the team is left out of the scenario.
    values: dict | None


def _inputs(values: dict, direct_hours) -> capacity.TeamInputs:
    return capacity.TeamInputs(
        **{name: values.get(name) for name in TEAM_FIELDS},
        direct_hours_per_fte_month=direct_hours,
    )


def save_scenario(
    *,
    actor: User,
    organization: Organization,
    name: str,
    notes: str,
    direct_hours_per_fte_month: Decimal | float | None,
    rows: list[TeamRow],
    scenario: CapacityScenario | None = None,
) -> CapacityScenario:
    """Create (scenario=None) or replace a scenario with its team inputs.

    Every problem is reported at once, each naming its team and field, and nothing is
    written unless everything is valid.
    """
    if not actor.has_perm("planning.manage_capacity", organization):
        raise PermissionDenied
    if scenario is not None and scenario.organization_id != organization.pk:
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the scenario a name.")]
    elif (
        CapacityScenario.objects.filter(organization=organization, name__iexact=name)
        .exclude(pk=scenario.pk if scenario else None)
        .exists()
    ):
        errors["name"] = [_("Another scenario already has this name.")]
    hours_problems = [
        p
        for p in capacity.validate(
            capacity.TeamInputs(1, 1, 0, 0, 1, 1, direct_hours_per_fte_month)
        )
        if p.field == "direct_hours_per_fte_month"
    ]
    if hours_problems:
        errors["direct_hours_per_fte_month"] = [
            _("%(field)s: %(problem)s.")
            % {"field": LABELS["direct_hours_per_fte_month"], "problem": problem_message(p)}
            for p in hours_problems
        ]
    included = []
    for row in rows:
        if row.team.site.organization_id != organization.pk:
            raise PermissionDenied
        if row.values is None:
            continue
        inputs = _inputs(row.values, direct_hours_per_fte_month or 1)
        for p in capacity.validate(inputs):
            if p.field == "direct_hours_per_fte_month":
                continue
            errors.setdefault(row_key(row.team, p.field), []).append(
                _("%(team)s, %(field)s: %(problem)s.")
                % {"team": row.team.name, "field": LABELS[p.field], "problem": problem_message(p)}
            )
        included.append(row)
    if not included and not errors:
        errors["teams"] = [
            _("Fill in at least one team: enter the people starting per month for it.")
        ]
    if errors:
        raise ValidationError(errors)
    created = scenario is None
    try:
        with transaction.atomic():
            if created:
                scenario = CapacityScenario(organization=organization, created_by=actor)
            else:
                scenario = CapacityScenario.objects.select_for_update().get(pk=scenario.pk)
            scenario.name = name
            scenario.notes = (notes or "").strip()
            scenario.direct_hours_per_fte_month = Decimal(str(direct_hours_per_fte_month))
            scenario.updated_at = timezone.now()
            scenario.save()
            scenario.team_inputs.all().delete()
            CapacityTeamInput.objects.bulk_create(
                CapacityTeamInput(
                    scenario=scenario,
                    team=row.team,
                    **{
                        f: (None if row.values.get(f) is None else row.values[f])
                        for f in TEAM_FIELDS
                    },
                )
                for row in included
            )
            audit.record(
                actor=actor,
                action="capacity.scenario_created" if created else "capacity.scenario_updated",
                obj=scenario,
                details={
                    "name": name,
                    "direct_hours_per_fte_month": scenario.direct_hours_per_fte_month,
                    "teams": {
                        str(row.team.pk): {f: row.values.get(f) for f in TEAM_FIELDS}
                        for row in included
                    },
                },
            )
    except IntegrityError as exc:
        raise ValidationError({"name": [_("Another scenario already has this name.")]}) from exc
    return scenario


def delete_scenario(*, actor: User, scenario: CapacityScenario) -> None:
    organization = scenario.organization
    if not actor.has_perm("planning.manage_capacity", organization):
        raise PermissionDenied
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="capacity.scenario_deleted",
            obj=scenario,
            details={"name": scenario.name},
        )
        scenario.delete()

"""Screens of the capacity planner: scenarios, their inputs per team, and comparisons."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerway.core import selectors as core_selectors
from peerway.core.access import requires

from . import capacity_selectors as selectors
from . import capacity_services as services
from .capacity import MINIMUM_PEERS_PER_TEAM
from .capacity_forms import STARTING_POINTS, ScenarioForm, TeamRowForm


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


@requires("planning.view_capacity", obj=_org)
def scenario_list(request, slug):
    organization = request.permission_object
    planned = [selectors.plan(s) for s in selectors.scenarios_for(organization)]
    return render(
        request,
        "planning/capacity_list.html",
        {
            "organization": organization,
            "planned": planned,
            "can_manage": request.user.has_perm("planning.manage_capacity", organization),
        },
    )


def _row_forms(request, organization, scenario=None):
    teams = list(
        core_selectors.teams_for(request.user, organization).order_by("site__name", "name")
    )
    existing = {}
    if scenario is not None:
        existing = {i.team_id: i for i in scenario.team_inputs.all()}
    forms = []
    for team in teams:
        saved = existing.get(team.pk)
        if saved is not None:
            initial = {name: getattr(saved, name) for name in services.TEAM_FIELDS}
        elif scenario is None:
            initial = dict(STARTING_POINTS)
        else:
            initial = {}
        forms.append(TeamRowForm(request.POST or None, team=team, initial=initial))
    return forms


def _error_summary(scenario_form, row_forms, extra: list[str]) -> list[tuple[str, str]]:
    """(message, anchor) for every error, each naming its team and field."""
    summary = []
    for name, errors in scenario_form.errors.items():
        anchor = f"id_{name}" if name in scenario_form.fields else ""
        label = scenario_form.fields[name].label if name in scenario_form.fields else ""
        for e in errors:
            named = not label or str(label).lower() in e.lower()
            summary.append((e if named else f"{label}: {e}", anchor))
    for form in row_forms:
        for name, errors in form.errors.items():
            for e in errors:
                if name in form.fields and form.team.name not in e:
                    e = _("%(team)s, %(field)s: %(problem)s") % {
                        "team": form.team.name,
                        "field": form.fields[name].label,
                        "problem": e,
                    }
                summary.append((e, form[name].auto_id if name in form.fields else ""))
    summary.extend((e, "") for e in extra)
    return summary


def _edit(request, organization, scenario=None):
    initial = {}
    if scenario is not None:
        initial = {
            "name": scenario.name,
            "notes": scenario.notes,
            "direct_hours_per_fte_month": scenario.direct_hours_per_fte_month,
        }
    scenario_form = ScenarioForm(request.POST or None, initial=initial)
    row_forms = _row_forms(request, organization, scenario)
    extra: list[str] = []
    if request.method == "POST":
        valid = [scenario_form.is_valid()] + [f.is_valid() for f in row_forms]
        if all(valid):
            data = scenario_form.cleaned_data
            try:
                saved = services.save_scenario(
                    actor=request.user,
                    organization=organization,
                    scenario=scenario,
                    name=data["name"],
                    notes=data["notes"],
                    direct_hours_per_fte_month=data["direct_hours_per_fte_month"],
                    rows=[services.TeamRow(f.team, f.values()) for f in row_forms],
                )
            except ValidationError as exc:
                by_key = {f"team-{f.team.pk}": f for f in row_forms}
                for key, errors in exc.message_dict.items():
                    if key in scenario_form.fields:
                        scenario_form.add_error(key, errors)
                        continue
                    prefix, _sep, field = key.rpartition("-")
                    form = by_key.get(prefix)
                    if form is not None and field in form.fields:
                        form.add_error(field, errors)
                    else:
                        extra.extend(errors)
            else:
                messages.success(request, _("The scenario was saved."))
                return redirect("planning:capacity_scenario", slug=organization.slug, pk=saved.pk)
    summary = _error_summary(scenario_form, row_forms, extra) if request.method == "POST" else []
    return render(
        request,
        "planning/capacity_form.html",
        {
            "organization": organization,
            "scenario": scenario,
            "form": scenario_form,
            "row_forms": row_forms,
            "summary": summary,
            "labels": [services.LABELS[name] for name in services.TEAM_FIELDS],
        },
        status=400 if summary else 200,
    )


@requires("planning.manage_capacity", obj=_org)
def scenario_create(request, slug):
    return _edit(request, request.permission_object)


@requires(
    "planning.manage_capacity", obj=_org, no_record="capacity planning scenario; no person's record"
)
def scenario_edit(request, slug, pk):
    organization = request.permission_object
    return _edit(request, organization, selectors.get_scenario(organization, pk))


@requires(
    "planning.manage_capacity", obj=_org, no_record="capacity planning scenario; no person's record"
)
def scenario_delete(request, slug, pk):
    """GET asks for confirmation; POST deletes."""
    organization = request.permission_object
    scenario = selectors.get_scenario(organization, pk)
    if request.method != "POST":
        return render(
            request,
            "planning/capacity_delete.html",
            {"organization": organization, "scenario": scenario},
        )
    services.delete_scenario(actor=request.user, scenario=scenario)
    messages.success(request, _("The scenario was deleted."))
    return redirect("planning:capacity_scenarios", slug=organization.slug)


@requires(
    "planning.view_capacity", obj=_org, no_record="capacity planning scenario; no person's record"
)
def scenario_detail(request, slug, pk):
    organization = request.permission_object
    planned = selectors.plan(selectors.get_scenario(organization, pk))
    return render(
        request,
        "planning/capacity_detail.html",
        {
            "organization": organization,
            "planned": planned,
            "scenario": planned.scenario,
            "minimum": MINIMUM_PEERS_PER_TEAM,
            "can_manage": request.user.has_perm("planning.manage_capacity", organization),
        },
    )


@requires("planning.view_capacity", obj=_org)
def scenario_compare(request, slug):
    organization = request.permission_object
    ids = list(dict.fromkeys(request.GET.getlist("s")))
    all_scenarios = list(selectors.scenarios_for(organization))
    if len(ids) < 2:
        return render(
            request,
            "planning/capacity_compare.html",
            {
                "organization": organization,
                "all_scenarios": all_scenarios,
                "selected": ids,
                "too_few": True,
            },
        )
    planned = [selectors.plan(selectors.get_scenario(organization, pk)) for pk in ids]
    teams = {}
    for p in planned:
        for team, _result in p.teams:
            teams.setdefault(team.pk, team)
    ordered = sorted(teams.values(), key=lambda t: (t.site.name, t.name))
    rows = [(team, [p.for_team(team.pk) for p in planned]) for team in ordered]
    return render(
        request,
        "planning/capacity_compare.html",
        {
            "organization": organization,
            "all_scenarios": all_scenarios,
            "selected": ids,
            "planned": planned,
            "rows": rows,
            "minimum": MINIMUM_PEERS_PER_TEAM,
        },
    )

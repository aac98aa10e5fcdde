"""Screens of the implementation plan and the readiness gate (namespace "planning")."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerway.core import audit
from peerway.core import selectors as core_selectors
from peerway.core.access import requires

from ..knowledge import load_knowledge_base
from . import export, gate, selectors, services
from .forms import ActionForm, GateForm, LeadershipForm, MilestoneForm, PhaseForm, ProgressForm

VIEW_LABELS = {
    "all": _("All"),
    "open": _("Open"),
    "overdue": _("Overdue"),
    "at_risk": _("At risk"),
    "mine": _("Mine"),
    "done": _("Done"),
}


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _plan_or_404(organization):
    plan = selectors.plan_for(organization)
    if plan is None:
        raise Http404
    return plan


def _action(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.get_action(selectors.plan_for(organization), pk)


def _lang() -> str:
    return "fr" if (get_language() or "").startswith("fr") else "en"


def _apply_errors(form, exc: ValidationError) -> None:
    aliases = {"site": "scope", "team": "scope"}
    for name, errors in exc.message_dict.items():
        name = aliases.get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def _factor_names(kb, codes, lang):
    names = []
    for code in codes:
        try:
            names.append(kb.factor(code).name.get(lang))
        except KeyError:
            names.append(code)
    return names


@requires("planning.view_plan", obj=_org)
def plan_overview(request, slug):
    organization = request.permission_object
    plan = selectors.plan_for(organization)
    can_manage = request.user.has_perm("planning.manage_plan", organization)
    if plan is None:
        return render(
            request,
            "planning/plan/start.html",
            {"organization": organization, "can_manage": can_manage},
        )
    today = selectors.today()
    view = request.GET.get("view", "all")
    view = view if view in VIEW_LABELS else "all"
    phase_param = request.GET.get("phase", "")
    phase_ids = {str(p.pk): p for p in plan.phases.all()}
    phase = phase_ids.get(phase_param)
    all_actions = list(selectors.actions_for(plan))
    shown = selectors.filter_actions(
        all_actions, view=view, user=request.user, today=today, phase=phase.pk if phase else None
    )
    kb = load_knowledge_base()
    lang = _lang()
    grouped = []
    for p in plan.phases.all():
        rows = [
            {
                "a": a,
                "overdue": a.is_overdue(today),
                "at_risk": a.is_at_risk(today),
                "factors": _factor_names(kb, a.factors, lang),
            }
            for a in shown
            if a.phase_id == p.pk
        ]
        if rows or (phase is None and view == "all"):
            grouped.append((p, rows))
    milestones = list(plan.milestones.select_related("phase"))
    return render(
        request,
        "planning/plan/overview.html",
        {
            "organization": organization,
            "plan": plan,
            "can_manage": can_manage,
            "can_view_gate": request.user.has_perm("planning.view_gate", organization),
            "progress": selectors.progress_by_phase(plan, all_actions, today),
            "overdue_count": sum(1 for a in all_actions if a.is_overdue(today)),
            "at_risk_count": sum(1 for a in all_actions if a.is_at_risk(today)),
            "grouped": grouped,
            "view": view,
            "views": VIEW_LABELS,
            "phase": phase,
            "phases": list(plan.phases.all()),
            "milestones": [(m, m.is_overdue(today)) for m in milestones],
            "phase_form": PhaseForm() if can_manage else None,
            "today": today,
        },
    )


@require_POST
@requires("planning.manage_plan", obj=_org)
def plan_start(request, slug):
    organization = request.permission_object
    services.create_plan(actor=request.user, organization=organization)
    messages.success(request, _("The implementation plan was started with four phases."))
    return redirect("planning:plan", slug=slug)


@require_POST
@requires("planning.manage_plan", obj=_org)
def phase_add(request, slug):
    organization = request.permission_object
    plan = _plan_or_404(organization)
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            services.add_phase(actor=request.user, plan=plan, name=form.cleaned_data["custom_name"])
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for e in errors:
                    messages.error(request, e)
        else:
            messages.success(request, _("The phase was added."))
    else:
        messages.error(request, _("Enter a name for the phase."))
    return redirect("planning:plan", slug=slug)


@requires("planning.manage_plan", obj=_org)
def action_new(request, slug):
    organization = request.permission_object
    plan = _plan_or_404(organization)
    form = ActionForm(request.POST or None, plan=plan, user=request.user, language=_lang())
    if request.method == "POST" and form.is_valid():
        try:
            action = services.create_action(actor=request.user, plan=plan, **form.values())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The action was added to the plan."))
            return redirect("planning:plan_action", slug=slug, pk=action.pk)
    return render(
        request,
        "planning/plan/action_form.html",
        {"organization": organization, "plan": plan, "form": form, "action": None},
    )


@requires(
    "planning.view_plan", obj=_action, no_record="implementation plan item; no person's record"
)
def action_detail(request, slug, pk):
    action = request.permission_object
    organization = action.plan.organization
    kb = load_knowledge_base()
    lang = _lang()
    strategy = None
    if action.strategy:
        try:
            item = kb.strategy(action.strategy)
            strategy = {
                "code": item.code,
                "name": item.name.get(lang),
                "steps": [s.get(lang) for s in item.first_steps],
                "citations": [kb.format_citation(c, lang) for c in item.citations],
            }
        except KeyError:
            strategy = None
    can_see_results = request.user.has_perm("assessments.view_results", organization)
    changes = selectors.factor_changes(action) if can_see_results else None
    can_progress = request.user.has_perm("planning.update_action_progress", action)
    progress_form = None
    if can_progress:
        progress_form = ProgressForm(
            initial={
                "status": action.status,
                "notes": action.notes,
                "completion_evidence": action.completion_evidence,
                "completed_on": action.completed_on,
            }
        )
    today = selectors.today()
    return render(
        request,
        "planning/plan/action_detail.html",
        {
            "organization": organization,
            "plan": action.plan,
            "action": action,
            "overdue": action.is_overdue(today),
            "at_risk": action.is_at_risk(today),
            "strategy": strategy,
            "factors": _factor_names(kb, action.factors, lang),
            "changes": changes,
            "can_see_results": can_see_results,
            "lang": lang,
            "can_edit": request.user.has_perm("planning.change_action", action),
            "progress_form": progress_form,
            "history": history_rows(selectors.history(action.plan, action=action)),
        },
    )


@requires(
    "planning.change_action", obj=_action, no_record="implementation plan item; no person's record"
)
def action_edit(request, slug, pk):
    action = request.permission_object
    plan = action.plan
    form = ActionForm(
        request.POST or None,
        plan=plan,
        user=request.user,
        language=_lang(),
        initial=ActionForm.initial_for(action),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_action(actor=request.user, action=action, **form.values())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The action was saved."))
            return redirect("planning:plan_action", slug=slug, pk=action.pk)
    return render(
        request,
        "planning/plan/action_form.html",
        {"organization": plan.organization, "plan": plan, "form": form, "action": action},
    )


@requires(
    "planning.update_action_progress",
    obj=_action,
    no_record="implementation plan item; no person's record",
)
def action_progress(request, slug, pk):
    action = request.permission_object
    form = ProgressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_progress(actor=request.user, action=action, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The progress was saved."))
            return redirect("planning:plan_action", slug=slug, pk=action.pk)
    if request.method != "POST":
        return redirect("planning:plan_action", slug=slug, pk=action.pk)
    return render(
        request,
        "planning/plan/progress_form.html",
        {"organization": action.plan.organization, "action": action, "form": form},
    )


def _milestone_form(request, organization, plan, milestone=None):
    initial = {}
    if milestone is not None:
        initial = {
            "title": milestone.title,
            "phase": str(milestone.phase_id or ""),
            "due_on": milestone.due_on,
            "achieved_on": milestone.achieved_on,
            "notes": milestone.notes,
        }
    form = MilestoneForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_milestone(
                actor=request.user, plan=plan, milestone=milestone, **form.values()
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The milestone was saved."))
            return redirect("planning:plan", slug=organization.slug)
    return render(
        request,
        "planning/plan/milestone_form.html",
        {"organization": organization, "plan": plan, "form": form, "milestone": milestone},
    )


@requires("planning.manage_plan", obj=_org)
def milestone_new(request, slug):
    organization = request.permission_object
    return _milestone_form(request, organization, _plan_or_404(organization))


@requires(
    "planning.manage_plan", obj=_org, no_record="implementation plan item; no person's record"
)
def milestone_edit(request, slug, pk):
    organization = request.permission_object
    plan = _plan_or_404(organization)
    return _milestone_form(request, organization, plan, selectors.get_milestone(plan, pk))


@requires("planning.view_plan", obj=_org)
def plan_history(request, slug):
    organization = request.permission_object
    plan = _plan_or_404(organization)
    return render(
        request,
        "planning/plan/history.html",
        {
            "organization": organization,
            "plan": plan,
            "history": history_rows(selectors.history(plan)[:500]),
        },
    )


@requires("planning.view_gate", obj=_org)
def readiness_gate(request, slug):
    organization = request.permission_object
    plan = selectors.plan_for(organization)
    can_manage = request.user.has_perm("planning.manage_plan", organization)
    if plan is None:
        return render(
            request,
            "planning/plan/start.html",
            {"organization": organization, "can_manage": can_manage},
        )
    result = gate.evaluate(plan)
    return render(
        request,
        "planning/plan/gate.html",
        {
            "organization": organization,
            "plan": plan,
            "result": result,
            "can_manage": can_manage,
        },
    )


@requires("planning.manage_plan", obj=_org)
def gate_settings(request, slug):
    organization = request.permission_object
    plan = _plan_or_404(organization)
    form = GateForm(request.POST or None, plan=plan, initial=GateForm.initial_for(plan))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_gate(actor=request.user, plan=plan, **form.values())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The readiness criteria were saved."))
            return redirect("planning:plan_gate", slug=slug)
    return render(
        request,
        "planning/plan/gate_settings.html",
        {"organization": organization, "plan": plan, "form": form},
    )


@requires("planning.manage_plan", obj=_org)
def leadership(request, slug):
    organization = request.permission_object
    plan = _plan_or_404(organization)
    form = LeadershipForm(
        request.POST or None,
        initial={
            "leadership_commitment_on": plan.leadership_commitment_on,
            "leadership_commitment_note": plan.leadership_commitment_note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_leadership(
                actor=request.user,
                plan=plan,
                on=form.cleaned_data.get("leadership_commitment_on"),
                note=form.cleaned_data.get("leadership_commitment_note", ""),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The leadership commitment was saved."))
            return redirect("planning:plan_gate", slug=slug)
    return render(
        request,
        "planning/plan/leadership_form.html",
        {"organization": organization, "plan": plan, "form": form},
    )


@require_POST
@requires("planning.manage_plan", obj=_org)
def add_recommended(request, slug):
    """Turn a recommendation into a plan action (then the manager sets owner and date)."""
    from peerway.assessments import selectors as survey_selectors

    organization = request.permission_object
    plan = selectors.plan_for(organization) or services.create_plan(
        actor=request.user, organization=organization
    )
    try:
        wave = survey_selectors.get_wave(organization, int(request.POST.get("wave", "")))
    except ValueError as exc:
        raise Http404 from exc
    team = None
    if request.POST.get("team"):
        try:
            team = organization_team(organization, int(request.POST["team"]))
        except ValueError as exc:
            raise Http404 from exc
    try:
        action, created = services.add_recommended(
            actor=request.user,
            plan=plan,
            strategy=request.POST.get("strategy", ""),
            factors=request.POST.getlist("factor"),
            team=team,
            wave=wave,
            lang=_lang(),
        )
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for e in errors:
                messages.error(request, e)
        return redirect("knowledge:recommendations", slug=slug, pk=wave.pk)
    if created:
        messages.success(
            request,
            _("“%(title)s” was added to the plan. Set its owner and due date.")
            % {"title": action.title},
        )
        return redirect("planning:plan_action_edit", slug=slug, pk=action.pk)
    messages.info(request, _("This strategy is already in the plan for this scope."))
    return redirect("planning:plan_action", slug=slug, pk=action.pk)


def organization_team(organization, pk: int):
    from peerway.core.models import Team

    team = Team.objects.filter(pk=pk, site__organization=organization).first()
    if team is None:
        raise Http404
    return team


@requires("planning.view_plan", obj=_org)
def export_csv(request, slug):
    organization = request.permission_object
    plan = _plan_or_404(organization)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{organization.slug}.csv"'
    count = export.write_csv(response, plan, lang=_lang(), today=selectors.today())
    audit.record(
        actor=request.user,
        action="planning.plan_exported",
        obj=plan,
        details={"format": "csv", "rows": count},
    )
    return response


@requires("planning.view_plan", obj=_org)
def export_pdf(request, slug):
    organization = request.permission_object
    plan = _plan_or_404(organization)
    pdf = export.render_pdf(
        plan,
        lang=_lang(),
        today=selectors.today(),
        include_gate=request.user.has_perm("planning.view_gate", organization),
    )
    audit.record(
        actor=request.user, action="planning.plan_exported", obj=plan, details={"format": "pdf"}
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="plan-{organization.slug}.pdf"'
    return response


# --- change history, in words -----------------------------------------------------------


def _field_label(name: str) -> str:
    from ..models import ImplementationPlan, Milestone, PlanAction

    for model in (PlanAction, Milestone, ImplementationPlan):
        names = {f.name for f in model._meta.get_fields()}
        if name in names:
            return str(model._meta.get_field(name).verbose_name)
    return name


def _value_text(name: str, value, kb, lang: str) -> str:
    from ..models import ActionStatus, DefaultPhase

    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        if value.get("code"):
            try:
                return str(DefaultPhase(value["code"]).label)
            except ValueError:
                pass
        return str(value.get("name") or value.get("id"))
    if name == "status":
        try:
            return str(ActionStatus(value).label)
        except ValueError:
            return str(value)
    if name == "factors":
        return ", ".join(_factor_names(kb, value, lang))
    if name == "strategy":
        try:
            return kb.strategy(value).name.get(lang)
        except KeyError:
            return str(value)
    return str(value)


def history_rows(changes) -> list[dict]:
    kb = load_knowledge_base()
    lang = _lang()
    kinds = {
        "created": _("created"),
        "updated": _("changed"),
        "phase_added": _("phase added"),
        "gate_updated": _("readiness criteria changed"),
        "leadership": _("leadership commitment"),
    }
    rows = []
    for change in changes:
        rows.append(
            {
                "change": change,
                "kind": kinds.get(change.kind, change.kind),
                "fields": [
                    (
                        _field_label(name),
                        _value_text(name, pair[0], kb, lang),
                        _value_text(name, pair[1], kb, lang),
                    )
                    for name, pair in change.changes.items()
                ],
            }
        )
    return rows

"""Screens of recovery plans and boundary and risk events (namespace "recovery")."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from peerway.core import selectors as core_selectors
from peerway.core.access import requires

from . import selectors, services
from .forms import (
    BoundaryEventForm,
    BoundaryFollowUpForm,
    CoProducedForm,
    GoalForm,
    ProgressForm,
    ReviewForm,
    RiskEventForm,
    RiskFollowUpForm,
    StepForm,
)
from .models import EventKind, Goal, GoalStep


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _person(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.person_for_plan(request.user, organization, pk)


def _event(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.get_event(request.user, organization, pk)


def _plan_or_404(person):
    plan = selectors.plan_of(person)
    if plan is None:
        raise Http404
    return plan


def _goal(plan, goal_pk) -> Goal:
    goal = plan.goals.filter(pk=goal_pk).first()
    if goal is None:
        raise Http404
    return goal


def _apply_errors(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


# --- Recovery plans ------------------------------------------------------------------------


@requires("recovery.view_plans", obj=_org)
def plan_list(request, slug):
    organization = request.permission_object
    people = list(selectors.plan_list(request.user, organization)[:500])
    return render(
        request, "recovery/plan_list.html", {"organization": organization, "people": people}
    )


def _plan_context(request, person, plan):
    return {
        "organization": person.organization,
        "person": person,
        "plan": plan,
        "goals": selectors.plan_contents(plan) if plan else [],
        "can_change": request.user.has_perm("recovery.change_plan", person),
    }


@requires("recovery.view_plan", obj=_person, audit_read="recovery.plan_viewed")
def plan_detail(request, slug, pk):
    person = request.permission_object
    plan = selectors.plan_of(person)
    services.record_plan_view(actor=request.user, person=person, plan=plan)
    context = _plan_context(request, person, plan)
    if plan and context["can_change"]:
        context["co_form"] = CoProducedForm(initial={"co_produced": plan.co_produced})
        context["step_form"] = StepForm()
    context["can_record_event"] = request.user.has_perm("recovery.record_event", person)
    return render(request, "recovery/plan_detail.html", context)


@requires("recovery.view_plan", obj=_person, audit_read="recovery.plan_printed")
def plan_print(request, slug, pk):
    person = request.permission_object
    plan = _plan_or_404(person)
    services.record_plan_view(actor=request.user, person=person, plan=plan, printable=True)
    return render(request, "recovery/plan_print.html", _plan_context(request, person, plan))


@require_POST
@requires(
    "recovery.change_plan",
    obj=_person,
    no_record="POST only: an action; its write is audited by the service",
)
def plan_start(request, slug, pk):
    person = request.permission_object
    services.start_plan(
        actor=request.user, person=person, co_produced=bool(request.POST.get("co_produced"))
    )
    messages.success(request, _("The recovery plan was started."))
    return redirect("recovery:plan", slug=slug, pk=pk)


@require_POST
@requires(
    "recovery.change_plan",
    obj=_person,
    no_record="POST only: an action; its write is audited by the service",
)
def plan_co_produced(request, slug, pk):
    plan = _plan_or_404(request.permission_object)
    form = CoProducedForm(request.POST)
    form.is_valid()
    services.set_co_produced(
        actor=request.user, plan=plan, co_produced=form.cleaned_data.get("co_produced", False)
    )
    messages.success(request, _("The plan was saved."))
    return redirect("recovery:plan", slug=slug, pk=pk)


@requires("recovery.change_plan", obj=_person, audit_read="recovery.goal_form_viewed")
def goal_form(request, slug, pk, goal_pk=None):
    person = request.permission_object
    plan = _plan_or_404(person)
    goal = _goal(plan, goal_pk) if goal_pk else None
    initial = {"text": goal.text, "domain": goal.domain, "status": goal.status} if goal else None
    form = GoalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if goal:
                services.change_goal(actor=request.user, goal=goal, **form.cleaned_data)
            else:
                services.add_goal(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The goal was saved."))
            return redirect("recovery:plan", slug=slug, pk=pk)
    return render(
        request,
        "recovery/goal_form.html",
        {"organization": person.organization, "person": person, "form": form, "goal": goal},
    )


@require_POST
@requires(
    "recovery.change_plan",
    obj=_person,
    no_record="POST only: an action; its write is audited by the service",
)
def step_add(request, slug, pk, goal_pk):
    plan = _plan_or_404(request.permission_object)
    goal = _goal(plan, goal_pk)
    form = StepForm(request.POST)
    if form.is_valid():
        services.add_step(actor=request.user, goal=goal, text=form.cleaned_data["text"])
        messages.success(request, _("The step was added."))
    else:
        messages.error(request, _("Next step: write the step."))
    return redirect("recovery:plan", slug=slug, pk=pk)


@require_POST
@requires(
    "recovery.change_plan",
    obj=_person,
    no_record="POST only: an action; its write is audited by the service",
)
def step_toggle(request, slug, pk, step_pk):
    plan = _plan_or_404(request.permission_object)
    step = GoalStep.objects.filter(goal__plan=plan, pk=step_pk).select_related("goal").first()
    if step is None:
        raise Http404
    services.set_step_done(actor=request.user, step=step, done=request.POST.get("done") == "1")
    messages.success(request, _("The step was saved."))
    return redirect("recovery:plan", slug=slug, pk=pk)


@requires("recovery.change_plan", obj=_person, audit_read="recovery.progress_form_viewed")
def progress_add(request, slug, pk, goal_pk):
    person = request.permission_object
    plan = _plan_or_404(person)
    goal = _goal(plan, goal_pk)
    form = ProgressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_progress(actor=request.user, goal=goal, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The progress update was saved."))
            return redirect("recovery:plan", slug=slug, pk=pk)
    return render(
        request,
        "recovery/progress_form.html",
        {"organization": person.organization, "person": person, "goal": goal, "form": form},
    )


# --- Boundary and risk events ------------------------------------------------------------


@requires("recovery.view_events", obj=_org)
def events(request, slug):
    organization = request.permission_object
    user = request.user
    supervised = selectors.supervised_worker_ids(user, organization)  # read once
    queue = selectors.review_queue_by_worker(user, organization, ids=supervised)
    for group in queue:
        group.form = ReviewForm(sessions=group.sessions, prefix=f"w{group.worker.pk}")
    return render(
        request,
        "recovery/events.html",
        {
            "organization": organization,
            "own": list(selectors.own_events(user, organization)[:50]),
            "queue": queue,
            "reviewed": list(selectors.reviewed_recently(user, organization, ids=supervised)),
            "team_events": list(selectors.team_events(user, organization)[:100]),
            "caseload": list(selectors.people_for_events(user, organization)),
        },
    )


EVENT_FORMS = {EventKind.BOUNDARY: BoundaryEventForm, EventKind.RISK: RiskEventForm}


@requires(
    "recovery.record_event",
    obj=_person,
    no_record="blank form for a new event; shows only the person's name",
)
def event_new(request, slug, pk, kind):
    person = request.permission_object
    if kind not in EVENT_FORMS:
        raise Http404
    form = EVENT_FORMS[kind](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.record_event(
                actor=request.user,
                person=person,
                data=services.EventInput(kind=kind, **form.cleaned_data),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if kind == EventKind.RISK:
                # Straight to the safety task: the protocol to follow now, who was told.
                messages.warning(
                    request,
                    _(
                        "Recorded. A safety task was created for you and your supervisor: "
                        "follow the protocol below. The outcome and debrief can follow later."
                    ),
                )
                return redirect("outcomes:safety_task", slug, event.safety_task.pk)
            messages.success(
                request, _("Recorded. It is queued for your next supervision session.")
            )
            return redirect("recovery:event", slug=slug, pk=event.pk)
    return render(
        request,
        "recovery/event_form.html",
        {
            "organization": person.organization,
            "person": person,
            "form": form,
            "kind": kind,
            "kind_label": EventKind(kind).label,
        },
    )


def _follow_up_form(event, data=None):
    if event.kind == EventKind.BOUNDARY:
        return BoundaryFollowUpForm(data, initial={"resolution": event.resolution})
    return RiskFollowUpForm(
        data,
        initial={
            "outcome": event.outcome,
            "debrief_done": event.debrief_done,
            "debrief_notes": event.debrief_notes,
        },
    )


def _event_page(request, event, *, follow_up_form=None, review_form=None, status=200):
    user = request.user
    can_update = user.has_perm("recovery.update_event", event)
    can_review = user.has_perm("recovery.review_event", event) and not event.reviewed
    if can_update and follow_up_form is None:
        follow_up_form = _follow_up_form(event)
    if can_review and review_form is None:
        review_form = ReviewForm(sessions=selectors.sessions_for_review(event))
    task = getattr(event, "safety_task", None)
    return render(
        request,
        "recovery/event_detail.html",
        {
            "organization": event.organization,
            "event": event,
            "task": task if task and user.has_perm("outcomes.view_safety_task", task) else None,
            "follow_up_form": follow_up_form if can_update else None,
            "review_form": review_form if can_review else None,
        },
        status=status,
    )


@requires("recovery.view_event", obj=_event, audit_read="recovery.event_viewed")
def event_detail(request, slug, pk):
    event = request.permission_object
    services.record_event_view(actor=request.user, event=event)
    return _event_page(request, event)


@require_POST
@requires(
    "recovery.update_event",
    obj=_event,
    no_record="POST only: an action; its write is audited by the service",
)
def event_follow_up(request, slug, pk):
    event = request.permission_object
    form = _follow_up_form(event, request.POST)
    if form.is_valid():
        try:
            services.update_follow_up(actor=request.user, event=event, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The follow-up was saved."))
            return redirect("recovery:event", slug=slug, pk=pk)
    return _event_page(request, event, follow_up_form=form, status=400)


@require_POST
@requires(
    "recovery.review_event",
    obj=_event,
    no_record="POST only: an action; its write is audited by the service",
)
def event_review(request, slug, pk):
    event = request.permission_object
    form = ReviewForm(request.POST, sessions=selectors.sessions_for_review(event))
    if form.is_valid():
        try:
            services.mark_reviewed(actor=request.user, event=event, session=form.chosen_session())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Marked as reviewed in supervision."))
            return redirect("recovery:events", slug=slug)
    return _event_page(request, event, review_form=form, status=400)


@require_POST
@requires("recovery.view_events", obj=_org)
def events_review(request, slug):
    """Mark chosen queued events of one worker reviewed, optionally in one session."""
    organization = request.permission_object
    worker_id = request.POST.get("worker", "")
    ids = [int(x) for x in request.POST.getlist("event") if x.isdigit()]
    group = next(
        (
            g
            for g in selectors.review_queue_by_worker(request.user, organization)
            if str(g.worker.pk) == worker_id
        ),
        None,
    )
    if group is None:
        raise Http404
    chosen = [e for e in group.events if e.pk in ids]
    form = ReviewForm(request.POST, sessions=group.sessions, prefix=f"w{group.worker.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose one of the sessions in the list, or none."))
        return redirect("recovery:events", slug=slug)
    try:
        count = services.mark_reviewed_many(
            actor=request.user, events=chosen, session=form.chosen_session()
        )
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for e in errors:
                messages.error(request, e)
    else:
        messages.success(
            request,
            ngettext(
                "%(n)s event marked as reviewed in supervision.",
                "%(n)s events marked as reviewed in supervision.",
                count,
            )
            % {"n": count},
        )
    return redirect("recovery:events", slug=slug)

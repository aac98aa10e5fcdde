"""Writes of recovery plans and boundary and risk events. Keyword-only, one transaction
each, audited with codes and ids only (never goals, notes or descriptions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.models import User
from peerway.support.models import ChimeDomain, Person

from .models import (
    BoundaryType,
    EventKind,
    Goal,
    GoalStatus,
    GoalStep,
    ProgressRating,
    ProgressUpdate,
    RecoveryPlan,
    ResponsePath,
    RiskType,
    SafetyEvent,
)

TEXT_LIMIT = 2000


def _require(actor: User, perm: str, obj) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDenied


def _text(errors: dict, name: str, value: str, *, required: bool, message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = message or _("This field is required.")
    elif len(value) > TEXT_LIMIT:
        errors[name] = _("Keep this under %(n)s characters.") % {"n": TEXT_LIMIT}
    return value


def _date(errors: dict, name: str, value: dt.date | None) -> None:
    if value is None:
        errors[name] = _("Enter the date.")
    elif value > timezone.localdate():
        errors[name] = _("The date cannot be in the future.")


def _touch(plan: RecoveryPlan) -> None:
    plan.updated_at = timezone.now()
    plan.save(update_fields=["updated_at"])


# --- Recovery plans ------------------------------------------------------------------------


def start_plan(*, actor: User, person: Person, co_produced: bool = False) -> RecoveryPlan:
    _require(actor, "recovery.change_plan", person)
    with transaction.atomic():
        plan, created = RecoveryPlan.objects.get_or_create(
            person=person, defaults={"co_produced": co_produced, "created_by": actor}
        )
        if created:
            audit.record(
                actor=actor,
                action="recovery.plan_started",
                obj=plan,
                team_id=person.team_id,
                details={"person_id": person.pk, "co_produced": co_produced},
            )
    return plan


def set_co_produced(*, actor: User, plan: RecoveryPlan, co_produced: bool) -> RecoveryPlan:
    _require(actor, "recovery.change_plan", plan)
    with transaction.atomic():
        plan.co_produced = co_produced
        plan.updated_at = timezone.now()
        plan.save(update_fields=["co_produced", "updated_at"])
        audit.record(
            actor=actor,
            action="recovery.plan_changed",
            obj=plan,
            team_id=plan.person.team_id,
            details={"person_id": plan.person_id, "co_produced": co_produced},
        )
    return plan


def record_plan_view(*, actor: User, person: Person, plan: RecoveryPlan | None, printable=False):
    """Every view of a plan (or of a person's empty plan page) is audited."""
    audit.record(
        actor=actor,
        action="recovery.plan_printed" if printable else "recovery.plan_viewed",
        obj=plan or person,
        team_id=person.team_id,
        details={"person_id": person.pk},
    )


def _check_goal(text: str, domain: str, status: str) -> tuple[str, dict]:
    errors: dict[str, str] = {}
    text = _text(errors, "text", text, required=True, message=_("Write the goal."))
    if domain not in ChimeDomain.values:
        errors["domain"] = _("Choose a CHIME domain from the list.")
    if status not in GoalStatus.values:
        errors["status"] = _("Choose a status from the list.")
    return text, errors


def add_goal(
    *, actor: User, plan: RecoveryPlan, text: str, domain: str, status: str = GoalStatus.ACTIVE
) -> Goal:
    _require(actor, "recovery.change_plan", plan)
    text, errors = _check_goal(text, domain, status)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        goal = Goal.objects.create(
            plan=plan,
            text=text,
            domain=domain,
            status=status,
            status_changed_on=None if status == GoalStatus.ACTIVE else timezone.localdate(),
        )
        _touch(plan)
        audit.record(
            actor=actor,
            action="recovery.goal_added",
            obj=goal,
            team_id=plan.person.team_id,
            organization_id=plan.person.organization_id,
            details={"person_id": plan.person_id, "domain": domain, "status": status},
        )
    return goal


def change_goal(*, actor: User, goal: Goal, text: str, domain: str, status: str) -> Goal:
    plan = goal.plan
    _require(actor, "recovery.change_plan", plan)
    text, errors = _check_goal(text, domain, status)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The status before is the locked row's (docs/decisions.md, "Simultaneous writes").
        goal.refresh_from_db(from_queryset=Goal.objects.select_for_update())
        if status != goal.status:
            goal.status_changed_on = timezone.localdate()
        goal.text, goal.domain, goal.status = text, domain, status
        goal.save()
        _touch(plan)
        audit.record(
            actor=actor,
            action="recovery.goal_changed",
            obj=goal,
            team_id=plan.person.team_id,
            organization_id=plan.person.organization_id,
            details={"person_id": plan.person_id, "domain": domain, "status": status},
        )
    return goal


def add_step(*, actor: User, goal: Goal, text: str) -> GoalStep:
    plan = goal.plan
    _require(actor, "recovery.change_plan", plan)
    errors: dict[str, str] = {}
    text = _text(errors, "text", text, required=True, message=_("Write the step."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        step = GoalStep.objects.create(goal=goal, text=text)
        _touch(plan)
        audit.record(
            actor=actor,
            action="recovery.step_added",
            obj=step,
            team_id=plan.person.team_id,
            organization_id=plan.person.organization_id,
            details={"person_id": plan.person_id, "goal_id": goal.pk},
        )
    return step


def set_step_done(*, actor: User, step: GoalStep, done: bool) -> GoalStep:
    plan = step.goal.plan
    _require(actor, "recovery.change_plan", plan)
    with transaction.atomic():
        # Read again on the locked row: ticking a step already ticked changes nothing.
        step.refresh_from_db(from_queryset=GoalStep.objects.select_for_update())
        if step.done == done:
            return step
        step.done = done
        step.done_on = timezone.localdate() if done else None
        step.save(update_fields=["done", "done_on"])
        _touch(plan)
        audit.record(
            actor=actor,
            action="recovery.step_done" if done else "recovery.step_reopened",
            obj=step,
            team_id=plan.person.team_id,
            organization_id=plan.person.organization_id,
            details={"person_id": plan.person_id, "goal_id": step.goal_id},
        )
    return step


def add_progress(
    *, actor: User, goal: Goal, date: dt.date | None, rating: int | None, note: str = ""
) -> ProgressUpdate:
    plan = goal.plan
    _require(actor, "recovery.change_plan", plan)
    errors: dict[str, str] = {}
    _date(errors, "date", date)
    if rating not in ProgressRating.values:
        errors["rating"] = _("Choose a progress rating from 1 to 5.")
    note = _text(errors, "note", note, required=False)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        update = ProgressUpdate.objects.create(
            goal=goal, date=date, rating=rating, note=note, recorded_by=actor
        )
        _touch(plan)
        audit.record(
            actor=actor,
            action="recovery.progress_added",
            obj=update,
            team_id=plan.person.team_id,
            organization_id=plan.person.organization_id,
            details={"person_id": plan.person_id, "goal_id": goal.pk, "rating": rating},
        )
    return update


# --- Boundary and risk events ------------------------------------------------------------


@dataclass
class EventInput:
    kind: str
    occurred_on: dt.date | None
    description: str
    boundary_type: str = ""
    resolution: str = ""
    risk_type: str = ""
    response_path: str = ""
    outcome: str = ""
    debrief_done: bool = False
    debrief_notes: str = ""


def _check_event(data: EventInput) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    if data.kind not in EventKind.values:
        errors["kind"] = _("Choose a boundary event or a risk concern.")
    _date(errors, "occurred_on", data.occurred_on)
    clean = {
        "description": _text(
            errors,
            "description",
            data.description,
            required=True,
            message=_("Describe what happened."),
        ),
        "resolution": _text(errors, "resolution", data.resolution, required=False),
        "outcome": _text(errors, "outcome", data.outcome, required=False),
        "debrief_notes": _text(errors, "debrief_notes", data.debrief_notes, required=False),
        "debrief_done": bool(data.debrief_done),
        "boundary_type": "",
        "risk_type": "",
        "response_path": "",
    }
    if data.kind == EventKind.BOUNDARY:
        if data.boundary_type not in BoundaryType.values:
            errors["boundary_type"] = _("Choose crossing or violation.")
        clean["boundary_type"] = data.boundary_type
        clean["outcome"] = clean["debrief_notes"] = ""
        clean["debrief_done"] = False
    elif data.kind == EventKind.RISK:
        if data.risk_type not in RiskType.values:
            errors["risk_type"] = _("Choose the type of concern from the list.")
        if data.response_path not in ResponsePath.values:
            errors["response_path"] = _("Choose the response path from the list.")
        clean["risk_type"] = data.risk_type
        clean["response_path"] = data.response_path
        clean["resolution"] = ""
    return clean, errors


def record_event(*, actor: User, person: Person, data: EventInput) -> SafetyEvent:
    """Record a boundary event or risk concern; it joins the worker's supervision queue. A
    risk concern also raises a safety task in the same transaction (assigned to the worker
    and their supervisors, notified, with a deadline to acknowledge it)."""
    _require(actor, "recovery.record_event", person)
    clean, errors = _check_event(data)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = SafetyEvent.objects.create(
            organization=person.organization,
            team=person.team,
            person=person,
            worker=actor,
            kind=data.kind,
            occurred_on=data.occurred_on,
            recorded_by=actor,
            **clean,
        )
        audit.record(
            actor=actor,
            action="recovery.event_recorded",
            obj=event,
            details={
                "person_id": person.pk,
                "kind": event.kind,
                "type": event.boundary_type or event.risk_type,
                "response_path": event.response_path,
            },
        )
        if event.kind == EventKind.RISK:
            from peerway.outcomes.services import create_risk_task

            create_risk_task(actor=actor, event=event)
    return event


def update_follow_up(
    *,
    actor: User,
    event: SafetyEvent,
    resolution: str = "",
    outcome: str = "",
    debrief_done: bool = False,
    debrief_notes: str = "",
) -> SafetyEvent:
    """Keep the resolution (boundary) or outcome and debrief (risk) up to date."""
    _require(actor, "recovery.update_event", event)
    errors: dict[str, str] = {}
    resolution = _text(errors, "resolution", resolution, required=False)
    outcome = _text(errors, "outcome", outcome, required=False)
    debrief_notes = _text(errors, "debrief_notes", debrief_notes, required=False)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if event.kind == EventKind.BOUNDARY:
            event.resolution = resolution
        else:
            event.outcome = outcome
            event.debrief_done = bool(debrief_done)
            event.debrief_notes = debrief_notes
        event.updated_at = timezone.now()
        event.save()
        audit.record(
            actor=actor,
            action="recovery.event_updated",
            obj=event,
            details={"person_id": event.person_id, "debrief_done": event.debrief_done},
        )
    return event


def record_event_view(*, actor: User, event: SafetyEvent) -> None:
    audit.record(
        actor=actor,
        action="recovery.event_viewed",
        obj=event,
        details={"person_id": event.person_id, "kind": event.kind},
    )


def mark_reviewed(*, actor: User, event: SafetyEvent, session=None) -> SafetyEvent:
    """A supervisor marks the event reviewed, optionally in one of the worker's
    supervision sessions (on or after the event)."""
    _require(actor, "recovery.review_event", event)
    if event.reviewed_at is not None:
        raise ValidationError({"event": _("This event was already reviewed.")})
    if session is not None and (
        session.worker_id != event.worker_id
        or session.organization_id != event.organization_id
        or session.date < event.occurred_on
    ):
        raise ValidationError(
            {"session": _("Choose one of the worker's sessions held on or after the event.")}
        )
    with transaction.atomic():
        # Re-checked on the locked row: a second review of the same event changes nothing.
        event.refresh_from_db(from_queryset=SafetyEvent.objects.select_for_update())
        if event.reviewed_at is not None:
            raise ValidationError({"event": _("This event was already reviewed.")})
        event.reviewed_at = timezone.now()
        event.reviewed_by = actor
        event.supervision_session = session
        event.save(update_fields=["reviewed_at", "reviewed_by", "supervision_session"])
        audit.record(
            actor=actor,
            action="recovery.event_reviewed",
            obj=event,
            details={
                "worker_id": event.worker_id,
                "session_id": session.pk if session else None,
            },
        )
    return event


def mark_reviewed_many(*, actor: User, events: list[SafetyEvent], session=None) -> int:
    """Mark several events of one worker reviewed at once (e.g. right after logging the
    session); all or nothing."""
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    if len({e.worker_id for e in events}) > 1:
        raise ValidationError({"events": _("Choose events of one worker at a time.")})
    with transaction.atomic():
        for event in events:
            mark_reviewed(actor=actor, event=event, session=session)
    return len(events)

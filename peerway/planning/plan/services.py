"""Writes to the implementation plan. Each write is one transaction, leaves a change-history
row with old and new values, and an audit event naming the changed fields (never their
text)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.models import Organization, Site, Team, User

from ..knowledge import load_knowledge_base
from ..models import (
    ActionStatus,
    DefaultPhase,
    ImplementationPlan,
    Milestone,
    PlanAction,
    PlanChange,
    PlanPhase,
)

ACTION_FIELDS = (
    "phase",
    "title",
    "strategy",
    "description",
    "factors",
    "owner",
    "site",
    "team",
    "due_on",
    "status",
    "notes",
    "completion_evidence",
    "completed_on",
)
PROGRESS_FIELDS = ("status", "notes", "completion_evidence", "completed_on")
MILESTONE_FIELDS = ("phase", "title", "due_on", "achieved_on", "notes")
GATE_FIELDS = (
    "gate_min_commitment",
    "gate_min_efficacy",
    "gate_require_leadership",
    "gate_require_role_definition",
    "gate_require_supervision",
    "gate_min_peers",
    "capacity_scenario",
)


def _plain(value: Any) -> Any:
    """A JSON-ready, human-readable form of a field value for the change history."""
    if value is None:
        return None
    if isinstance(value, PlanPhase):
        return {"id": value.pk, "code": value.code, "name": value.custom_name}
    if isinstance(value, User):
        return {"id": value.pk, "name": value.display_name or value.email}
    if isinstance(value, Site | Team):
        return {"id": value.pk, "name": value.name}
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return list(value)
    return value if isinstance(value, bool | int | float | str) else str(value)


def _diff(obj, fields: Iterable[str], values: Mapping[str, Any]) -> dict[str, list]:
    changes = {}
    for name in fields:
        if name not in values:
            continue
        old, new = getattr(obj, name), values[name]
        if _plain(old) != _plain(new):
            changes[name] = [_plain(old), _plain(new)]
    return changes


def _check_scope(plan: ImplementationPlan, site: Site | None, team: Team | None) -> None:
    org_id = plan.organization_id
    if site is not None and site.organization_id != org_id:
        raise ValidationError({"site": _("Choose a site of this organization.")})
    if team is not None:
        if team.site.organization_id != org_id:
            raise ValidationError({"team": _("Choose a team of this organization.")})
        if site is not None and team.site_id != site.pk:
            raise ValidationError({"team": _("This team is not at the chosen site.")})


def _check_owner(plan: ImplementationPlan, owner: User | None) -> None:
    if owner is not None and not owner.memberships.filter(organization=plan.organization).exists():
        raise ValidationError({"owner": _("The owner must be a member of this organization.")})


def _check_factors(factors: Iterable[str]) -> list[str]:
    kb = load_knowledge_base()
    known = {f.code for f in kb.factors}
    factors = list(dict.fromkeys(factors))
    unknown = [f for f in factors if f not in known]
    if unknown:
        raise ValidationError({"factors": _("Unknown factor: %s") % ", ".join(unknown)})
    return factors


def _check_completion(values: dict[str, Any]) -> None:
    """Done needs evidence of completion and a completion date (today by default)."""
    if values.get("status") == ActionStatus.DONE:
        if not (values.get("completion_evidence") or "").strip():
            raise ValidationError(
                {
                    "completion_evidence": _(
                        "Describe the evidence of completion before marking the action done."
                    )
                }
            )
        if not values.get("completed_on"):
            values["completed_on"] = timezone.localdate()
    else:
        values["completed_on"] = None


@transaction.atomic
def create_plan(*, actor: User, organization: Organization, title: str = "") -> ImplementationPlan:
    if not actor.has_perm("planning.manage_plan", organization):
        raise PermissionDenied
    plan, created = ImplementationPlan.objects.get_or_create(
        organization=organization,
        defaults={
            "title": title or _("Implementation plan: %(org)s") % {"org": organization.name},
            "created_by": actor,
        },
    )
    if created:
        for order, code in enumerate(DefaultPhase.values):
            PlanPhase.objects.create(plan=plan, code=code, order=order)
        audit.record(actor=actor, action="planning.plan_created", obj=plan)
    return plan


@transaction.atomic
def add_phase(*, actor: User, plan: ImplementationPlan, name: str) -> PlanPhase:
    if not actor.has_perm("planning.manage_plan", plan.organization):
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError({"custom_name": _("Enter a name for the phase.")})
    if any(p.name.casefold() == name.casefold() for p in plan.phases.all()):
        raise ValidationError({"custom_name": _("The plan already has a phase with this name.")})
    last = plan.phases.order_by("-order").first()
    phase = PlanPhase.objects.create(
        plan=plan, custom_name=name, order=(last.order + 1) if last else 0
    )
    PlanChange.objects.create(
        plan=plan, kind="phase_added", changes={"phase": [None, name]}, actor=actor
    )
    audit.record(actor=actor, action="planning.phase_added", obj=plan, details={"phase": phase.pk})
    return phase


def _clean_action_values(plan: ImplementationPlan, values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    phase = values.get("phase")
    if phase is not None and phase.plan_id != plan.pk:
        raise ValidationError({"phase": _("Choose a phase of this plan.")})
    _check_scope(plan, values.get("site"), values.get("team"))
    if "owner" in values:
        _check_owner(plan, values["owner"])
    if "factors" in values:
        values["factors"] = _check_factors(values["factors"] or [])
    if values.get("strategy"):
        try:
            load_knowledge_base().strategy(values["strategy"])
        except KeyError as exc:
            raise ValidationError({"strategy": _("Unknown strategy.")}) from exc
    if not (values.get("title") or "").strip():
        raise ValidationError({"title": _("Enter what the action is.")})
    _check_completion(values)
    return values


@transaction.atomic
def create_action(*, actor: User, plan: ImplementationPlan, **values: Any) -> PlanAction:
    if not actor.has_perm("planning.manage_plan", plan.organization):
        raise PermissionDenied
    values = _clean_action_values(plan, {"status": ActionStatus.NOT_STARTED, **values})
    unknown = set(values) - set(ACTION_FIELDS) - {"source_wave"}
    if unknown:
        raise TypeError(f"unknown action fields: {sorted(unknown)}")
    action = PlanAction.objects.create(plan=plan, created_by=actor, **values)
    created = {name: [None, _plain(getattr(action, name))] for name in ACTION_FIELDS}
    PlanChange.objects.create(
        plan=plan,
        action=action,
        kind="created",
        changes={k: v for k, v in created.items() if v[1] not in (None, "", [])},
        actor=actor,
    )
    audit.record(
        actor=actor,
        action="planning.action_created",
        obj=action,
        details={"strategy": action.strategy, "from_wave": action.source_wave_id},
    )
    return action


def _save_changes(
    *, actor: User, action: PlanAction, fields: Iterable[str], values: dict[str, Any]
) -> PlanAction:
    changes = _diff(action, fields, values)
    if not changes:
        return action
    for name in changes:
        setattr(action, name, values[name])
    action.updated_at = timezone.now()
    action.save()
    PlanChange.objects.create(
        plan=action.plan, action=action, kind="updated", changes=changes, actor=actor
    )
    audit.record(
        actor=actor,
        action="planning.action_updated",
        obj=action,
        details={"fields": sorted(changes), "status": action.status},
    )
    return action


@transaction.atomic
def update_action(*, actor: User, action: PlanAction, **values: Any) -> PlanAction:
    """Every field: organization-wide managers, or managers over the action's site or team."""
    if not actor.has_perm("planning.change_action", action):
        raise PermissionDenied
    action = PlanAction.objects.select_for_update().get(pk=action.pk)
    merged = {name: getattr(action, name) for name in ACTION_FIELDS} | values
    if "owner" not in values:
        merged.pop("owner")
    cleaned = _clean_action_values(action.plan, merged)
    if not actor.has_perm("planning.manage_plan", action.plan.organization):
        # A site manager keeps the action inside a place they manage.
        probe = PlanAction(plan=action.plan, site=cleaned.get("site"), team=cleaned.get("team"))
        if not actor.has_perm("planning.change_action", probe):
            raise ValidationError(
                {"team": _("You can only place the action in a site or team you manage.")}
            )
    return _save_changes(actor=actor, action=action, fields=ACTION_FIELDS, values=cleaned)


@transaction.atomic
def update_progress(*, actor: User, action: PlanAction, **values: Any) -> PlanAction:
    """Status, notes and evidence of completion: the action's owner or its managers."""
    if not actor.has_perm("planning.update_action_progress", action):
        raise PermissionDenied
    unknown = set(values) - set(PROGRESS_FIELDS)
    if unknown:
        raise TypeError(f"not progress fields: {sorted(unknown)}")
    action = PlanAction.objects.select_for_update().get(pk=action.pk)
    merged = {name: getattr(action, name) for name in PROGRESS_FIELDS} | values
    _check_completion(merged)
    return _save_changes(actor=actor, action=action, fields=PROGRESS_FIELDS, values=merged)


def _phase_for(plan: ImplementationPlan, code: str) -> PlanPhase:
    phase = plan.phases.filter(code=code).first()
    return phase or plan.phases.order_by("order").first()


@transaction.atomic
def add_recommended(
    *,
    actor: User,
    plan: ImplementationPlan,
    strategy: str,
    factors: Iterable[str],
    team: Team | None,
    wave=None,
    lang: str = "en",
) -> tuple[PlanAction, bool]:
    """An action from a recommendation, or the open action already covering it.

    Returns (action, created). The same strategy for the same scope is never added twice
    while an earlier action for it is still open or done.
    """
    if not actor.has_perm("planning.manage_plan", plan.organization):
        raise PermissionDenied
    kb = load_knowledge_base()
    try:
        item = kb.strategy(strategy)
    except KeyError as exc:
        raise ValidationError({"strategy": _("Unknown strategy.")}) from exc
    if wave is not None and wave.organization_id != plan.organization_id:
        raise ValidationError({"wave": _("The wave belongs to another organization.")})
    # The plan's row is locked first: two requests adding the same recommendation run one
    # after the other, and the second finds the first's action.
    ImplementationPlan.objects.select_for_update().filter(pk=plan.pk).first()
    existing = (
        plan.actions.filter(strategy=strategy, team=team, site=None)
        .exclude(status=ActionStatus.CANCELLED)
        .first()
    )
    if existing is not None:
        return existing, False
    action = create_action(
        actor=actor,
        plan=plan,
        phase=_phase_for(plan, item.phase),
        title=item.name.get(lang),
        strategy=strategy,
        description=item.description.get(lang),
        factors=list(factors),
        team=team,
        source_wave=wave,
    )
    return action, True


@transaction.atomic
def save_milestone(
    *, actor: User, plan: ImplementationPlan, milestone: Milestone | None = None, **values: Any
) -> Milestone:
    if not actor.has_perm("planning.manage_plan", plan.organization):
        raise PermissionDenied
    phase = values.get("phase")
    if phase is not None and phase.plan_id != plan.pk:
        raise ValidationError({"phase": _("Choose a phase of this plan.")})
    if not (values.get("title") or "").strip():
        raise ValidationError({"title": _("Enter the milestone.")})
    if milestone is None:
        milestone = Milestone.objects.create(plan=plan, **values)
        changes = {k: [None, _plain(v)] for k, v in values.items() if v not in (None, "")}
        kind = "created"
    else:
        if milestone.plan_id != plan.pk:
            raise PermissionDenied
        # Locked and read again: the history records what was there before.
        milestone.refresh_from_db(from_queryset=Milestone.objects.select_for_update())
        changes = _diff(milestone, MILESTONE_FIELDS, values)
        if not changes:
            return milestone
        for name in changes:
            setattr(milestone, name, values[name])
        milestone.save()
        kind = "updated"
    PlanChange.objects.create(
        plan=plan, milestone=milestone, kind=kind, changes=changes, actor=actor
    )
    audit.record(
        actor=actor,
        action=f"planning.milestone_{kind}",
        obj=milestone,
        details={"fields": sorted(changes)},
    )
    return milestone


@transaction.atomic
def update_gate(*, actor: User, plan: ImplementationPlan, **values: Any) -> ImplementationPlan:
    if not actor.has_perm("planning.manage_plan", plan.organization):
        raise PermissionDenied
    scenario = values.get("capacity_scenario")
    if scenario is not None and scenario.organization_id != plan.organization_id:
        raise ValidationError({"capacity_scenario": _("Choose a scenario of this organization.")})
    # Read again on the locked row (docs/decisions.md, "Simultaneous writes"): the change
    # history records what was there before, not what a page showed earlier.
    plan.refresh_from_db(from_queryset=ImplementationPlan.objects.select_for_update())
    changes = _diff(plan, GATE_FIELDS, values)
    if not changes:
        return plan
    for name in changes:
        setattr(plan, name, values[name])
    plan.updated_at = timezone.now()
    plan.full_clean(exclude=["organization", "created_by", "leadership_commitment_by"])
    plan.save()
    PlanChange.objects.create(plan=plan, kind="gate_updated", changes=changes, actor=actor)
    audit.record(
        actor=actor, action="planning.gate_updated", obj=plan, details={"fields": sorted(changes)}
    )
    return plan


@transaction.atomic
def record_leadership(
    *, actor: User, plan: ImplementationPlan, on: dt.date | None, note: str
) -> ImplementationPlan:
    """Record (or, with no date, withdraw) the leadership commitment the gate asks for."""
    if not actor.has_perm("planning.manage_plan", plan.organization):
        raise PermissionDenied
    note = note.strip()
    if on is not None and not note:
        raise ValidationError(
            {"leadership_commitment_note": _("Say how leadership committed, e.g. a board motion.")}
        )
    if on is not None and on > timezone.localdate():
        raise ValidationError({"leadership_commitment_on": _("The date cannot be in the future.")})
    values = {
        "leadership_commitment_on": on,
        "leadership_commitment_note": note if on else "",
        "leadership_commitment_by": actor if on else None,
    }
    # Read again on the locked row (docs/decisions.md, "Simultaneous writes"): the change
    # history records what was there before, not what a page showed earlier.
    plan.refresh_from_db(from_queryset=ImplementationPlan.objects.select_for_update())
    changes = _diff(plan, values, values)
    if not changes:
        return plan
    for name, value in values.items():
        setattr(plan, name, value)
    plan.updated_at = timezone.now()
    plan.save()
    PlanChange.objects.create(plan=plan, kind="leadership", changes=changes, actor=actor)
    audit.record(
        actor=actor,
        action="planning.leadership_recorded" if on else "planning.leadership_withdrawn",
        obj=plan,
    )
    return plan

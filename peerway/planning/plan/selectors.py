"""Reads of the implementation plan: actions with filters, progress by phase, overdue and
at-risk actions, and the change in targeted factors after a later wave."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from peerway.core.models import Organization

from ..models import (
    ActionStatus,
    ImplementationPlan,
    Milestone,
    PlanAction,
    PlanChange,
    PlanPhase,
)

VIEWS = ("all", "open", "overdue", "at_risk", "mine", "done")


def plan_for(organization: Organization) -> ImplementationPlan | None:
    return ImplementationPlan.objects.filter(organization=organization).first()


def actions_for(plan: ImplementationPlan) -> QuerySet[PlanAction]:
    return plan.actions.select_related(
        "phase", "owner", "site", "team__site", "plan__organization", "source_wave"
    ).order_by("phase__order", "phase__pk", "due_on", "pk")


def get_action(plan: ImplementationPlan | None, pk: int) -> PlanAction:
    action = actions_for(plan).filter(pk=pk).first() if plan else None
    if action is None:
        raise Http404
    return action


def get_milestone(plan: ImplementationPlan | None, pk: int) -> Milestone:
    milestone = plan.milestones.filter(pk=pk).first() if plan else None
    if milestone is None:
        raise Http404
    return milestone


def filter_actions(
    actions: list[PlanAction], *, view: str, user, today: dt.date, phase: int | None = None
) -> list[PlanAction]:
    if phase is not None:
        actions = [a for a in actions if a.phase_id == phase]
    if view == "open":
        return [a for a in actions if a.is_open]
    if view == "overdue":
        return [a for a in actions if a.is_overdue(today)]
    if view == "at_risk":
        return [a for a in actions if a.is_at_risk(today)]
    if view == "mine":
        return [a for a in actions if a.owner_id == user.pk]
    if view == "done":
        return [a for a in actions if a.status == ActionStatus.DONE]
    return actions


@dataclass(frozen=True)
class PhaseProgress:
    phase: PlanPhase
    total: int  # cancelled actions left out
    done: int
    in_progress: int
    blocked: int
    not_started: int
    overdue: int
    cancelled: int

    @property
    def percent_done(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None


def progress_by_phase(
    plan: ImplementationPlan, actions: list[PlanAction], today: dt.date
) -> list[PhaseProgress]:
    rows = []
    for phase in plan.phases.all():
        mine = [a for a in actions if a.phase_id == phase.pk]
        live = [a for a in mine if a.status != ActionStatus.CANCELLED]

        def count(status, live=live):
            return sum(1 for a in live if a.status == status)

        rows.append(
            PhaseProgress(
                phase=phase,
                total=len(live),
                done=count(ActionStatus.DONE),
                in_progress=count(ActionStatus.IN_PROGRESS),
                blocked=count(ActionStatus.BLOCKED),
                not_started=count(ActionStatus.NOT_STARTED),
                overdue=sum(1 for a in live if a.is_overdue(today)),
                cancelled=len(mine) - len(live),
            )
        )
    return rows


def history(plan: ImplementationPlan, *, action: PlanAction | None = None) -> QuerySet:
    changes = PlanChange.objects.filter(plan=plan).select_related("actor", "action", "milestone")
    if action is not None:
        changes = changes.filter(action=action)
    return changes.order_by("-at", "-pk")


def today() -> dt.date:
    return timezone.localdate()


# --- change in targeted factors after a later wave --------------------------------------


@dataclass(frozen=True)
class FactorChange:
    factor: str
    name: dict
    before: float | None  # None: not shown (anonymity) or not measured
    after: float | None
    after_classification: str | None

    @property
    def difference(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)


@dataclass(frozen=True)
class ActionFactorChanges:
    baseline: object  # Wave
    later: object  # Wave
    rows: tuple[FactorChange, ...]


def _closed_waves(organization) -> list:
    from peerway.assessments.models import Wave

    waves = Wave.objects.filter(organization=organization).order_by("closes_on", "pk")
    return [w for w in waves if w.status() == "closed"]


def _group(profile, action: PlanAction, wave_team_ids: set[int]):
    """The action's scope in a wave: its team, else its site, else the organization."""
    try:
        if action.team_id and action.team_id in wave_team_ids:
            return profile.for_team(action.team_id)
        if action.team_id:
            return profile.for_site(action.team.site_id)
        if action.site_id:
            return profile.for_site(action.site_id)
        return profile.for_organization()
    except KeyError:
        return None


def factor_changes(action: PlanAction, waves: list | None = None) -> ActionFactorChanges | None:
    """Targeted factors in the action's baseline wave and in the latest later closed wave.

    Baseline: the wave the action was recommended from, else the last wave closed before
    the action was created. Figures come from the barrier profiles, so a group hidden to
    protect anonymity shows no figure on either side.
    """
    from peerway.assessments import reports

    if not action.factors:
        return None
    waves = waves if waves is not None else _closed_waves(action.plan.organization)
    created = timezone.localdate(action.created_at)
    baseline = action.source_wave
    if baseline is None or baseline not in waves:
        earlier = [w for w in waves if w.closes_on <= created]
        baseline = earlier[-1] if earlier else None
    if baseline is None:
        return None
    later = [w for w in waves if (w.closes_on, w.pk) > (baseline.closes_on, baseline.pk)]
    if not later:
        return None
    after_wave = later[-1]
    before_profile = reports.wave_barriers(baseline)
    after_profile = reports.wave_barriers(after_wave)
    before_group = _group(before_profile, action, set(baseline.teams.values_list("pk", flat=True)))
    after_group = _group(after_profile, action, set(after_wave.teams.values_list("pk", flat=True)))
    if before_group is None or after_group is None:
        return ActionFactorChanges(baseline, after_wave, ())
    rows = []
    for code in action.factors:
        try:
            b = before_group.factor(code)
            a = after_group.factor(code)
        except KeyError:
            continue
        rows.append(
            FactorChange(
                factor=code,
                name=dict(a.name or b.name),
                before=round(b.mean, 2) if b.shown and b.mean is not None else None,
                after=round(a.mean, 2) if a.shown and a.mean is not None else None,
                after_classification=a.classification if a.shown else None,
            )
        )
    return ActionFactorChanges(baseline, after_wave, tuple(rows))


def strategies_in_plan(
    plan: ImplementationPlan | None,
) -> tuple[set[str], dict[int, set[str]]]:
    """Strategies of live (not cancelled) actions: at any scope, and per team the ones that
    apply to it (organization-wide, at its site, or for the team itself)."""
    from peerway.core.models import Team

    if plan is None:
        return set(), {}
    live = list(
        plan.actions.exclude(status=ActionStatus.CANCELLED)
        .exclude(strategy="")
        .values_list("strategy", "site_id", "team_id")
    )
    anywhere = {s for s, _site, _team in live}
    org_wide = {s for s, site, team in live if site is None and team is None}
    per_team: dict[int, set[str]] = {}
    for team_id, site_id in Team.objects.filter(
        site__organization_id=plan.organization_id
    ).values_list("pk", "site_id"):
        per_team[team_id] = org_wide | {
            s for s, site, team in live if team == team_id or (team is None and site == site_id)
        }
    return anywhere, per_team

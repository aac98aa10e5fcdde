"""What the home page shows from the implementation plan: the reader's own open actions,
and for organization-wide managers the overdue and at-risk counts."""

from __future__ import annotations

from . import selectors


def home_context(user, organization) -> dict:
    if not user.has_perm("planning.view_plan", organization):
        return {}
    plan = selectors.plan_for(organization)
    if plan is None:
        return {}
    today = selectors.today()
    actions = list(selectors.actions_for(plan))
    mine = [a for a in actions if a.owner_id == user.pk and a.is_open]
    context = {"plan_home": True, "plan_mine": mine[:6], "plan_mine_count": len(mine)}
    if user.has_perm("planning.manage_plan", organization):
        context["plan_overdue"] = sum(1 for a in actions if a.is_overdue(today))
        context["plan_at_risk"] = sum(1 for a in actions if a.is_at_risk(today))
        context["plan_manager"] = True
    return context if (mine or context.get("plan_manager")) else {}

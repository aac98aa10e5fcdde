"""Navigation by role: each entry appears only for users holding a role that uses it."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def navigation_for(user) -> list[NavItem]:
    from .permissions import _memberships

    memberships = _memberships(user)
    items = [NavItem(_("Home"), reverse("core:home"))]
    # roles anywhere in the organization, and roles held organization-wide
    orgs: dict[int, tuple[str, set[str], set[str]]] = {}
    for m in memberships:
        slug, roles, org_wide = orgs.setdefault(
            m.organization_id, (m.organization.slug, set(), set())
        )
        roles.add(m.role)
        if m.scope == "organization":
            org_wide.add(m.role)
    for slug, roles, org_wide in orgs.values():
        items.append(NavItem(_("Sites and teams"), reverse("core:structure", args=[slug])))
        if org_wide & {Role.MANAGER, Role.EVALUATOR}:
            items.append(NavItem(_("Readiness surveys"), reverse("assessments:waves", args=[slug])))
        items.append(NavItem(_("Questionnaires"), reverse("assessments:instruments", args=[slug])))
        items.append(NavItem(_("Evidence library"), reverse("knowledge:library", args=[slug])))
        if roles - {Role.ADMIN}:
            items.append(NavItem(_("Peer role"), reverse("planning:role_list", args=[slug])))
        if roles & {Role.MANAGER, Role.SUPERVISOR, Role.EVALUATOR}:
            items.append(
                NavItem(_("Capacity planner"), reverse("planning:capacity_scenarios", args=[slug]))
            )
        if roles & {Role.MANAGER, Role.SUPERVISOR, Role.PEER_WORKER, Role.EVALUATOR}:
            items.append(NavItem(_("Implementation plan"), reverse("planning:plan", args=[slug])))
        if roles & {Role.MANAGER, Role.SUPERVISOR, Role.HR}:
            items.append(NavItem(_("Peer workforce"), reverse("workforce:overview", args=[slug])))
        if roles & {Role.MANAGER, Role.SUPERVISOR, Role.EVALUATOR, Role.PEER_WORKER}:
            items.append(NavItem(_("Dashboards"), reverse("indicators:index", args=[slug])))
        if roles & {Role.MANAGER, Role.EVALUATOR}:
            items.append(
                NavItem(_("Outcome evaluation"), reverse("evaluation:outcomes", args=[slug]))
            )
            items.append(
                NavItem(
                    _("Leadership and funder reports"), reverse("evaluation:reports", args=[slug])
                )
            )
        if roles & {Role.MANAGER, Role.SUPERVISOR}:
            items.append(
                NavItem(_("Hospital events"), reverse("hospital:suggestions", args=[slug]))
            )
        if Role.PEER_WORKER in roles:
            items.append(NavItem(_("My caseload"), reverse("contacts:caseload", args=[slug])))
        if Role.PEER_WORKER in roles:
            items.append(NavItem(_("My profile"), reverse("workforce:me", args=[slug])))
        if roles & {Role.MANAGER, Role.SUPERVISOR, Role.PEER_WORKER}:
            items.append(NavItem(_("Outcome measures"), reverse("outcomes:due", args=[slug])))
        if roles & {Role.MANAGER, Role.SUPERVISOR, Role.CLINICIAN, Role.PEER_WORKER}:
            items.append(NavItem(_("Recovery plans"), reverse("recovery:plans", args=[slug])))
        if roles & {Role.MANAGER, Role.SUPERVISOR, Role.PEER_WORKER}:
            items.append(
                NavItem(_("Boundary and risk events"), reverse("recovery:events", args=[slug]))
            )
        if roles & {Role.MANAGER, Role.SUPERVISOR}:
            items.append(NavItem(_("Safety queue"), reverse("outcomes:safety_tasks", args=[slug])))
        if roles & {Role.MANAGER, Role.SUPERVISOR, Role.CLINICIAN, Role.PEER_WORKER}:
            items.append(NavItem(_("People supported"), reverse("support:people", args=[slug])))
            items.append(NavItem(_("Referrals"), reverse("support:referrals", args=[slug])))
        if roles & {Role.MANAGER, Role.SUPERVISOR}:
            items.append(NavItem(_("Matching"), reverse("support:matching", args=[slug])))
        if roles & {Role.MANAGER, Role.ADMIN}:
            items.append(NavItem(_("People and access"), reverse("core:people", args=[slug])))
        if org_wide & {Role.MANAGER, Role.ADMIN}:
            items.append(NavItem(_("Security settings"), reverse("core:security", args=[slug])))
        if org_wide & {Role.EVALUATOR, Role.MANAGER, Role.ADMIN}:
            items.append(
                NavItem(_("De-identified exports"), reverse("research:exports", args=[slug]))
            )
        if Role.ADMIN in org_wide:
            items.append(NavItem(_("Audit trail"), reverse("core:audit", args=[slug])))
        break  # one organization at a time in the menu; others are reached from home
    return items

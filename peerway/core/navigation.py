"""Navigation: a link appears only when its page would open for the user.

Each entry names a page; the menu asks the same `rules` permission that page declares
(``peerway.core.access.requires``) over the organization the link is for. A link that
would answer 403 is never shown (tests/core/test_navigation_links.py follows every link
for every role).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.urls import resolve, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


# (label, URL name taking the organization's short name), in menu order.
ORGANIZATION_PAGES = [
    (_("Sites and teams"), "core:structure"),
    (_("Readiness surveys"), "assessments:waves"),
    (_("Questionnaires"), "assessments:instruments"),
    (_("Evidence library"), "knowledge:library"),
    (_("Peer role"), "planning:role_list"),
    (_("Capacity planner"), "planning:capacity_scenarios"),
    (_("Implementation plan"), "planning:plan"),
    (_("Peer workforce"), "workforce:overview"),
    (_("Dashboards"), "indicators:index"),
    (_("Outcome evaluation"), "evaluation:outcomes"),
    (_("Leadership and funder reports"), "evaluation:reports"),
    (_("Hospital events"), "hospital:suggestions"),
    (_("My caseload"), "contacts:caseload"),
    (_("My profile"), "workforce:me"),
    (_("Outcome measures"), "outcomes:due"),
    (_("Recovery plans"), "recovery:plans"),
    (_("Boundary and risk events"), "recovery:events"),
    (_("Safety queue"), "outcomes:safety_tasks"),
    (_("People supported"), "support:people"),
    (_("Referrals"), "support:referrals"),
    (_("Matching"), "support:matching"),
    (_("People and access"), "core:people"),
    (_("Security settings"), "core:security"),
    (_("De-identified exports"), "research:exports"),
    (_("Audit trail"), "core:audit"),
]


@cache
def permission_of(url_name: str) -> str:
    """The permission the page behind a URL name declares (organization pages)."""
    view = resolve(reverse(url_name, args=["x"])).func
    permission = getattr(view, "peerway_permission", None)
    if not permission:
        raise LookupError(f"{url_name} declares no permission")
    return permission


def may_open(user, url_name: str, organization) -> bool:
    return user.has_perm(permission_of(url_name), organization)


def navigation_for(user) -> list[NavItem]:
    from .permissions import _memberships

    items = [NavItem(_("Home"), reverse("core:home"))]
    memberships = _memberships(user)
    if not memberships:
        return items
    # One organization at a time in the menu; others are reached from home.
    organization = memberships[0].organization
    for label, url_name in ORGANIZATION_PAGES:
        if may_open(user, url_name, organization):
            items.append(NavItem(label, reverse(url_name, args=[organization.slug])))
    return items

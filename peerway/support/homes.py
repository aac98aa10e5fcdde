"""What the home page shows from the service: a clinician's referrals and where each
stands, the matching queue for supervisors and managers, and a peer worker's offers."""

from __future__ import annotations

from peerway.core.models import Team
from peerway.core.permissions import roles_anywhere_in, team_filter_for
from peerway.core.roles import Role

from . import matching_service
from .models import OPEN_STATES, PeerRelationship, Referral, ReferralState


def home_context(user, organization) -> dict:
    roles = roles_anywhere_in(user, organization)
    context: dict = {}
    if Role.CLINICIAN in roles:
        context["service_referrals"] = list(
            Referral.objects.filter(referred_by=user, person__organization=organization)
            .exclude(state=ReferralState.CLOSED)
            .select_related("person", "team")
            .order_by("-created_at")[:8]
        )
        context["service_clinician"] = True
    if roles & {Role.MANAGER, Role.SUPERVISOR}:
        teams = Team.objects.filter(
            team_filter_for(user, {Role.MANAGER, Role.SUPERVISOR}),
            site__organization=organization,
        )
        context["matching_waiting"] = Referral.objects.filter(
            team__in=teams, state__in=OPEN_STATES
        ).count()
        context["service_lead"] = True
    if Role.PEER_WORKER in roles:
        context["service_offers"] = [
            m
            for m in matching_service.offers_for(user)
            if m.referral.person.organization_id == organization.pk
        ]
        context["service_caseload"] = PeerRelationship.objects.filter(
            worker=user, ended_on__isnull=True, person__organization=organization
        ).count()
        context["service_peer"] = True
    return context

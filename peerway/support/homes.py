"""What the home page shows from the service: a clinician's referrals and where each
stands, the matching queue for supervisors and managers, and a peer worker's offers."""

from __future__ import annotations

from peerway.core.models import Team
from peerway.core.permissions import roles_anywhere_in, team_filter_for
from peerway.core.roles import Role

from . import matching_service, selectors
from .models import OPEN_STATES, PeerRelationship, Referral, ReferralState


def home_context(user, organization) -> dict:
    roles = roles_anywhere_in(user, organization)
    context: dict = {}
    if Role.CLINICIAN in roles:
        context["service_referrals"] = selectors.referral_list(
            Referral.objects.filter(referred_by=user, person__organization=organization)
            .exclude(state=ReferralState.CLOSED)
            .select_related("person", "team"),
            organization,
            limit=8,
        )
        context["service_clinician"] = True
    if roles & {Role.MANAGER, Role.SUPERVISOR}:
        teams = Team.objects.filter(
            team_filter_for(user, {Role.MANAGER, Role.SUPERVISOR}),
            site__organization=organization,
        )
        led = Referral.objects.filter(team__in=teams)
        context["matching_waiting"] = led.filter(state__in=OPEN_STATES).count()
        context["waiting_consent"] = led.filter(state=ReferralState.AWAITING_CONSENT).count()
        # Referrals past their response target with no first contact yet (docs/service.md).
        context["referrals_overdue"] = led.filter(
            selectors.overdue_q(selectors.response_targets(organization))
        ).count()
        context["can_manage_response_targets"] = user.has_perm(
            "support.manage_settings", organization
        )
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
        context["service_to_log"] = people_to_log(user, organization)
        context["service_draft_prefix"] = f"peerway-draft:contact:{user.pk}:"
    return context


# A person in the caseload with no contact for this many days is listed as "to contact".
TO_LOG_AFTER_DAYS = 14


def people_to_log(user, organization) -> list:
    """People in the worker's caseload with no contact logged for TO_LOG_AFTER_DAYS days
    (or none yet), longest first. Reads only this worker's contacts for these people."""
    from datetime import timedelta

    from django.db.models import Max
    from django.utils import timezone

    from .models import Contact

    relationships = list(
        PeerRelationship.objects.filter(
            worker=user, ended_on__isnull=True, person__organization=organization
        ).select_related("person")
    )
    people = [r.person for r in relationships]
    last = dict(
        Contact.objects.filter(worker=user, people__in=people)
        .values("people")
        .annotate(last=Max("date"))
        .values_list("people", "last")
    )
    cutoff = timezone.localdate() - timedelta(days=TO_LOG_AFTER_DAYS)
    due = [(p, last.get(p.pk)) for p in people if last.get(p.pk) is None or last[p.pk] < cutoff]
    due.sort(key=lambda item: (item[1] is not None, item[1] or cutoff, item[0].code))
    return due

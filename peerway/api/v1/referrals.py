"""Referrals: create, list, read (audited) and move through their states."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from peerway.core.models import Team
from peerway.support import selectors, services
from peerway.support.models import ReferralSource, ReferralState, Urgency
from peerway.support.views import _sources_for, referral_teams

from .access import requires
from .common import (
    MAX_ID,
    Page,
    PageParams,
    PathId,
    PlaceOut,
    RecordId,
    answers,
    date_range,
    organization,
    paginate,
    place_filter,
)

router = Router(tags=["referrals"])

BY_MATCHING = (
    ReferralState.OFFERED,
    ReferralState.ACCEPTED,
    ReferralState.FIRST_CONTACT,
    ReferralState.ACTIVE,
)


def referral_by_id(request, slug: str, referral_id: PathId, **_kwargs):
    return selectors.get_referral(request.user, organization(request, slug), referral_id)


class EventOut(Schema):
    state: str
    at: dt.datetime


class ReferralOut(Schema):
    id: int
    person: str = Field(description="The person's code.")
    team: PlaceOut
    source: str
    urgency: str
    state: str = Field(description="One of: " + ", ".join(ReferralState.values))
    created_at: dt.datetime
    updated_at: dt.datetime
    due_at: dt.datetime = Field(description="When the first contact is due.")
    overdue: bool


class ReferralPage(Page):
    results: list[ReferralOut]


class ReferralDetailOut(ReferralOut):
    reason: str | None = Field(
        description="Only for those who manage the referral or made it, as on the page."
    )
    events: list[EventOut]


class ReferralFilters(PageParams):
    state: str | None = None
    team: RecordId | None = None
    site: RecordId | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None


def referral_out(referral) -> dict:
    return {
        "id": referral.pk,
        "person": referral.person.code,
        "team": {"id": referral.team_id, "name": referral.team.name},
        "source": referral.source,
        "urgency": referral.urgency,
        "state": referral.state,
        "created_at": referral.created_at,
        "updated_at": referral.updated_at,
        "due_at": referral.due_at,
        "overdue": referral.is_overdue,
    }


@router.get(
    "/o/{slug}/referrals", response=answers(ReferralPage), summary="Referrals the caller follows"
)
@requires(
    "support.use_service",
    obj=organization,
    no_record="a list of codes, teams and states, as the referrals page",
)
def list_referrals(request, slug: str, filters: Query[ReferralFilters]):
    org = request.permission_object
    date_range(filters.created_from, filters.created_to, ("created_from", "created_to"))
    found = selectors.referrals_for(request.user, org)
    if filters.state:
        found = found.filter(state=filters.state)
    found = place_filter(found, team=filters.team, site=filters.site)
    if filters.created_from:
        found = found.filter(created_at__date__gte=filters.created_from)
    if filters.created_to:
        found = found.filter(created_at__date__lte=filters.created_to)
    targets = selectors.response_targets(org)

    def convert(referral):
        selectors.with_due_times([referral], targets)
        return referral_out(referral)

    return paginate(found.order_by("-created_at", "-pk"), filters, convert)


def detail(request, referral) -> dict:
    targets = selectors.response_targets(referral.person.organization)
    selectors.with_due_times([referral], targets)
    can_manage = request.user.has_perm("support.manage_referrals", referral)
    return {
        **referral_out(referral),
        "reason": referral.reason
        if can_manage or referral.referred_by_id == request.user.pk
        else None,
        "events": [{"state": e.state, "at": e.at} for e in referral.events.order_by("at", "pk")],
    }


@router.get(
    "/o/{slug}/referrals/{referral_id}", response=answers(ReferralDetailOut), summary="A referral"
)
@requires("support.view_referral", obj=referral_by_id, audit_read="support.referral_viewed")
def get_referral(request, slug: str, referral_id: PathId):
    return detail(request, request.permission_object)


class ReferralIn(Schema):
    team: int = Field(description="The team referred to.", ge=1, le=MAX_ID)
    source: str = Field(description="One of: " + ", ".join(ReferralSource.values[:3]))
    urgency: str = Field(Urgency.ROUTINE, description="routine, soon or urgent")
    reason: str = ""
    person: str | None = Field(None, description="Code of a known person; omit for someone new.")
    name: str = Field("", description="Optional, for someone new; stored encrypted.")
    year_of_birth: int | None = None
    language: str = "en"
    consent_given: bool = Field(False, description="The person agreed to be contacted.")
    consent_decided_on: dt.date | None = None


@router.post(
    "/o/{slug}/referrals", response=answers({201: ReferralDetailOut}), summary="Refer someone"
)
@requires(
    "support.use_service",
    obj=organization,
    no_record="a write; the referral service audits it",
)
def create_referral(request, slug: str, payload: ReferralIn):
    org = request.permission_object
    # The same teams and sources as the referral form offers the caller.
    teams = {t.pk: t for t in referral_teams(request.user, org)}
    if payload.team not in teams:
        if Team.objects.filter(pk=payload.team, site__organization=org).exists():
            raise PermissionDenied
        raise ValidationError({"team": _("Choose one of your teams.")})
    if payload.source not in _sources_for(request.user, org):
        raise ValidationError({"source": _("Choose a referral source open to your role.")})
    person = None
    if payload.person:
        person = selectors.people_for(request.user, org).filter(code=payload.person.upper()).first()
        if person is None:
            raise ValidationError({"person": _("No person with this code is open to you.")})
    referral = services.create_referral(
        actor=request.user,
        team=teams[payload.team],
        source=payload.source,
        reason=payload.reason,
        urgency=payload.urgency,
        person=person,
        name=payload.name,
        year_of_birth=payload.year_of_birth,
        language=payload.language,
        consent_given=payload.consent_given,
        consent_decided_on=payload.consent_decided_on,
    )
    return Status(201, detail(request, referral))


class MoveIn(Schema):
    state: str = Field(description="triaged, closed, declined…: a move the referral allows")
    reason: str = Field("", description="Needed to decline or close.")


@router.post(
    "/o/{slug}/referrals/{referral_id}/state",
    response=answers(ReferralDetailOut),
    summary="Move a referral to its next state",
)
@requires(
    "support.manage_referrals",
    obj=referral_by_id,
    no_record="a write; the referral service audits it",
)
def move_referral(request, slug: str, referral_id: PathId, payload: MoveIn):
    if payload.state not in ReferralState.values:
        raise ValidationError({"state": _("Unknown state.")})
    if payload.state in BY_MATCHING:
        # As on the referral page: offers, answers and contacts move these.
        raise ValidationError(
            {"state": _("This state follows from matching, offers and contacts.")}
        )
    referral = services.move_referral(
        actor=request.user,
        referral=request.permission_object,
        state=payload.state,
        reason=payload.reason,
    )
    return detail(request, referral)

"""People supported: codes for lists, a person's record (audited) and their consent."""

import datetime as dt

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from peerway.support import selectors, services
from peerway.support.models import ConsentPurpose, PersonStatus

from .access import requires
from .common import (
    Page,
    PageParams,
    PlaceOut,
    RecordId,
    answers,
    date_range,
    organization,
    paginate,
    place_filter,
    site_out,
    team_out,
)

router = Router(tags=["people"])


def person_by_code(request, slug: str, code: str, **_kwargs):
    org = organization(request, slug)
    person = selectors.people_for(request.user, org).filter(code=code.upper()).first()
    if person is None:
        raise Http404
    return person


class PersonOut(Schema):
    code: str
    team: PlaceOut
    site: PlaceOut
    status: str = Field(description="One of: " + ", ".join(PersonStatus.values))
    created_at: dt.datetime


class PersonPage(Page):
    results: list[PersonOut]


class ConsentOut(Schema):
    purpose: str
    given: bool | None = Field(description="Latest decision; null: never asked.")
    decided_on: dt.date | None


class PersonDetailOut(PersonOut):
    name: str | None = Field(description="Only in a person's record, never in lists.")
    year_of_birth: int | None
    language: str
    consents: list[ConsentOut]
    referrals: list[int]


class PersonFilters(PageParams):
    status: str | None = Field(None, description="referred, active or closed")
    team: RecordId | None = None
    site: RecordId | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    code: str | None = None


def person_out(person) -> dict:
    return {
        "code": person.code,
        "team": team_out(person.team),
        "site": site_out(person.team.site),
        "status": person.status,
        "created_at": person.created_at,
    }


@router.get("/o/{slug}/people", response=answers(PersonPage), summary="People the caller may open")
@requires(
    "support.use_service",
    obj=organization,
    no_record="a list of codes, teams and statuses (no names), as the people page",
)
def list_people(request, slug: str, filters: Query[PersonFilters]):
    org = request.permission_object
    date_range(filters.created_from, filters.created_to, ("created_from", "created_to"))
    found = selectors.people_for(request.user, org)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.code:
        found = found.filter(code=filters.code.upper())
    found = place_filter(found, team=filters.team, site=filters.site)
    if filters.created_from:
        found = found.filter(created_at__date__gte=filters.created_from)
    if filters.created_to:
        found = found.filter(created_at__date__lte=filters.created_to)
    return paginate(found.order_by("team__name", "code"), filters, person_out)


@router.get(
    "/o/{slug}/people/{code}", response=answers(PersonDetailOut), summary="A person's record"
)
@requires("support.view_person", obj=person_by_code, audit_read="support.person_viewed")
def get_person(request, slug: str, code: str):
    person = request.permission_object
    consents = selectors.current_consents(person)
    return {
        **person_out(person),
        "name": person.name or None,
        "year_of_birth": person.year_of_birth,
        "language": person.language,
        "consents": [
            {
                "purpose": purpose,
                "given": record.given if record else None,
                "decided_on": record.decided_on if record else None,
            }
            for purpose, record in consents.items()
        ],
        "referrals": list(person.referrals.order_by("-created_at").values_list("pk", flat=True)),
    }


class ConsentIn(Schema):
    purpose: str = Field(description="One of: " + ", ".join(ConsentPurpose.values))
    given: bool
    decided_on: dt.date | None = Field(None, description="Defaults to today.")


@router.post(
    "/o/{slug}/people/{code}/consents",
    response=answers({201: ConsentOut}),
    summary="Record a consent decision",
)
@requires(
    "support.change_person",
    obj=person_by_code,
    no_record="a write; the consent service audits it",
)
def record_consent(request, slug: str, code: str, payload: ConsentIn):
    record = services.record_consent(
        actor=request.user,
        person=request.permission_object,
        purpose=payload.purpose,
        given=payload.given,
        decided_on=payload.decided_on,
    )
    return Status(
        201, {"purpose": record.purpose, "given": record.given, "decided_on": record.decided_on}
    )

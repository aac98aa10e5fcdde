"""Contacts: log, list, read (audited) and correct within the edit window."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from peerway.contacts import selectors, services
from peerway.contacts.permissions import edit_window
from peerway.core import selectors as core_selectors
from peerway.support.models import Contact

from .access import requires
from .common import (
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

router = Router(tags=["contacts"])


def contact_by_id(request, slug: str, contact_id: PathId, **_kwargs):
    return selectors.get_contact(request.user, organization(request, slug), contact_id)


class ContactOut(Schema):
    id: int
    team: PlaceOut
    people: list[str] = Field(description="Codes of the people who took part.")
    date: dt.date
    duration_minutes: int
    modality: str
    setting: str
    contact_type: str
    activities: list[str]
    chime: list[str]
    created_at: dt.datetime
    editable_until: dt.datetime = Field(description="End of the author's edit window.")


class ContactPage(Page):
    results: list[ContactOut]


class ContactDetailOut(ContactOut):
    note: str | None = Field(description="Only for readers allowed the note, as on the page.")


class ContactFilters(PageParams):
    team: RecordId | None = None
    site: RecordId | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def contact_out(contact, people=None) -> dict:
    """``people``: the contact's attendees when already in hand (else read)."""
    return {
        "id": contact.pk,
        "team": {"id": contact.team_id, "name": contact.team.name},
        "people": sorted(p.code for p in (contact.people.all() if people is None else people)),
        "date": contact.date,
        "duration_minutes": contact.duration_minutes,
        "modality": contact.modality,
        "setting": contact.setting,
        "contact_type": contact.contact_type,
        "activities": contact.activities,
        "chime": contact.chime,
        "created_at": contact.created_at,
        "editable_until": contact.created_at + edit_window(),
    }


def detail(request, contact, people=None) -> dict:
    return {
        **contact_out(contact, people),
        "note": contact.note if request.user.has_perm("contacts.read_note", contact) else None,
    }


@router.get(
    "/o/{slug}/contacts", response=answers(ContactPage), summary="Contacts the caller may open"
)
@requires(
    "core.view_structure",
    obj=organization,
    no_record="dates, types and codes of contacts the caller may open; never notes",
)
def list_contacts(request, slug: str, filters: Query[ContactFilters]):
    org = request.permission_object
    date_range(filters.date_from, filters.date_to, ("date_from", "date_to"))
    found = Contact.objects.filter(selectors.contacts_visible_q(request.user), organization=org)
    found = place_filter(found, team=filters.team, site=filters.site)
    if filters.date_from:
        found = found.filter(date__gte=filters.date_from)
    if filters.date_to:
        found = found.filter(date__lte=filters.date_to)
    found = found.select_related("team").prefetch_related("people").order_by("-date", "-pk")
    return paginate(found, filters, contact_out)


@router.get(
    "/o/{slug}/contacts/{contact_id}", response=answers(ContactDetailOut), summary="A contact"
)
@requires("contacts.view_contact", obj=contact_by_id, audit_read="contacts.contact_viewed")
def get_contact(request, slug: str, contact_id: PathId):
    return detail(request, request.permission_object)


class ContactIn(Schema):
    team: RecordId
    people: list[str] = Field(description="Codes of people in the caller's caseload there.")
    date: dt.date
    duration_minutes: int
    modality: str
    setting: str
    contact_type: str
    activities: list[str]
    chime: list[str] = []
    note: str = ""


class ContactPatch(Schema):
    people: list[str] | None = None
    date: dt.date | None = None
    duration_minutes: int | None = None
    modality: str | None = None
    setting: str | None = None
    contact_type: str | None = None
    activities: list[str] | None = None
    chime: list[str] | None = None
    note: str | None = None


def _people(request, org, codes: list[str]):
    from peerway.support.selectors import people_for

    codes = [c.upper() for c in codes]
    found = list(people_for(request.user, org).filter(code__in=codes))
    missing = sorted(set(codes) - {p.code for p in found})
    if missing:
        raise ValidationError(
            {"people": _("Unknown or not open to you: %(codes)s.") % {"codes": ", ".join(missing)}}
        )
    return found


@router.post(
    "/o/{slug}/contacts", response=answers({201: ContactDetailOut}), summary="Log a contact"
)
@requires(
    "contacts.view_caseload",
    obj=organization,
    no_record="a write; the contact service audits it",
)
def log_contact(request, slug: str, payload: ContactIn):
    org = request.permission_object
    team = core_selectors.team_for(request.user, org, payload.team)
    if team is None:
        raise ValidationError({"team": _("Choose one of your teams.")})
    data = payload.dict()
    data.pop("team")
    codes = data.pop("people")
    # The people of a new contact are the caller's caseload on the team (the service checks
    # it again): found there in one simple query; otherwise the wider lookup names what
    # is unknown or not open to the caller.
    wanted = {c.upper() for c in codes}
    people = list(selectors.caseload_people(request.user, team).filter(code__in=wanted))
    if len(people) != len(wanted):
        people = _people(request, org, codes)
    contact = services.log_contact(actor=request.user, team=team, people=people, **data)
    return Status(201, detail(request, contact, people))


@router.patch(
    "/o/{slug}/contacts/{contact_id}",
    response=answers(ContactDetailOut),
    summary="Correct a contact within the edit window",
)
@requires(
    "contacts.change_contact",
    obj=contact_by_id,
    no_record="a write; the contact service audits it",
)
def edit_contact(request, slug: str, contact_id: PathId, payload: ContactPatch):
    contact = request.permission_object
    changes = payload.dict(exclude_unset=True)
    people = None
    if "people" in changes:
        people = _people(request, contact.organization, changes.pop("people") or [])
    services.update_contact(actor=request.user, contact=contact, people=people, **changes)
    contact.refresh_from_db()
    return detail(request, contact)

"""Shared pieces of the API: organization lookup, pagination, filters, small schemas."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema

from peerway.core import selectors as core_selectors

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# Record ids and offsets fit a 32-bit signed integer in the schema, so an out-of-range
# number is refused as a named field (422), never passed on to the database.
MAX_ID = 2**31 - 1
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def organization(request, slug: str, **_kwargs):
    return core_selectors.get_organization(request.user, slug)


class PlaceOut(Schema):
    id: int
    name: str


class Page(Schema):
    count: int
    limit: int
    offset: int
    next_offset: int | None = Field(None, description="Offset of the next page; null at the end.")


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_ID)


def paginate(queryset, params: PageParams, convert) -> dict[str, Any]:
    count = queryset.count()
    rows = list(queryset[params.offset : params.offset + params.limit])
    end = params.offset + len(rows)
    return {
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
        "next_offset": end if end < count else None,
        "results": [convert(r) for r in rows],
    }


def date_range(first: dt.date | None, last: dt.date | None, names=("from", "to")) -> None:
    if first and last and first > last:
        raise ValidationError({names[1]: _("The end date is before the start date.")})


def place_filter(queryset, *, team: int | None, site: int | None, team_field: str = "team"):
    if team is not None:
        queryset = queryset.filter(**{f"{team_field}_id": team})
    if site is not None:
        queryset = queryset.filter(**{f"{team_field}__site_id": site})
    return queryset


def team_out(team) -> dict:
    return {"id": team.pk, "name": team.name}


def site_out(site) -> dict:
    return {"id": site.pk, "name": site.name}


class ErrorItem(Schema):
    field: str | None = Field(description="The field at fault; null: the whole request.")
    message: str


class ErrorOut(Schema):
    detail: list[ErrorItem]


# Every refusal an operation can give, declared in the OpenAPI description.
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def answers(success) -> dict:
    """An operation's responses: its success (a schema, or {status: schema}) and errors."""
    ok = success if isinstance(success, dict) else {200: success}
    return {**ok, **ERRORS}

"""Outcome measures of a person: record one given with the worker (scored, safety items
followed up, by the outcomes service) and read the totals and bands (audited as the
person's outcome page). Answers item by item stay on the pages."""

import datetime as dt

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from peerway.outcomes import selectors, services

from .access import requires
from .common import answers
from .people import person_by_code

router = Router(tags=["outcome measures"])


class AdministrationOut(Schema):
    id: int
    instrument: str
    version: str
    time_point: int = Field(description="Months since the start of support (0: baseline).")
    administered_on: dt.date
    mode: str
    total_score: float | None
    band: str
    valid: bool
    flagged: bool = Field(description="A safety item was answered: a safety task follows.")


def administration_out(a) -> dict:
    return {
        "id": a.pk,
        "instrument": a.instrument,
        "version": a.version,
        "time_point": a.time_point,
        "administered_on": a.administered_on,
        "mode": a.mode,
        "total_score": a.total_score,
        "band": a.band,
        "valid": a.valid,
        "flagged": a.flagged,
    }


@router.get(
    "/o/{slug}/people/{code}/outcomes",
    response=answers(list[AdministrationOut]),
    summary="A person's outcome measures (scores)",
)
@requires("outcomes.view_scores", obj=person_by_code, audit_read="outcomes.person_viewed")
def list_outcomes(request, slug: str, code: str):
    rows = selectors.administrations_of(request.permission_object)
    return [administration_out(a) for a in rows.order_by("administered_on", "pk")]


class AdministrationIn(Schema):
    instrument: str = Field(description="e.g. phq9, qpr15 (the team's schedule)")
    time_point: int
    administered_on: dt.date | None = Field(None, description="Defaults to today.")
    answers: dict[str, int | str | None] = Field(description="Item id → answer value.")


@router.post(
    "/o/{slug}/people/{code}/outcomes",
    response=answers({201: AdministrationOut}),
    summary="Record an outcome measure given with the worker",
)
@requires(
    "outcomes.administer",
    obj=person_by_code,
    no_record="a write; the outcomes service audits it",
)
def record_outcome(request, slug: str, code: str, payload: AdministrationIn):
    administration = services.record_administration(
        actor=request.user,
        person=request.permission_object,
        instrument_code=payload.instrument,
        time_point=payload.time_point,
        answers=payload.answers,
        administered_on=payload.administered_on or timezone.localdate(),
    )
    return Status(201, administration_out(administration))

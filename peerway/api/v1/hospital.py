"""Hospital events: a batch goes through the CSV import's own service (same checks, all
or nothing), so the API and the upload screen cannot disagree."""

import csv
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from peerway.hospital import importer, services
from peerway.hospital.models import ImportSource

from .access import requires
from .common import answers, organization

router = Router(tags=["hospital events"])

MAX_EVENTS = 5000


class HospitalEventIn(Schema):
    person_code: str = Field("", description="The person's Peerway code, or…")
    hospital_id: str = Field("", description="…their hospital identifier (kept as a hash).")
    event: str = Field(description="admission, discharge or emergency (as in the CSV file)")
    date: str = Field(description="YYYY-MM-DD")
    admission_date: str = Field("", description="For a discharge: YYYY-MM-DD")
    facility: str


class BatchIn(Schema):
    events: list[HospitalEventIn] = Field(max_length=MAX_EVENTS)


class BatchOut(Schema):
    rows: int
    created: int
    already_present: int


def _as_csv_lines(events: list[HospitalEventIn]):
    """The batch as the CSV file the import reads: the header is row 1, event i row i+2."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(importer.COLUMNS)
    for e in events:
        writer.writerow(
            [e.person_code, e.hospital_id, e.event, e.date, e.admission_date, e.facility]
        )
    return [line.encode("utf-8") for line in buffer.getvalue().splitlines(keepends=True)]


@router.post(
    "/o/{slug}/hospital-events",
    response=answers({201: BatchOut}),
    summary="Submit a batch of hospital events (all or nothing)",
)
@requires(
    "hospital.import_events",
    obj=organization,
    no_record="a write; the import service audits it (counts only)",
)
def submit_batch(request, slug: str, payload: BatchIn):
    if not payload.events:
        raise ValidationError({"events": _("Send at least one event.")})
    try:
        report = services.import_hospital_events(
            actor=request.user,
            organization=request.permission_object,
            stream=_as_csv_lines(payload.events),
            source=ImportSource.API,
        )
    except importer.FileError as exc:
        raise ValidationError({"events": str(exc)}) from exc
    if not report.ok:
        errors = {}
        for e in report.errors:
            if e.row >= 2:
                name = f"events[{e.row - 2}]" + (f".{e.column}" if e.column else "")
            else:
                name = "events"
            errors.setdefault(name, []).append(e.message)
        raise ValidationError(errors)
    return Status(
        201,
        {"rows": report.rows, "created": report.created, "already_present": report.already_present},
    )

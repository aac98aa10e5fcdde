"""The de-identified export (evaluators): request one with a stated purpose, list the log,
download the zip, all through the export service (k-anonymity, refusals, audit)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from peerway.research import selectors, services
from peerway.research.models import ExportSource

from .access import requires
from .common import PathId, answers, organization

router = Router(tags=["de-identified export"])


def export_by_id(request, slug: str, export_id: PathId, **_kwargs):
    return selectors.get_export(organization(request, slug), export_id)


class ExportOut(Schema):
    id: int
    created_at: dt.datetime
    status: str
    source: str
    k: int
    people_considered: int
    people_exported: int
    people_suppressed: int
    downloadable_until: dt.datetime | None = Field(
        description="The zip can be downloaded until then (by the evaluator who asked)."
    )


def export_out(export) -> dict:
    return {
        "id": export.pk,
        "created_at": export.created_at,
        "status": export.status,
        "source": export.source,
        "k": export.k,
        "people_considered": export.people_considered,
        "people_exported": export.people_exported,
        "people_suppressed": export.people_suppressed,
        "downloadable_until": export.archive_expires_at,
    }


class ExportIn(Schema):
    purpose: str = Field(description="Why the data are needed (kept in the export log).")


@router.post(
    "/o/{slug}/exports",
    response=answers({201: ExportOut}),
    summary="Make a de-identified, k-anonymous export",
)
@requires(
    "research.request_export",
    obj=organization,
    no_record="a write of aggregate-safe files; the export service audits it",
)
def request_export(request, slug: str, payload: ExportIn):
    result = services.create_export(
        actor=request.user,
        organization=request.permission_object,
        purpose=payload.purpose,
        source=ExportSource.API,
    )
    return Status(201, export_out(result.export))


@router.get("/o/{slug}/exports", response=answers(list[ExportOut]), summary="The export log")
@requires(
    "research.view_exports",
    obj=organization,
    no_record="the export log: counts and dates, no person",
)
def list_exports(request, slug: str):
    return [export_out(e) for e in selectors.exports_for(request.permission_object)[:200]]


@router.get(
    "/o/{slug}/exports/{export_id}/download",
    summary="Download an export's zip",
    response=answers({200: bytes}),
    openapi_extra={
        "responses": {200: {"content": {"application/zip": {"schema": {"type": "string"}}}}}
    },
)
@requires(
    "research.download_export",
    obj=export_by_id,
    no_record="de-identified files; the export service audits each download",
)
def download_export(request, slug: str, export_id: PathId):
    export = request.permission_object
    if not export.downloadable():
        raise ValidationError(
            _("The files of export %(id)d are no longer kept. Request a new export.")
            % {"id": export.pk}
        )
    content = services.archive_bytes(export)
    services.record_download(actor=request.user, export=export)
    response = HttpResponse(content, content_type="application/zip")
    name = f"deidentified-export-{export.pk}-{export.created_at:%Y%m%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

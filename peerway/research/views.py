"""Screens: the export log, a request form (purpose required) and the zip download."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import selectors as core_selectors
from peerway.core.access import requires

from . import selectors, services
from .forms import ExportRequestForm
from .models import ExportSource


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _export(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.get_export(organization, pk)


@requires("research.view_exports", obj=_org)
def export_list(request, slug):
    organization = request.permission_object
    exports = list(selectors.exports_for(organization)[:200])
    now = timezone.now()
    downloadable = {
        e.pk
        for e in exports
        if e.archive_expires_at
        and e.archive_expires_at > now
        and request.user.has_perm("research.download_export", e)
    }
    return render(
        request,
        "research/exports.html",
        {
            "organization": organization,
            "exports": exports,
            "downloadable": downloadable,
            "can_request": request.user.has_perm("research.request_export", organization),
            "archive_days": services.ARCHIVE_DAYS,
        },
    )


@requires("research.request_export", obj=_org)
def request_export(request, slug):
    organization = request.permission_object
    form = ExportRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.create_export(
                actor=request.user,
                organization=organization,
                purpose=form.cleaned_data["purpose"],
                source=ExportSource.SCREEN,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            export = result.export
            messages.success(
                request,
                _(
                    "Export %(id)d is ready: %(people)d people exported, %(suppressed)d "
                    "suppressed for k-anonymity."
                )
                % {
                    "id": export.pk,
                    "people": export.people_exported,
                    "suppressed": export.people_suppressed,
                },
            )
            return redirect("research:exports", slug=slug)
    return render(request, "research/request.html", {"organization": organization, "form": form})


@requires(
    "research.download_export",
    obj=_export,
    no_record="de-identified export archive; its download is audited by the service",
)
def download(request, slug, pk):
    export = request.permission_object
    if not export.downloadable():
        messages.error(
            request,
            _("The files of export %(id)d are no longer kept. Request a new export.")
            % {"id": export.pk},
        )
        return redirect("research:exports", slug=slug)
    content = services.archive_bytes(export)
    services.record_download(actor=request.user, export=export)
    response = HttpResponse(content, content_type="application/zip")
    name = f"deidentified-export-{export.pk}-{export.created_at:%Y%m%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response

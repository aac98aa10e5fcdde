"""Reads of the export log (nothing here names a person supported)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .models import DeidentifiedExport


def exports_for(organization) -> QuerySet[DeidentifiedExport]:
    return (
        DeidentifiedExport.objects.filter(organization=organization)
        .select_related("requested_by")
        .defer("archive")
    )


def get_export(organization, pk: int) -> DeidentifiedExport:
    export = DeidentifiedExport.objects.filter(organization=organization, pk=pk).first()
    if export is None:
        raise Http404
    return export

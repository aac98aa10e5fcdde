"""Bulk $export jobs (Django Tasks; the database backend runs them in ``peerway worker``)."""

from __future__ import annotations

import json

from django.tasks import task

CHUNK = 2000


@task
def build_export(export_id: str) -> bool:
    """Build every requested type as the requester sees it, one NDJSON file per type.
    False when the job is gone or already taken by another worker."""
    from django.db import transaction
    from django.utils import timezone

    from .models import BulkExport, ExportStatus
    from .scope import Scope
    from .search import KINDS, Context

    with transaction.atomic():
        job = BulkExport.objects.select_for_update().filter(pk=export_id).first()
        if job is None or job.status != ExportStatus.QUEUED:
            return False
        job.status = ExportStatus.RUNNING
        job.save(update_fields=["status"])
    requester = job.requester
    try:
        if not requester.is_active or not requester.has_perm("fhir.use"):
            raise PermissionError("the requester no longer has access to the FHIR interface")
        ctx = Context(Scope(requester))
        files = []
        for name in job.types:
            kind = KINDS[name]
            records = kind.records(ctx)
            if not isinstance(records, list):
                if job.since and kind.changed:
                    records = records.filter(**{f"{kind.changed}__gte": job.since})
                # Read in chunks: a region's contacts do not all sit in memory as models.
                records = records.iterator(chunk_size=CHUNK)
            lines: list[str] = []
            people: set[int] = set()
            for record in records:
                for resource in kind.build(ctx, record):
                    lines.append(json.dumps(resource, ensure_ascii=False))
                people.update(p.pk for p in kind.people(ctx, record))
            if lines:
                files.append((name, lines, sorted(people)))
        return _store(export_id, requester, files)
    except Exception as error:  # noqa: BLE001 - the requester is told the job failed
        BulkExport.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(), error=str(error)[:300]
        )
        return False


def _store(export_id: str, requester, files) -> bool:
    """Save the files and finish the job in one transaction (nothing half-written)."""
    from django.db import transaction
    from django.utils import timezone

    from peerway.core import audit

    from .models import BulkExport, BulkExportFile, ExportStatus

    with transaction.atomic():
        job = BulkExport.objects.select_for_update().filter(pk=export_id).first()
        if job is None:  # deleted by the requester while it ran
            return False
        for name, lines, people in files:
            BulkExportFile.objects.create(
                export=job,
                resource_type=name,
                count=len(lines),
                content="\n".join(lines) + "\n",
                people=people,
            )
        job.status = ExportStatus.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        audit.record(
            actor=requester,
            action="fhir.export_built",
            object_type="fhir.bulkexport",
            object_id=str(job.pk),
            details={"counts": {name: len(lines) for name, lines, _people in files}},
        )
    return True

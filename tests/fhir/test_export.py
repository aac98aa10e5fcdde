"""Bulk $export: kick-off, status, manifest, files, expiry, deletion, and who may read it."""

from __future__ import annotations

import json

from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.fhir.models import BulkExport, BulkExportFile, ExportStatus
from tests.fhir.helpers import validate

ASYNC = {"HTTP_PREFER": "respond-async"}


def kick_off(client, capture, query=""):
    with capture(execute=True):
        response = client.get(f"/fhir/r4/$export{query}", **ASYNC)
    assert response.status_code == 202, response.content
    return response["Content-Location"].removeprefix("http://testserver")


def test_export_end_to_end(world, records, login, django_capture_on_commit_callbacks):
    client = login(world.peer_a)
    status_url = kick_off(client, django_capture_on_commit_callbacks)
    manifest = client.get(status_url)
    assert manifest.status_code == 200
    body = manifest.json()
    assert body["requiresAccessToken"] is True and body["error"] == []
    assert body["request"].endswith("/fhir/r4/$export")
    by_type = {o["type"]: o for o in body["output"]}
    assert {"Patient", "Encounter", "Observation", "QuestionnaireResponse"} <= set(by_type)
    for output in body["output"]:
        response = client.get(output["url"].removeprefix("http://testserver"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+ndjson"
        lines = response.content.decode().splitlines()
        assert len(lines) == output["count"]
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == output["type"]
            validate(resource)
    patients = client.get(by_type["Patient"]["url"].removeprefix("http://testserver"))
    assert b"P-CYY2345" not in patients.content  # team B: not Pat's
    built = AuditEvent.objects.get(action="fhir.export_built")
    assert built.details["counts"]["Patient"] == 2
    downloads = AuditEvent.objects.filter(action="fhir.export_downloaded")
    assert downloads.count() == len(body["output"]) + 1  # Patient twice
    patient_download = downloads.filter(details__type="Patient").first()
    assert sorted(patient_download.details["people"]) == sorted([records.ana.pk, records.ben.pk])
    assert AuditEvent.objects.filter(action="fhir.export_requested").count() == 1


def test_export_types_and_since(world, records, login, django_capture_on_commit_callbacks):
    client = login(world.peer_a)
    status_url = kick_off(client, django_capture_on_commit_callbacks, "?_type=Patient,Consent")
    assert {o["type"] for o in client.get(status_url).json()["output"]} == {"Patient", "Consent"}
    later = timezone.now().isoformat().replace("+", "%2B")
    status_url = kick_off(
        client, django_capture_on_commit_callbacks, f"?_type=Patient,Location&_since={later}"
    )
    # Nobody changed since; places have no change time and always come.
    assert {o["type"] for o in client.get(status_url).json()["output"]} == {"Location"}


def test_export_needs_respond_async_and_known_parameters(world, records, login):
    client = login(world.peer_a)
    plain = client.get("/fhir/r4/$export")
    assert plain.status_code == 400
    assert "respond-async" in plain.json()["issue"][0]["diagnostics"]
    for query, param in (
        ("?_type=Medication", "_type"),
        ("?_since=last-week", "_since"),
        ("?_elements=id", "_elements"),
    ):
        response = client.get(f"/fhir/r4/$export{query}", **ASYNC)
        assert response.status_code == 400, query
        assert response.json()["issue"][0]["expression"] == [param]
    assert not BulkExport.objects.exists()


def test_status_while_queued_and_only_for_the_requester(world, records, login):
    client = login(world.peer_a)
    response = client.get("/fhir/r4/$export", **ASYNC)  # on_commit not run: stays queued
    status_url = response["Content-Location"].removeprefix("http://testserver")
    queued = client.get(status_url)
    assert queued.status_code == 202 and queued["X-Progress"] == "queued"
    for other in (world.peer_b, world.manager, world.outsider):
        refused = login(other).get(status_url)
        assert refused.status_code == 404
        assert refused.json()["resourceType"] == "OperationOutcome"


def test_files_only_for_the_requester(world, records, login, django_capture_on_commit_callbacks):
    client = login(world.peer_a)
    status_url = kick_off(client, django_capture_on_commit_callbacks, "?_type=Patient")
    file_url = client.get(status_url).json()["output"][0]["url"].removeprefix("http://testserver")
    assert login(world.manager).get(file_url).status_code == 404
    assert not AuditEvent.objects.filter(action="fhir.export_downloaded").exists()
    assert login(world.peer_a).get(file_url).status_code == 200


def test_expired_export_is_gone(world, records, login, django_capture_on_commit_callbacks):
    client = login(world.peer_a)
    status_url = kick_off(client, django_capture_on_commit_callbacks, "?_type=Patient")
    file_url = client.get(status_url).json()["output"][0]["url"].removeprefix("http://testserver")
    # Finished 25 hours ago (files are kept 24 hours).
    long_ago = timezone.now() - timezone.timedelta(hours=25)
    BulkExport.objects.update(requested_at=long_ago, finished_at=long_ago)
    assert client.get(status_url).status_code == 410
    assert client.get(file_url).status_code == 410
    # The next export anyone starts deletes the expired files; the job still answers 410.
    assert BulkExportFile.objects.exists()
    kick_off(login(world.manager), django_capture_on_commit_callbacks, "?_type=Organization")
    assert not BulkExportFile.objects.filter(export__requester=world.peer_a).exists()
    assert login(world.peer_a).get(status_url).status_code == 410


def test_delete_cancels_the_export(world, records, login, django_capture_on_commit_callbacks):
    client = login(world.peer_a)
    status_url = kick_off(client, django_capture_on_commit_callbacks, "?_type=Patient")
    assert login(world.peer_b).delete(status_url).status_code == 404
    client = login(world.peer_a)
    assert client.delete(status_url).status_code == 202
    assert client.get(status_url).status_code == 404
    assert not BulkExport.objects.exists()
    assert AuditEvent.objects.filter(action="fhir.export_deleted").count() == 1


def test_a_requester_who_lost_every_role_gets_a_failed_export(world, records, login):
    from peerway.core.models import Membership
    from peerway.fhir.tasks import build_export

    client = login(world.peer_a)
    response = client.get("/fhir/r4/$export", **ASYNC)
    job = BulkExport.objects.get()
    Membership.objects.filter(user=world.peer_a).delete()
    build_export.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert not job.files.exists()
    assert response.status_code == 202

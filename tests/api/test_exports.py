"""The de-identified export through the API: evaluators only, the export service's
k-anonymity and refusals, every download audited."""

from __future__ import annotations

import io
import zipfile

from peerway.core.models import AuditEvent

from ..research.conftest import crowd  # noqa: F401 - the research fixture: enough people

URL = "/api/v1/o/northwind/exports"
PURPOSE = {"purpose": "Quarterly evaluation of the peer support program"}


def test_evaluator_requests_lists_and_downloads_an_export(world, crowd, api_as):  # noqa: F811
    api = api_as(world.evaluator)
    response = api.post(URL, PURPOSE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "completed" and body["people_exported"] > 0
    assert body["source"] == "api" and body["downloadable_until"]
    assert [e["id"] for e in api.get(URL).json()] == [body["id"]]
    download = api.get(f"{URL}/{body['id']}/download")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert names and all(not n.startswith("/") for n in names)
    assert b"Zelda Quixotic" not in download.content and b"SECRET-NOTE-TEXT" not in download.content
    assert AuditEvent.objects.filter(action="research.export_downloaded").count() == 1
    # Only the evaluator who asked downloads it.
    assert api_as(world.manager).get(f"{URL}/{body['id']}/download").status_code == 403


def test_export_refusals_and_roles(world, people, api_as):
    api = api_as(world.evaluator)
    response = api.post(URL, {"purpose": ""})
    assert response.json()["detail"][0]["field"] == "purpose"
    refused = api.post(URL, PURPOSE)  # three people: too few to be k-anonymous
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] is None
    assert AuditEvent.objects.filter(action="research.export_refused").exists()
    manager = api_as(world.manager)
    assert manager.post(URL, PURPOSE).status_code == 403
    assert manager.get(URL).status_code == 200  # the log: counts and dates only
    for user in (world.peer_a, world.clinician, world.supervisor):
        assert api_as(user).get(URL).status_code == 403, user
    assert api_as(world.outsider).get(URL).status_code == 404

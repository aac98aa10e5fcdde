"""Export screens and permissions: evaluators request and download; managers and admins
of the organization see the log; nobody else sees anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AuditEvent, Membership
from peerway.core.roles import Role
from peerway.research import services
from peerway.research.models import DeidentifiedExport, ExportStatus
from peerway.support.models import Person

from ..conftest import grant, make_user
from .conftest import SECRETS, read_csv, unzip

PURPOSE = "Outcome evaluation approved by the ethics board, protocol 2026-04"


def url(name, *args, slug="northwind"):
    return reverse(f"research:{name}", args=[slug, *args])


@pytest.fixture
def second_evaluator(world):
    user = make_user("eval2@northwind.test", "Evan Evaluator")
    grant(user, Role.EVALUATOR, world.org)
    return user


PERMISSIONS = [
    ("evaluator", "research.request_export", True),
    *[
        (u, "research.request_export", False)
        for u in ("manager", "site_manager", "supervisor", "peer_a", "clinician", "admin")
    ],
    ("outsider", "research.request_export", False),
    ("evaluator", "research.view_exports", True),
    ("manager", "research.view_exports", True),
    ("admin", "research.view_exports", True),
    *[
        (u, "research.view_exports", False)
        for u in ("site_manager", "supervisor", "peer_a", "clinician", "outsider")
    ],
]


@pytest.mark.parametrize(("who", "perm", "allowed"), PERMISSIONS)
def test_permission_matrix(world, who, perm, allowed):
    assert getattr(world, who).has_perm(perm, world.org) is allowed


def test_a_site_level_evaluator_cannot_export_the_whole_organization(world):
    user = make_user("siteeval@northwind.test", "Sid Evaluator")
    grant(user, Role.EVALUATOR, world.org, site=world.north)
    assert not user.has_perm("research.request_export", world.org)
    assert not user.has_perm("research.view_exports", world.org)


def test_evaluator_requests_an_export_and_downloads_the_zip(world, crowd, login):
    client = login(world.evaluator)
    page = client.get(url("request"))
    assert page.status_code == 200
    response = client.post(url("request"), {"purpose": PURPOSE})
    assert response.status_code == 302
    export = DeidentifiedExport.objects.get()
    assert export.requested_by == world.evaluator
    log = client.get(url("exports")).content.decode()
    assert PURPOSE in log and "Eve Evaluator" in log
    assert url("download", export.pk) in log
    download = client.get(url("download", export.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    files = unzip(download.content)
    assert "data_dictionary.csv" in files
    assert len(read_csv(files["people.csv"])) == 22
    assert AuditEvent.objects.filter(
        action="research.export_downloaded", object_id=str(export.pk)
    ).exists()


def test_evaluator_screens_show_nothing_identifiable(world, crowd, login):
    client = login(world.evaluator)
    client.post(url("request"), {"purpose": PURPOSE})
    pages = [client.get(url("exports")), client.get(url("request"))]
    codes = list(Person.objects.values_list("code", flat=True))
    for page in pages:
        text = page.content.decode()
        for secret in SECRETS:
            assert secret not in text
        assert not any(code in text for code in codes)


def test_missing_purpose_is_named_on_the_form(world, crowd, login):
    response = login(world.evaluator).post(url("request"), {"purpose": "  "})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="error-summary"' in text
    assert "Purpose of the export" in text and "State the purpose" in text
    assert not DeidentifiedExport.objects.exists()


def test_a_refused_export_is_explained_and_logged(world, login):
    response = login(world.evaluator).post(url("request"), {"purpose": PURPOSE})
    assert response.status_code == 200
    assert "Nothing was exported" in response.content.decode()
    assert DeidentifiedExport.objects.get().status == ExportStatus.REFUSED


def test_only_the_requester_downloads(world, crowd, login, second_evaluator):
    export = services.create_export(
        actor=world.evaluator, organization=world.org, purpose=PURPOSE
    ).export
    assert login(second_evaluator).get(url("download", export.pk)).status_code == 403
    assert login(world.manager).get(url("download", export.pk)).status_code == 403
    assert login(world.admin).get(url("download", export.pk)).status_code == 403
    # The log shows managers who asked and why, without a download link.
    log = login(world.manager).get(url("exports"))
    assert log.status_code == 200
    assert PURPOSE in log.content.decode()
    assert url("download", export.pk) not in log.content.decode()


def test_an_evaluator_who_lost_the_role_cannot_download(world, crowd, login):
    export = services.create_export(
        actor=world.evaluator, organization=world.org, purpose=PURPOSE
    ).export
    Membership.objects.filter(user=world.evaluator).delete()
    assert login(world.evaluator).get(url("download", export.pk)).status_code in (403, 404)


def test_files_expire(world, crowd, login):
    export = services.create_export(
        actor=world.evaluator, organization=world.org, purpose=PURPOSE
    ).export
    DeidentifiedExport.objects.filter(pk=export.pk).update(
        archive_expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = login(world.evaluator).get(url("download", export.pk))
    assert response.status_code == 302
    # The next export clears the expired archive from the database.
    services.create_export(actor=world.evaluator, organization=world.org, purpose=PURPOSE)
    export.refresh_from_db()
    assert bytes(export.archive) == b""


@pytest.mark.parametrize("who", ["manager", "site_manager", "supervisor", "peer_a", "clinician"])
def test_others_cannot_request_an_export(world, login, who):
    client = login(getattr(world, who))
    assert client.get(url("request")).status_code == 403
    assert client.post(url("request"), {"purpose": PURPOSE}).status_code == 403
    assert not DeidentifiedExport.objects.exists()


@pytest.mark.parametrize("who", ["site_manager", "supervisor", "peer_a", "clinician"])
def test_staff_without_oversight_cannot_see_the_log(world, login, who):
    assert login(getattr(world, who)).get(url("exports")).status_code == 403


def test_another_organization_gets_404(world, crowd, login):
    export = services.create_export(
        actor=world.evaluator, organization=world.org, purpose=PURPOSE
    ).export
    client = login(world.outsider)
    assert client.get(url("exports")).status_code == 404
    assert client.get(url("request")).status_code == 404
    assert client.get(url("download", export.pk)).status_code == 404


def test_an_export_of_another_organization_is_not_found(world, crowd, login):
    export = services.create_export(
        actor=world.evaluator, organization=world.org, purpose=PURPOSE
    ).export
    other_eval = make_user("eval@elsewhere.test", "Other Evaluator")
    grant(other_eval, Role.EVALUATOR, world.other_org)
    client = login(other_eval)
    assert client.get(url("download", export.pk, slug="elsewhere")).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(world, client):
    response = client.get(url("exports"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_menu_entry_for_evaluators_managers_and_admins_of_the_organization(world):
    from peerway.core.navigation import navigation_for

    def has_entry(user):
        return any(str(i.label) == "De-identified exports" for i in navigation_for(user))

    assert has_entry(world.evaluator) and has_entry(world.manager) and has_entry(world.admin)
    for user in (world.site_manager, world.supervisor, world.peer_a, world.clinician):
        assert not has_entry(user)


def test_screens_and_refusal_read_in_french(world, login):
    client = login(world.evaluator)
    client.cookies["django_language"] = "fr-ca"
    page = client.get(url("exports"), HTTP_ACCEPT_LANGUAGE="fr-CA").content.decode()
    assert "Exportations dépersonnalisées" in page
    response = client.post(url("request"), {"purpose": PURPOSE}, HTTP_ACCEPT_LANGUAGE="fr-CA")
    assert "Rien n&#x27;a été exporté" in response.content.decode()

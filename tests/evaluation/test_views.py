"""The outcome evaluation screen and reports: who may see them, what they show."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerway.core.models import AuditEvent
from peerway.evaluation.models import Report, ReportStatus

from .conftest import build


def outcomes_url(world, **params):
    url = reverse("evaluation:outcomes", args=[world.org.slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def test_manager_sees_figures_with_the_caveat_and_methods(world, cohort, login):
    response = login(world.manager).get(outcomes_url(world, period="2026Q3", place="org"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Observational, not causal" in page
    assert "Wilcoxon" in page and "Kaplan" in page and "log-rank" in page.lower()
    assert "no published reliability" in page
    assert "data:image/svg+xml;base64," in page  # charts, with their tables
    assert "<caption>" in page
    assert AuditEvent.objects.filter(action="evaluation.outcomes_viewed").exists()


def test_evaluator_sees_aggregates_only(world, cohort, login):
    response = login(world.evaluator).get(outcomes_url(world, period="2026Q3", place="org"))
    assert response.status_code == 200
    page = response.content.decode()
    for person in cohort.people:
        assert person.code not in page


def test_page_in_french(world, cohort, login):
    client = login(world.evaluator)
    response = client.get(
        outcomes_url(world, period="2026Q3", place="org"), HTTP_ACCEPT_LANGUAGE="fr-ca"
    )
    assert response.status_code == 200
    assert "Observationnel, non causal" in response.content.decode()


def test_small_place_shows_no_figure(world, login):
    build(world, n=6)
    page = (
        login(world.manager).get(outcomes_url(world, period="2026Q3", place="org")).content.decode()
    )
    assert "Not shown: fewer than 10 complete pairs." in page
    assert "Not shown: fewer than 10 people." in page
    assert "data:image/svg+xml" in page  # the change chart keeps its suppressed categories


def test_bad_period_is_named(world, login):
    response = login(world.manager).get(outcomes_url(world, period="2026Q9", place="org"))
    assert response.status_code == 200
    assert "Not a period" in response.content.decode()


@pytest.mark.parametrize("who", ["supervisor", "peer_a", "clinician", "admin"])
def test_staff_without_aggregate_role_are_refused(world, login, who):
    client = login(getattr(world, who))
    assert client.get(outcomes_url(world)).status_code == 403
    assert client.get(reverse("evaluation:reports", args=[world.org.slug])).status_code == 403


def test_outsider_gets_404(world, login):
    client = login(world.outsider)
    assert client.get(outcomes_url(world)).status_code == 404
    assert client.get(reverse("evaluation:reports", args=[world.org.slug])).status_code == 404


def test_site_manager_only_their_site(world, cohort, login):
    client = login(world.site_manager)
    assert (
        client.get(outcomes_url(world, period="2026Q3", place=f"site:{world.south.pk}")).status_code
        == 200
    )
    # Places outside their site are not offered, so asking for them is a form error.
    page = client.get(outcomes_url(world, period="2026Q3", place="org")).content.decode()
    assert "Select a valid choice" in page or "Sélectionnez un choix valide" in page
    assert "Wilcoxon" not in page


def test_report_requested_generated_and_downloaded(world, cohort, login):
    client = login(world.manager)
    url = reverse("evaluation:reports", args=[world.org.slug])
    response = client.post(url, {"period": "2026Q3", "place": "org", "language": "en"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == ReportStatus.READY and bytes(report.pdf).startswith(b"%PDF")
    page = client.get(url).content.decode()
    download = reverse("evaluation:download", args=[world.org.slug, report.pk])
    assert download in page
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="evaluation.report_downloaded").exists()
    # An evaluator may download it too (aggregates only); a peer worker may not.
    assert login(world.evaluator).get(download).status_code == 200
    assert login(world.peer_a).get(download).status_code == 403
    assert login(world.outsider).get(download).status_code == 404


def test_site_manager_cannot_see_or_ask_for_an_organization_report(world, login):
    report = Report.objects.create(
        organization=world.org, period="2026Q3", status="ready", pdf=b"%PDF-1.7"
    )
    client = login(world.site_manager)
    assert (
        client.get(reverse("evaluation:download", args=[world.org.slug, report.pk])).status_code
        == 403
    )
    url = reverse("evaluation:reports", args=[world.org.slug])
    assert "2026Q3" not in client.get(url).content.decode().split("<tbody>")[-1]
    response = client.post(url, {"period": "2026Q3", "place": "org", "language": "en"})
    assert response.status_code == 200 and Report.objects.count() == 1


def test_report_not_ready_is_not_found(world, login):
    report = Report.objects.create(organization=world.org, period="2026Q3")
    url = reverse("evaluation:download", args=[world.org.slug, report.pk])
    assert login(world.manager).get(url).status_code == 404


def test_bad_period_in_report_form(world, login):
    url = reverse("evaluation:reports", args=[world.org.slug])
    response = login(world.manager).post(url, {"period": "Q3", "place": "org", "language": "en"})
    assert response.status_code == 200
    assert "Not a period" in response.content.decode()
    assert not Report.objects.exists()

"""The upload screen, the trigger settings, the suggestion list and its one-click refer,
the hospital identifier form: who may use each, and what each shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.hospital.models import EventKind, HospitalEvent, TriggerRule
from peerway.support.models import Referral, ReferralSource, ReferralState

from .conftest import HEADER


def url(world, rest):
    return f"/o/{world.org.slug}/hospital/{rest}"


def upload(client, world, *rows):
    data = (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")
    return client.post(
        url(world, "import/"), {"file": SimpleUploadedFile("events.csv", data, "text/csv")}
    )


def test_a_manager_uploads_a_file_and_sees_the_counts(world, people, login):
    client = login(world.manager)
    assert client.get(url(world, "import/")).status_code == 200
    response = upload(
        client,
        world,
        "P-ADA2345,,admission,2026-01-05,,H",
        ",MRN-001,discharge,2026-01-09,2026-01-05,H",
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Imported 2 rows: 2 new, 0 already present." in page
    response = upload(client, world, "P-ADA2345,,admission,2026-01-05,,H")
    assert "Imported 1 rows: 0 new, 1 already present." in client.get(response.url).content.decode()
    assert HospitalEvent.objects.count() == 2


def test_the_upload_screen_lists_each_bad_row_and_saves_nothing(world, people, login):
    client = login(world.manager)
    response = upload(
        client,
        world,
        "P-ADA2345,,admission,2026-01-05,,H",
        "P-NOBODY2,,admission,2026-01-05,,H",
        "P-ADA2345,,discharge,2026-01-01,2026-01-05,",
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Nothing was imported" in page
    assert "3 problems in 3 rows." in page
    assert "<td>3</td><td><code>person_code</code></td><td>No person with this code" in page
    assert "<td>4</td><td><code>date</code></td><td>The discharge date is before" in page
    assert "<td>4</td><td><code>facility</code></td><td>Give the facility." in page
    assert HospitalEvent.objects.count() == 0


def test_an_upload_without_a_file_names_the_field(world, people, login):
    response = login(world.manager).post(url(world, "import/"), {})
    assert response.status_code == 200
    assert 'href="#id_file"' in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("site_manager", 403),
        ("supervisor", 403),
        ("peer_a", 403),
        ("clinician", 403),
        ("evaluator", 403),
        ("admin", 403),
        ("outsider", 404),
    ],
)
def test_only_organization_wide_managers_reach_the_upload_screen(world, people, login, who, status):
    client = login(getattr(world, who))
    assert client.get(url(world, "import/")).status_code == status
    assert upload(client, world, "P-ADA2345,,admission,2026-01-05,,H").status_code == status
    assert HospitalEvent.objects.count() == 0


def test_the_upload_screen_asks_for_sign_in(world, client):
    response = client.get(url(world, "import/"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_manager_changes_the_trigger(world, login):
    client = login(world.manager)
    assert "Connell et al. (2018)" in client.get(url(world, "trigger/")).content.decode()
    response = client.post(
        url(world, "trigger/"),
        {
            "enabled": "on",
            "min_admissions": "3",
            "min_emergency_visits": "5",
            "window_months": "12",
        },
    )
    assert response.status_code == 302
    rule = TriggerRule.objects.get(organization=world.org)
    assert (rule.min_admissions, rule.min_emergency_visits, rule.window_months) == (3, 5, 12)
    bad = client.post(
        url(world, "trigger/"),
        {"min_admissions": "0", "min_emergency_visits": "5", "window_months": "12"},
    )
    assert bad.status_code == 200 and 'href="#id_min_admissions"' in bad.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("site_manager", 403),
        ("supervisor", 403),
        ("peer_a", 403),
        ("admin", 403),
        ("outsider", 404),
    ],
)
def test_others_cannot_change_the_trigger(world, login, who, status):
    client = login(getattr(world, who))
    assert client.get(url(world, "trigger/")).status_code == status
    assert (
        client.post(
            url(world, "trigger/"),
            {"min_admissions": "1", "min_emergency_visits": "1", "window_months": "1"},
        ).status_code
        == status
    )
    assert not TriggerRule.objects.exists()


def _frequent(person):
    today = timezone.localdate()
    for days in (10, 50):
        HospitalEvent.objects.create(
            organization=person.organization,
            person=person,
            kind=EventKind.ADMISSION,
            date=today - timedelta(days=days),
            facility="H",
        )


def test_a_supervisor_confirms_a_suggested_referral_with_urgency_reason_and_consent(
    world, people, login
):
    _frequent(people["ada"])
    _frequent(people["ben"])  # South: not the North supervisor's
    client = login(world.supervisor)
    page = client.get(url(world, "suggestions/")).content.decode()
    assert "P-ADA2345" in page and "P-BEN2345" not in page
    assert AuditEvent.objects.get(action="hospital.suggestions_viewed").details == {"count": 1}
    refer = url(world, f"suggestions/{people['ada'].pk}/refer/")
    # "Refer" opens a confirmation like the referral form; nothing is created yet.
    form = client.get(refer).content.decode()
    assert 'name="urgency"' in form and 'name="reason"' in form
    assert 'name="consent_given"' in form and "first contact within 48 hours" in form
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(action="hospital.refer_form_viewed").count() == 1
    # The reason is needed, as on the referral form.
    page = client.post(refer, {"urgency": "urgent", "reason": ""}).content.decode()
    assert "Nothing was saved" in page and not Referral.objects.exists()
    response = client.post(
        refer,
        {
            "urgency": "urgent",
            "reason": "Two admissions in two months; asked for someone who has been there.",
            "consent_given": "on",
            "consent_decided_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get(person=people["ada"])
    assert (referral.source, referral.urgency, referral.state) == (
        ReferralSource.TRIGGER,
        "urgent",
        ReferralState.NEW,
    )
    assert referral.person.consents.get().recorded_by == world.supervisor
    page = client.get(response.url).content.decode()
    assert "P-ADA2345 was referred to Team A." in page
    assert "Nobody meets the trigger" in page
    again = client.post(refer, {"urgency": "routine", "reason": "again"}, follow=True)
    assert "no longer meets the trigger" in again.content.decode()
    assert Referral.objects.count() == 1


def test_a_suggested_referral_without_the_persons_agreement_waits_for_consent(world, people, login):
    _frequent(people["ada"])
    page = (
        login(world.manager)
        .post(
            url(world, f"suggestions/{people['ada'].pk}/refer/"),
            {"urgency": "routine", "reason": "Frequent admissions"},
            follow=True,
        )
        .content.decode()
    )
    assert "waits for consent" in page
    assert Referral.objects.get().state == ReferralState.AWAITING_CONSENT


@pytest.mark.parametrize(
    ("who", "list_status", "refer_status"),
    [
        ("site_manager", 200, 404),  # Ada is outside the South site
        ("clinician", 403, 403),  # sees Ada's record but does not act on the trigger
        ("peer_a", 403, 404),
        ("evaluator", 403, 404),
        ("admin", 403, 404),
        ("outsider", 404, 404),
    ],
)
def test_suggestions_and_refer_are_refused_to_others(
    world, people, login, who, list_status, refer_status
):
    _frequent(people["ada"])
    client = login(getattr(world, who))
    assert client.get(url(world, "suggestions/")).status_code == list_status
    assert (
        client.post(url(world, f"suggestions/{people['ada'].pk}/refer/")).status_code
        == refer_status
    )
    assert not Referral.objects.exists()


def test_a_clinician_records_a_hospital_identifier(world, people, login):
    client = login(world.clinician)
    page = client.get(url(world, f"people/{people['ada'].pk}/hospital-id/")).content.decode()
    assert "A hospital identifier is recorded" in page and "MRN-001" not in page
    assert AuditEvent.objects.filter(action="hospital.hospital_id_form_viewed").count() == 1
    response = client.post(
        url(world, f"people/{people['ada'].pk}/hospital-id/"), {"hospital_id": "MRN-002"}
    )
    assert response.status_code == 302
    taken = client.post(
        url(world, f"people/{people['ben'].pk}/hospital-id/"), {"hospital_id": "MRN-002"}
    )
    assert taken.status_code == 404  # Ben is at South, outside the clinician's team
    taken = login(world.manager).post(
        url(world, f"people/{people['ben'].pk}/hospital-id/"), {"hospital_id": "MRN-002"}
    )
    assert "already recorded for someone else" in taken.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("peer_a", 404), ("evaluator", 404), ("admin", 404), ("site_manager", 404), ("outsider", 404)],
)
def test_others_cannot_record_a_hospital_identifier(world, people, login, who, status):
    client = login(getattr(world, who))
    assert client.get(url(world, f"people/{people['ada'].pk}/hospital-id/")).status_code == status


def test_suggested_referrals_sort_and_download_as_an_audited_csv_of_ones_own_teams(
    world, people, login
):
    _frequent(people["ada"])
    _frequent(people["ben"])  # South: not the North supervisor's
    client = login(world.supervisor)
    page = client.get(url(world, "suggestions/?sort=-admissions")).content.decode()
    assert 'aria-sort="descending"' in page
    response = client.get(url(world, "suggestions/?format=csv"))
    rows = response.content.decode().splitlines()
    assert rows[0] == "Person,Team,Admissions,Emergency visits,Last event"
    assert len(rows) == 2 and rows[1].startswith("P-ADA2345")
    assert ",2,0," in rows[1]
    event = AuditEvent.objects.get(action="hospital.suggestions_exported")
    assert event.details["rows"] == 1

"""Managers run readiness survey waves; links, counts and permissions."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peerway.assessments import services
from peerway.assessments.models import Response, SurveyLink, Wave
from peerway.core.models import AuditEvent


def wave_data(world, **overrides):
    today = timezone.localdate()
    data = {
        "name": "Baseline",
        "instruments": ["oric", "pibc"],
        "audiences": ["staff", "leaders", "peer_workers"],
        "teams": [str(world.team_a.pk), str(world.team_b.pk)],
        "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=14)).isoformat(),
        "k": "5",
    }
    data.update(overrides)
    return data


def make_wave(world, **kw):
    today = timezone.localdate()
    args = {
        "actor": world.manager,
        "organization": world.org,
        "name": "Baseline",
        "instrument_codes": ["oric"],
        "teams": [world.team_a, world.team_b],
        "audiences": ["staff", "leaders"],
        "opens_on": today,
        "closes_on": today + timedelta(days=7),
        "k": 5,
    }
    args.update(kw)
    return services.create_wave(**args)


def test_manager_creates_a_wave_with_one_link_per_team_and_audience(world, login):
    client = login(world.manager)
    response = client.post(f"/o/{world.org.slug}/surveys/new/", wave_data(world))
    wave = Wave.objects.get()
    assert response.status_code == 302
    assert SurveyLink.objects.filter(wave=wave).count() == 2 * 3
    assert {e["code"] for e in wave.instruments} == {"oric", "pibc"}
    assert all(e["version"] for e in wave.instruments)
    codes = list(SurveyLink.objects.values_list("short_code", flat=True))
    assert len(set(codes)) == len(codes) and all(len(c) == 8 for c in codes)
    assert AuditEvent.objects.filter(action="wave.created").exists()
    detail = client.get(f"/o/{world.org.slug}/surveys/{wave.pk}/")
    assert codes[0].encode() in detail.content
    printable = client.get(f"/o/{world.org.slug}/surveys/{wave.pk}/print/")
    assert codes[0].encode() in printable.content


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("k", "2"),
        ("teams", []),
        ("instruments", []),
        ("audiences", []),
        ("closes_on", "2000-01-01"),
    ],
)
def test_wave_form_names_the_field_in_error_and_creates_nothing(world, login, field, value):
    response = login(world.manager).post(
        f"/o/{world.org.slug}/surveys/new/", wave_data(world, **{field: value})
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Wave.objects.exists()


def test_threshold_below_three_is_refused_by_the_service_too(world):
    with pytest.raises(ValidationError) as exc:
        make_wave(world, k=2)
    assert "k" in exc.value.error_dict


def test_structure_only_questionnaire_cannot_be_given(world):
    with pytest.raises(ValidationError) as exc:
        make_wave(world, instrument_codes=["wemwbs"])
    assert "instruments" in exc.value.error_dict


def test_response_counts_below_k_are_not_shown_exactly(world, login):
    wave = make_wave(world)
    for _ in range(3):
        Response.objects.create(
            wave=wave, team=world.team_a, audience="staff", submitted_on=timezone.localdate()
        )
    page = login(world.manager).get(f"/o/{world.org.slug}/surveys/{wave.pk}/")
    assert b"hidden (fewer than 5" in page.content


def test_only_organization_managers_manage_waves(world, login):
    wave = make_wave(world)
    for who in ("site_manager", "supervisor", "peer_a", "clinician", "evaluator", "admin"):
        client = login(getattr(world, who))
        assert client.get(f"/o/{world.org.slug}/surveys/new/").status_code == 403, who
        assert client.get(f"/o/{world.org.slug}/surveys/{wave.pk}/").status_code == 403, who
    assert login(world.outsider).get(f"/o/{world.org.slug}/surveys/").status_code == 404


def test_evaluator_sees_the_wave_list_but_not_the_links(world, login):
    wave = make_wave(world)
    client = login(world.evaluator)
    page = client.get(f"/o/{world.org.slug}/surveys/")
    assert page.status_code == 200
    link = SurveyLink.objects.filter(wave=wave).first()
    assert link.token.encode() not in page.content
    assert link.short_code.encode() not in page.content


def test_closing_a_wave_stops_its_links_at_once(world, login, client):
    wave = make_wave(world)
    link = SurveyLink.objects.filter(wave=wave).first()
    assert client.get(f"/s/{link.token}/").status_code == 200
    login(world.manager).post(f"/o/{world.org.slug}/surveys/{wave.pk}/close/")
    client.logout()
    assert client.get(f"/s/{link.token}/").status_code == 410
    assert AuditEvent.objects.filter(action="wave.dates_changed").exists()


def test_questionnaire_library_marks_organization_licensed_items(world, login, settings, tmp_path):
    import yaml

    settings.PEERWAY_INSTRUMENTS_DIR = str(tmp_path)
    (tmp_path / "hhi.yaml").write_text(
        yaml.safe_dump(
            {
                "code": "herth_hope_index",
                "version": "1",
                "languages": ["en"],
                "items": [{"id": f"hhi_{n}", "text": {"en": f"Item {n}"}} for n in range(1, 13)],
            }
        )
    )
    page = login(world.peer_a).get(f"/o/{world.org.slug}/questionnaires/")
    assert page.status_code == 200
    assert b"Licensed by your organization" in page.content
    assert b"Locally developed, not validated" in page.content

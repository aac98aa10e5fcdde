"""Results, barrier profile and CSV pages honour the threshold, differencing included."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from peerway.assessments.models import Response
from peerway.core.models import AuditEvent
from peerway.instruments.library import current_library

from .test_waves import make_wave


def answer_all(code, value):
    return {item.id: value for item in current_library()[code].items}


def add_responses(wave, team, audience, count, value=4, code="oric"):
    Response.objects.bulk_create(
        Response(
            wave=wave,
            team=team,
            audience=audience,
            submitted_on=wave.opens_on,
            answers={code: answer_all(code, value)},
            versions={code: current_library()[code].version},
        )
        for _ in range(count)
    )


@pytest.fixture
def wave(world):
    # Team A: 6 staff and 2 leaders; team B: 3 staff. Team C (South) has 7 staff.
    w = make_wave(
        world,
        instrument_codes=["oric"],
        teams=[world.team_a, world.team_b, world.team_c],
        audiences=["staff", "leaders"],
        **closed(),
    )
    add_responses(w, world.team_a, "staff", 6, 4)
    add_responses(w, world.team_a, "leaders", 2, 5)
    add_responses(w, world.team_b, "staff", 3, 1)
    add_responses(w, world.team_c, "staff", 7, 3)
    return w


def closed(**kw):
    today = timezone.localdate()
    return {"opens_on": today - timedelta(days=20), "closes_on": today - timedelta(days=1), **kw}


def csv_of(client, world, wave):
    response = client.get(f"/o/{world.org.slug}/surveys/{wave.pk}/results.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_small_groups_and_their_complements_are_hidden(world, login, wave):
    client = login(world.manager)
    page = client.get(
        f"/o/{world.org.slug}/surveys/{wave.pk}/results/",
        {"instrument": "oric", "level": "team", "audience": "all"},
    )
    assert page.status_code == 200
    places = {p["name"]: p["cell"] for p in page.context["places"]}
    # Team B has 3 responses: hidden. North site = A (8) + B (3): showing A and the site
    # would reveal B by subtraction, so team A is hidden too.
    assert places["Team B"].suppressed
    assert places["Team A"].suppressed
    assert places["Team C"].shown and places["Team C"].n == 7
    content = page.content.decode()
    assert "Not shown to protect anonymity" in content
    assert "<img" in content and "data:image/svg+xml;base64," in content


def test_csv_export_keeps_the_suppression_and_is_audited(world, login, wave):
    rows = csv_of(login(world.manager), world, wave)
    assert rows, "the CSV has rows"
    team_b = [r for r in rows if "Team B" in r.values()]
    assert team_b and all(not r.get("mean") for r in team_b)
    assert AuditEvent.objects.filter(action="wave.results_exported").exists()


def test_evaluator_sees_suppressed_results_but_managers_only_manage(world, login, wave):
    evaluator = login(world.evaluator)
    assert evaluator.get(f"/o/{world.org.slug}/surveys/{wave.pk}/results/").status_code == 200
    assert evaluator.get(f"/o/{world.org.slug}/surveys/{wave.pk}/barriers/").status_code == 200
    for who in ("supervisor", "peer_a", "clinician", "site_manager", "admin"):
        client = login(getattr(world, who))
        url = f"/o/{world.org.slug}/surveys/{wave.pk}/results/"
        assert client.get(url).status_code == 403, who
        csv_url = f"/o/{world.org.slug}/surveys/{wave.pk}/results.csv"
        assert client.get(csv_url).status_code == 403, who
    assert (
        login(world.outsider).get(f"/o/{world.org.slug}/surveys/{wave.pk}/results/").status_code
        == 404
    )


def test_change_between_waves_is_shown_with_its_interval(world, login):
    today = timezone.localdate()
    first = make_wave(
        world,
        name="Before",
        instrument_codes=["oric"],
        teams=[world.team_c],
        audiences=["staff"],
        opens_on=today - timedelta(days=200),
        closes_on=today - timedelta(days=190),
    )
    second = make_wave(
        world,
        name="After",
        instrument_codes=["oric"],
        teams=[world.team_c],
        audiences=["staff"],
        **closed(),
    )
    add_responses(first, world.team_c, "staff", 3, 2)
    add_responses(first, world.team_c, "staff", 3, 3)
    add_responses(second, world.team_c, "staff", 3, 4)
    add_responses(second, world.team_c, "staff", 3, 5)
    page = login(world.manager).get(
        f"/o/{world.org.slug}/surveys/{second.pk}/results/",
        {"instrument": "oric", "level": "team", "compare": first.pk},
    )
    change = page.context["places"][0]["change"]
    assert change.shown
    assert change.difference == pytest.approx(2.0)
    assert change.ci95_low < 2.0 < change.ci95_high


def test_barrier_profile_explains_each_barrier(world, login):
    wave = make_wave(
        world, instrument_codes=["pibc"], teams=[world.team_c], audiences=["staff"], **closed()
    )
    pibc = current_library()["pibc"]
    answers = {i.id: (1 if i.factor == "role_clarity" else 4) for i in pibc.items}
    answers = {
        i.id: (6 - v if i.reverse else v) for i, v in zip(pibc.items, answers.values(), strict=True)
    }
    Response.objects.bulk_create(
        Response(
            wave=wave,
            team=world.team_c,
            audience="staff",
            submitted_on=wave.opens_on,
            answers={"pibc": answers},
            versions={"pibc": pibc.version},
        )
        for _ in range(6)
    )
    page = login(world.manager).get(f"/o/{world.org.slug}/surveys/{wave.pk}/barriers/")
    assert page.status_code == 200
    team, barriers = page.context["team_barriers"][0]
    assert team == "Team C"
    assert [f.factor for f in barriers] == ["role_clarity"]
    assert "6 of 6 respondents on the disagree side" in page.content.decode()


def test_results_page_in_french_uses_a_decimal_comma(world, login, wave):
    page = login(world.manager).get(
        f"/o/{world.org.slug}/surveys/{wave.pk}/results/",
        {"instrument": "oric", "level": "team"},
        headers={"accept-language": "fr-CA"},
    )
    assert "3,00" in page.content.decode()


def test_results_wait_until_the_wave_closes(world, login):
    wave = make_wave(world, instrument_codes=["oric"], teams=[world.team_c], audiences=["staff"])
    add_responses(wave, world.team_c, "staff", 6, 4)
    client = login(world.manager)
    for page in ("results/", "barriers/", "results.csv"):
        response = client.get(f"/o/{world.org.slug}/surveys/{wave.pk}/{page}")
        assert response.status_code == 200
        assert b"once the survey closes" in response.content, page
    client.post(f"/o/{world.org.slug}/surveys/{wave.pk}/close/")
    response = client.get(f"/o/{world.org.slug}/surveys/{wave.pk}/results/")
    assert b"once the survey closes" not in response.content


def test_wave_page_hides_counts_that_would_reveal_a_small_group(world, login, wave):
    page = login(world.manager).get(f"/o/{world.org.slug}/surveys/{wave.pk}/")
    counts = {
        (row["link"].team.name, row["link"].audience): row["count"] for row in page.context["rows"]
    }
    assert counts[("Team C", "staff")] == "7"
    assert counts[("Team B", "staff")].startswith("hidden")
    assert counts[("Team A", "leaders")].startswith("hidden")
    # The counts follow exactly the same suppression as the results.
    from peerway.assessments import reports

    results = reports.wave_results(wave)
    for team in (world.team_a, world.team_b, world.team_c):
        for audience in ("staff", "leaders"):
            cell = results.cell("oric", results.scales["oric"][0], "team", team.pk, audience)
            shown = not counts[(team.name, audience)].startswith("hidden")
            assert shown == (not cell.suppressed), (team.name, audience)

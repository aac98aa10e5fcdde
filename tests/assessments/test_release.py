"""The disclosure decision is made once when a wave closes, stored with the wave, and read by
every screen: results, CSV, barrier profile, the wave page's counts and every other reader of
``reports.wave_results`` (dashboards, report, plan gates and factor change).

The strongest check that screens read the stored decision rather than deciding again: change
the stored decision by hand (hide a group the rules would show) and see every screen follow.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from peerway.assessments import reports, selectors, services
from peerway.assessments.analysis import GroupKey
from peerway.assessments.models import WaveRelease
from peerway.core.models import AuditEvent

from .test_results_pages import add_responses, closed
from .test_waves import make_wave


@pytest.fixture(autouse=True)
def _fresh_memo():
    reports._MEMO.clear()
    yield
    reports._MEMO.clear()


@pytest.fixture
def wave(world):
    w = make_wave(
        world,
        instrument_codes=["oric", "pibc"],
        teams=[world.team_a, world.team_b, world.team_c],
        audiences=["staff", "leaders"],
        **closed(),
    )
    for code in ("oric", "pibc"):
        add_responses(w, world.team_a, "staff", 6, 4, code=code)
        add_responses(w, world.team_a, "leaders", 2, 5, code=code)
        add_responses(w, world.team_b, "staff", 3, 1, code=code)
        add_responses(w, world.team_c, "staff", 7, 3, code=code)
    return w


def hide_everywhere(wave, group: GroupKey) -> None:
    """Rewrite the stored decision so that ``group`` is hidden on every scale."""
    release = WaveRelease.objects.get(wave=wave)
    decision = release.decision
    for entry in decision["instruments"].values():
        for rows in entry["scales"].values():
            rows.append([group.level, group.place_id, group.audience, "differencing"])
    WaveRelease.objects.filter(pk=release.pk).update(decision=decision)
    reports._MEMO.clear()


def test_closing_a_wave_stores_its_decision_once_and_audits_it(
    world, login, django_capture_on_commit_callbacks
):
    w = make_wave(world, teams=[world.team_c], audiences=["staff"])
    add_responses(w, world.team_c, "staff", 7, 3)
    assert not WaveRelease.objects.filter(wave=w).exists()
    client = login(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/o/{world.org.slug}/surveys/{w.pk}/close/")
    assert response.status_code == 302
    release = WaveRelease.objects.get(wave=w)
    assert release.passed and release.stamp == reports.release_stamp(w)
    assert set(release.decision["instruments"]) == {"oric"}
    events = AuditEvent.objects.filter(action="wave.results_released", object_id=str(w.pk))
    assert events.count() == 1
    # Deciding again on the same responses changes nothing and records nothing.
    again = services.release_wave(wave=w)
    assert again.pk == release.pk and again.decided_at == release.decided_at
    assert events.count() == 1


def test_an_open_wave_is_not_released(world):
    w = make_wave(world)
    with pytest.raises(ValidationError):
        services.release_wave(wave=w)
    assert reports.stored_release(w) is None
    assert not WaveRelease.objects.exists()


def test_a_wave_closed_by_date_is_released_by_the_scheduled_command(world, wave, capsys):
    assert not WaveRelease.objects.filter(wave=wave).exists()
    call_command("release_results")
    assert "1 survey wave(s) released" in capsys.readouterr().out
    assert WaveRelease.objects.filter(wave=wave).count() == 1
    call_command("release_results")
    assert "0 survey wave(s) released" in capsys.readouterr().out


def test_a_changed_threshold_makes_the_stored_decision_stale(world, wave):
    first = services.release_wave(wave=wave)
    wave.k = 7
    wave.save(update_fields=["k"])
    second = services.release_wave(wave=wave)
    assert second.pk == first.pk and second.stamp != first.stamp
    assert second.decision["k"] == 7
    # Team C's 7 staff are still shown at k = 7 (and its site's 7 with it).
    results = reports.wave_results(wave)
    assert results.cell("oric", results.scales["oric"][0], "team", world.team_c.pk, "staff").shown


def test_every_screen_reads_the_stored_decision(world, login, wave):
    services.release_wave(wave=wave)
    team_c_staff = GroupKey("team", world.team_c.pk, "staff")
    scale = reports.wave_results(wave).scales["oric"][0]
    assert reports.wave_results(wave).cell("oric", scale, *team_c_staff).shown
    before = {(link.team_id, link.audience): n for link, n in selectors.links_with_counts(wave)}
    assert before[(world.team_c.pk, "staff")] == 14  # 7 responses to each questionnaire

    hide_everywhere(wave, team_c_staff)
    client = login(world.manager)
    base = f"/o/{world.org.slug}/surveys/{wave.pk}"

    # The results object every reader uses (dashboards, report, gates, factor change).
    results = reports.wave_results(wave)
    for code in ("oric", "pibc"):
        for sid in results.scales[code]:
            assert results.cell(code, sid, *team_c_staff).suppressed, (code, sid)
    # The results page.
    page = client.get(
        f"{base}/results/", {"instrument": "oric", "level": "team", "audience": "staff"}
    )
    places = {p["name"]: p["cell"] for p in page.context["places"]}
    assert places["Team C"].suppressed
    # The CSV.
    rows = list(csv.DictReader(io.StringIO(client.get(f"{base}/results.csv").content.decode())))
    team_c = [r for r in rows if "Team C" in r.values() and "staff" in str(r.values()).lower()]
    assert team_c and all(not r.get("mean") for r in team_c)
    # The barrier profile (its page and the object the plan's factor change reads).
    profile = reports.wave_barriers(wave)
    team_profile = next(g for g in profile.teams("staff") if g.place_id == world.team_c.pk)
    assert team_profile.factors and all(f.reason is not None for f in team_profile.factors)
    assert client.get(f"{base}/barriers/", {"audience": "staff"}).status_code == 200
    # The wave page's response counts.
    after = {(link.team_id, link.audience): n for link, n in selectors.links_with_counts(wave)}
    assert after[(world.team_c.pk, "staff")] is None


def test_results_on_two_requests_at_once_decide_once(world, wave):
    # The first reader of a wave closed by date decides and stores it; the second finds it.
    reports.wave_results(wave)
    reports._MEMO.clear()
    reports.wave_barriers(wave)
    assert WaveRelease.objects.filter(wave=wave).count() == 1
    assert AuditEvent.objects.filter(action="wave.results_released").count() == 1


def test_the_stored_decision_holds_no_figure(world, wave):
    decision = services.release_wave(wave=wave).decision
    text = str(decision)
    for word in ("mean", "sd", "sum", "score"):
        assert word not in text.lower().replace("scales", "")
    for entry in decision["instruments"].values():
        for rows in entry["scales"].values():
            for level, _place, audience, reason in rows:
                assert level in {"team", "site", "organization"}
                assert audience in {"staff", "leaders", "all"}
                assert reason in {"fewer_than_k", "differencing", "no_responses"}


def test_the_release_is_shown_once_closed_a_day_later(world, time_machine):
    today = timezone.localdate()
    w = make_wave(
        world,
        teams=[world.team_c],
        audiences=["staff"],
        opens_on=today - timedelta(days=3),
        closes_on=today,
    )
    add_responses(w, world.team_c, "staff", 7, 3)
    assert reports.stored_release(w) is None
    time_machine.move_to(timezone.now() + timedelta(days=2))
    assert reports.stored_release(w) is not None
    assert WaveRelease.objects.filter(wave=w).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_store_one_decision_and_one_event(world, wave):
    """Two writers (the closing task and a first reader) decide the same wave at the same
    moment, each on its own connection: one decision row, one audit event, and both
    callers get the same decision."""
    from peerway.assessments.models import Wave

    from ..concurrency import at_once

    def prepare():
        mine = Wave.objects.get(pk=wave.pk)
        return lambda: services.release_wave(wave=mine).decision

    first, second = at_once(prepare, prepare)
    assert not isinstance(first, Exception), first
    assert not isinstance(second, Exception), second
    assert first == second
    assert WaveRelease.objects.filter(wave=wave).count() == 1
    assert AuditEvent.objects.filter(action="wave.results_released").count() == 1

"""Operational indicators raise factors in the recommendations (docs/recommendations.md)."""

from __future__ import annotations

from peerway.indicators.selectors import operational_signals
from peerway.planning.knowledge import load_knowledge_base
from peerway.planning.recommend import (
    OPERATIONAL_FLOOR,
    raised,
    rank,
    severity,
    signals,
)
from tests.planning.test_recommendations import barrier

DETAIL = {"en": "40.0 % of logged minutes out of scope", "fr": "40,0 % des minutes hors rôle"}


def test_raised_severity_has_a_floor_and_a_cap():
    assert raised(0.0) == OPERATIONAL_FLOOR
    assert raised(0.65) == 0.9
    assert raised(0.9) == 1.0


def test_a_survey_barrier_flagged_by_an_indicator_ranks_higher():
    kb = load_knowledge_base()
    result = barrier("role_clarity", mean=2.0, n=10, unfavourable=8)
    plain = rank([result], kb=kb, in_plan=set())
    flagged = rank(
        [result],
        kb=kb,
        in_plan=set(),
        operational=signals("drift_above_threshold", DETAIL),
    )
    top = {r.strategy: r for r in flagged}
    for rec in (r for r in plain if kb.link("role_clarity", r.strategy)):
        strength = kb.link("role_clarity", rec.strategy).strength
        assert rec.priority == round(severity(result) * strength / 3, 6)
        assert top[rec.strategy].priority == round(0.9 * strength / 3, 6)
        assert top[rec.strategy].evidence[0].indicator == "drift_above_threshold"


def test_a_factor_only_an_indicator_flags_enters_at_the_floor_and_explains_itself():
    kb = load_knowledge_base()
    recs = rank(
        [],
        kb=kb,
        in_plan=set(),
        operational=signals("lone_peer_on_team", {"en": "a lone peer", "fr": "un pair seul"}),
    )
    assert recs
    for rec in recs:
        strength = kb.link("peer_isolation_network", rec.strategy).strength
        assert rec.priority == round(OPERATIONAL_FLOOR * strength / 3, 6)
        assert rec.evidence[0].factor == "peer_isolation_network"
    text = recs[0].explain("Team B", "respondents", kb, "en")
    assert text.startswith("Team B: a lone peer → “Peer network and isolation” → ")
    assert "un pair seul" in recs[0].explain("Équipe B", "répondants", kb, "fr")


def test_operational_signals_flag_the_drifting_and_the_lone_peer_teams(world, service):
    found = operational_signals(world.org, today=service.today)
    assert set(found) == {world.team_a.pk, world.team_b.pk}
    assert set(found[world.team_a.pk]) == {"role_drift", "role_clarity"}
    assert set(found[world.team_b.pk]) == {"peer_isolation_network"}
    drift = found[world.team_a.pk]["role_drift"]
    assert drift.indicator == "drift_above_threshold"
    assert drift.detail["en"].startswith("40.0 % of logged minutes on out-of-scope tasks")


def test_recommendations_page_raises_isolation_for_a_shown_lone_peer_team(world, login):
    from datetime import timedelta

    from django.utils import timezone

    from peerway.assessments.models import Response
    from peerway.instruments.library import current_library
    from tests.assessments.test_waves import make_wave

    today = timezone.localdate()
    wave = make_wave(
        world,
        instrument_codes=["pibc"],
        teams=[world.team_b, world.team_c],
        audiences=["staff"],
        opens_on=today - timedelta(days=10),
        closes_on=today - timedelta(days=1),
    )
    pibc = current_library()["pibc"]

    def answers(bad_factor):
        values = {i.id: (1 if i.factor == bad_factor else 4) for i in pibc.items}
        return {i.id: (6 - values[i.id] if i.reverse else values[i.id]) for i in pibc.items}

    rows = [(world.team_c, "role_clarity")] * 6 + [(world.team_b, None)] * 6
    Response.objects.bulk_create(
        Response(
            wave=wave,
            team=t,
            audience="staff",
            submitted_on=wave.opens_on,
            answers={"pibc": answers(f)},
            versions={"pibc": pibc.version},
        )
        for t, f in rows
    )
    page = login(world.manager).get(f"/o/{world.org.slug}/surveys/{wave.pk}/recommendations/")
    assert page.status_code == 200
    lists = {name: recs for name, recs, _team_id in page.context["team_rows"]}
    # Team B's survey shows no barrier; its lone peer worker raises peer isolation.
    assert lists["Team B"]
    assert all(r["factors"] == ["peer_isolation_network"] for r in lists["Team B"])
    assert lists["Team B"][0]["explanation"].startswith(
        "Team B: a lone peer worker on the team → “Peer network and isolation” → "
    )
    assert all("peer_isolation_network" not in r["factors"] for r in lists["Team C"])

"""Recommendations rank strategies by a documented, deterministic rule and explain
themselves with their evidence, never using a group below the threshold."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerway.assessments.analysis import FactorResult
from peerway.assessments.models import Response
from peerway.instruments.library import current_library
from peerway.planning.knowledge import load_knowledge_base
from peerway.planning.recommend import IN_PLAN_FACTOR, rank, severity

from ..assessments.test_waves import make_wave


def barrier(factor="role_clarity", mean=2.0, n=10, unfavourable=8):
    kb = load_knowledge_base()
    f = kb.factor(factor)
    return FactorResult(
        factor=factor,
        level=f.level,
        support_type=f.support_type,
        name=f.name.as_dict(),
        unverified=False,
        place_level="team",
        place_id=1,
        audience="all",
        reason=None,
        n=n,
        mean=mean,
        sd=0.5,
        ci95_low=mean - 0.3,
        ci95_high=mean + 0.3,
        n_unfavourable=unfavourable,
        share_unfavourable=unfavourable / n,
        classification="barrier",
    )


def test_severity_combines_distance_below_midpoint_and_share_disagreeing():
    assert severity(barrier(mean=1.0, n=10, unfavourable=10)) == pytest.approx(1.0)
    assert severity(barrier(mean=2.0, n=10, unfavourable=6)) == pytest.approx(0.25 + 0.3)


def test_strongest_link_to_the_worst_barrier_ranks_first_and_ties_break_by_code():
    kb = load_knowledge_base()
    ranked = rank([barrier()], kb=kb, in_plan=set())
    links = {lk.strategy: lk.strength for lk in kb.links_for_factor("role_clarity")}
    # Peer-support links first, strongest first; then strategies only the CFIR–ERIC
    # expert endorsements reach, which never outrank a link for the same barrier.
    linked = [r.strategy for r in ranked if r.evidence[0].layer == "peer_support"]
    assert linked == sorted(links, key=lambda s: (-links[s], s))
    assert [r.strategy for r in ranked[: len(links)]] == linked
    assert all(r.evidence[0].layer == "cfir_eric" for r in ranked[len(links) :])
    assert ranked == rank([barrier()], kb=kb, in_plan=set())  # deterministic


def test_strategies_already_in_the_plan_rank_lower():
    kb = load_knowledge_base()
    first = rank([barrier()], kb=kb, in_plan=set())[0]
    again = rank([barrier()], kb=kb, in_plan={first.strategy})
    moved = next(r for r in again if r.strategy == first.strategy)
    assert moved.in_plan
    assert moved.priority == pytest.approx(first.priority * IN_PLAN_FACTOR)


def test_explanation_names_the_group_counts_and_strategy():
    kb = load_knowledge_base()
    rec = rank([barrier(n=9, unfavourable=7)], kb=kb, in_plan=set())[0]
    text = rec.explain("Team X", "staff", kb, "en")
    assert text.startswith("Team X: 7 of 9 (staff) on the disagree side")
    assert rec.strategy_name["en"] in text
    assert rec.evidence[0].citations
    assert "7 sur 9" in rec.explain("Équipe X", "personnel", kb, "fr")


def test_recommendations_page_uses_only_shown_groups(world, login):
    today = timezone.localdate()
    wave = make_wave(
        world,
        instrument_codes=["pibc"],
        teams=[world.team_a, world.team_c],
        audiences=["staff"],
        opens_on=today - timedelta(days=10),
        closes_on=today - timedelta(days=1),
    )
    pibc = current_library()["pibc"]

    def answers(bad_factor):
        values = {i.id: (1 if i.factor == bad_factor else 4) for i in pibc.items}
        return {i.id: (6 - values[i.id] if i.reverse else values[i.id]) for i in pibc.items}

    rows = [(world.team_c, "role_clarity")] * 6 + [(world.team_a, "peer_wellbeing")] * 2
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
    teams = [name for name, _rows, _team_id in page.context["team_rows"]]
    assert teams == ["Team C"]
    assert page.context["hidden_teams"] == ["Team A"]
    content = page.content.decode()
    assert "6 of 6" in content
    # Team A's barrier (2 respondents) is never used.
    wellbeing = load_knowledge_base().factor("peer_wellbeing").name.en
    assert wellbeing not in content
    assert (
        login(world.clinician)
        .get(f"/o/{world.org.slug}/surveys/{wave.pk}/recommendations/")
        .status_code
        == 403
    )

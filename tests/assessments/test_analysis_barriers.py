"""Barrier profile from the PIBC: classification rule, suppression, data shape."""

from __future__ import annotations

import random

import pytest

from peerway.assessments.analysis import (
    BARRIER,
    DEFAULT_RULE,
    FACILITATOR,
    NEUTRAL,
    ClassificationRule,
    ResponseRecord,
    barrier_profile,
    compute_results,
)
from peerway.instruments.engine import load_library
from peerway.planning.knowledge.kb import load_knowledge_base

LIBRARY = load_library()
PIBC = LIBRARY["pibc"]
KB = load_knowledge_base()


# ------------------------------------------------------------------ classification rule


@pytest.mark.parametrize(
    ("mean", "n", "unfavourable", "expected"),
    [
        (2.5, 10, 0, BARRIER),  # mean at the barrier bound
        (2.5000001, 10, 5, NEUTRAL),  # just above it, 50 % unfavourable
        (3.2, 10, 6, BARRIER),  # 60 % unfavourable, whatever the mean
        (3.2, 10, 5, NEUTRAL),
        (3.5, 10, 2, FACILITATOR),  # both facilitator bounds met exactly
        (3.5, 10, 3, NEUTRAL),  # 30 % unfavourable is too many
        (3.4999999, 10, 0, NEUTRAL),
        (4.8, 5, 1, FACILITATOR),  # 20 % with n = 5
        (4.8, 6, 2, NEUTRAL),  # 33 %
        (3.0, 5, 3, BARRIER),  # 60 % with n = 5
        (2.5 + 1e-12, 7, 0, BARRIER),  # floating-point noise counts as 2.5
    ],
)
def test_classification_at_the_boundaries(mean, n, unfavourable, expected):
    assert DEFAULT_RULE.classify(mean, n, unfavourable) == expected


def test_unfavourable_means_below_the_midpoint():
    assert DEFAULT_RULE.is_unfavourable(2.9999)
    assert not DEFAULT_RULE.is_unfavourable(3.0)
    assert not DEFAULT_RULE.is_unfavourable(3.0 - 1e-12)
    with pytest.raises(ValueError):
        DEFAULT_RULE.classify(3.0, 0, 0)


def test_a_rule_can_be_tightened():
    strict = ClassificationRule(barrier_mean_at_most=3.0)
    assert strict.classify(2.9, 10, 0) == BARRIER
    assert strict.to_dict()["barrier_mean_at_most"] == 3.0


# ---------------------------------------------------------------------------- profiles


def _answers(factor_values: dict[str, int], default: int = 3) -> dict:
    """PIBC answers giving each factor the wanted keyed value (reverse items turned)."""
    answers = {}
    for it in PIBC.items:
        value = factor_values.get(it.factor, default)
        answers[it.id] = 6 - value if it.reverse and value != 9 else value
    return answers


def _rec(team, site, audience, factor_values, default=3):
    return ResponseRecord(
        team, site, audience, {"pibc": _answers(factor_values, default)}, {"pibc": "1"}
    )


def test_team_profile_classes_factors_and_sorts_barriers_by_severity():
    reverse_factor = next(it.factor for it in PIBC.items if it.reverse)
    records = []
    # Team 1, 6 staff: role clarity poor (all 2), supervision mixed, a reverse-keyed factor
    # strong, everything else neutral.
    for i in range(6):
        records.append(
            _rec(
                1,
                10,
                "staff",
                {
                    "role_clarity": 2,
                    "supervision_support": 1 if i < 4 else 5,  # 4 of 6 unfavourable
                    reverse_factor: 5,
                },
            )
        )
    # Team 2, 5 staff, one answering "don't know" everywhere; team 3 beside it at site 20.
    for i in range(5):
        records.append(_rec(2, 20, "staff", {}, default=9 if i == 0 else 4))
    for _ in range(6):
        records.append(_rec(3, 20, "staff", {}, default=4))
    profile = barrier_profile(records, LIBRARY, k=5, audiences=["staff"])
    team = profile.for_team(1)
    role = team.factor("role_clarity")
    assert (role.n, role.mean, role.n_unfavourable, role.classification) == (6, 2.0, 6, BARRIER)
    assert role.share_unfavourable == 1.0
    assert role.level == KB.factor("role_clarity").level
    assert role.support_type == KB.factor("role_clarity").support_type
    assert role.name["fr"] == KB.factor("role_clarity").name.fr
    sup = team.factor("supervision_support")
    assert sup.n_unfavourable == 4 and sup.mean == pytest.approx(14 / 6)
    assert sup.classification == BARRIER
    # Severity: lowest mean first (2.0 before 2.33).
    assert [f.factor for f in team.barriers()] == ["role_clarity", "supervision_support"]
    # Reverse-keyed items were answered "disagree" (1) and count as favourable (5).
    strong = team.factor(reverse_factor)
    assert strong.mean == 5.0 and strong.classification == FACILITATOR
    assert strong in team.facilitators()
    assert team.factor("peer_wellbeing").classification == NEUTRAL
    # "Don't know" is not scored: team 2 has 4 scores on every factor, fewer than k.
    t2 = profile.for_team(2)
    assert all(f.suppressed and f.mean is None and f.n is None for f in t2.factors)
    assert t2.barriers() == [] and len(t2.not_shown()) == len(t2.factors)
    assert all(f.suppressed for f in profile.for_team(3).factors)  # its complement
    site = profile.for_site(20).factor("role_clarity")  # 4 + 6 scores of 4: agreement
    assert (site.n, site.mean, site.classification) == (10, 4.0, FACILITATOR)
    assert [f.factor for f in team.factors] == [
        f.code for f in KB.factors if f.code in {g.factor for g in team.factors}
    ]
    assert not any(f.factor.startswith(("level_", "support_")) for f in team.factors)


def test_profile_suppression_matches_the_results_and_reveals_nothing():
    rnd = random.Random(2)
    records = []
    for team, site, audience, n in [
        (1, 10, "staff", 7),
        (1, 10, "peer_workers", 2),
        (2, 10, "staff", 6),
        (2, 10, "leaders", 5),
        (3, 20, "staff", 9),
    ]:
        for _ in range(n):
            answers = {it.id: rnd.choice([1, 2, 3, 4, 5, 9]) for it in PIBC.items}
            records.append(ResponseRecord(team, site, audience, {"pibc": answers}, {"pibc": "1"}))
    profile = barrier_profile(records, LIBRARY, k=5)
    results = compute_results(records, LIBRARY, k=5)
    for key, group in profile.groups.items():
        for f in group.factors:
            cell = results.cell("pibc", f.factor, key.level, key.place_id, key.audience)
            assert f.reason == cell.reason
            if f.shown:
                assert (f.n, f.mean) == (cell.n, pytest.approx(cell.mean))
            else:
                assert f.n_unfavourable is None and f.classification is None and f.mean is None
                assert f.to_dict()["reason"] in ("suppressed", "no_responses")
    assert profile.for_team(1, "peer_workers").factors[0].suppressed
    assert profile.for_organization().factors[0].shown


def test_profile_to_dict_shape_for_the_planning_app():
    records = [_rec(1, 10, "staff", {"role_clarity": 2}) for _ in range(5)]
    profile = barrier_profile(records, LIBRARY, k=5, teams={1: 10, 2: 10})
    data = profile.to_dict()
    assert set(data) == {"instrument", "versions", "k", "rule", "audiences", "groups"}
    assert data["instrument"] == "pibc" and data["versions"] == ["1"] and data["k"] == 5
    first = data["groups"][0]
    assert set(first) == {"place_level", "place_id", "audience", "factors"}
    assert set(first["factors"][0]) == {
        "factor",
        "level",
        "support_type",
        "name",
        "unverified",
        "place_level",
        "place_id",
        "audience",
        "suppressed",
        "reason",
        "n",
        "mean",
        "sd",
        "ci95_low",
        "ci95_high",
        "n_unfavourable",
        "share_unfavourable",
        "classification",
    }
    team2 = profile.for_team(2)
    assert all(f.reason == "no_responses" and f.n == 0 for f in team2.factors)
    assert [g.place_id for g in profile.teams()] == [1, 2]
    assert profile.for_site(10).factor("role_clarity").classification == BARRIER

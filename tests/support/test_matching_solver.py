"""The matching solver: optimal, within the hard constraints, private by construction.

The brute-force oracle below re-implements the rules of docs/matching.md independently of
the solver, so the property tests check the rules as well as the optimisation.
"""

import itertools
import json
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerway.support.matching import (
    MatchingInputError,
    Preference,
    Referral,
    Weights,
    Worker,
    WorkerAttribute,
    explain,
    solve,
    solve_json,
)

TEAMS = ["T1", "T2", "T3", "T4"]  # T4 is never covered: exercises the site fallback
SITES = ["S1", "S2"]
LANGUAGES = ["en", "fr", "es"]
VALUES = {
    "gender": ["woman", "man", "nonbinary"],
    "lived_experience": ["psychosis", "substance_use"],
    "cultural_community": ["c1", "c2"],
    "age_band": ["18-25", "26-40"],
    "language": LANGUAGES,
}
WORKER_ATTRS = ["gender", "lived_experience", "cultural_community", "age_band"]
WEIGHT_NAMES = [
    "lived_experience",
    "cultural_community",
    "age_band",
    "continuity",
    "site",
    "gender_preferred",
    "language_preferred",
]
REFERRAL_IDS = [f"R{i}" for i in range(1, 12)]
WORKER_IDS = [f"W{i}" for i in range(1, 9)]

# Enough examples to exercise every rule while keeping the module well under ten seconds.
FAST = settings(max_examples=40, deadline=None)
THOROUGH = settings(max_examples=100, deadline=None)


# --- strategies ------------------------------------------------------------------------------


# Every possible preference and worker attribute, drawn whole (one draw each keeps generation
# fast; hypothesis still shrinks towards the first entries).
ALL_PREFERENCES = [
    {"attribute": attribute, "value": value, "strength": strength}
    for strength in ("preferred", "required")
    for attribute, values in VALUES.items()
    for value in values
]
ALL_WORKER_ATTRIBUTES = [
    {"attribute": attribute, "value": value, "visibility": visibility}
    for visibility in ("private", "matching_only", "shared")
    for attribute in WORKER_ATTRS
    for value in VALUES[attribute]
]
preferences = st.sampled_from(ALL_PREFERENCES)
worker_attributes = st.sampled_from(ALL_WORKER_ATTRIBUTES)


@st.composite
def referrals(draw, rid):
    return {
        "id": rid,
        "team_id": draw(st.sampled_from(TEAMS)),
        "site_id": draw(st.none() | st.sampled_from(SITES)),
        "language": draw(st.sampled_from([None, None, *LANGUAGES])),
        "preferences": draw(st.lists(preferences, max_size=3)),
        "previous_worker_id": draw(st.none() | st.sampled_from(WORKER_IDS[:4])),
        "conflict_worker_ids": draw(st.lists(st.sampled_from(WORKER_IDS[:4]), max_size=2)),
    }


@st.composite
def workers(draw, wid):
    return {
        "id": wid,
        "team_ids": draw(st.lists(st.sampled_from(TEAMS[:3]), min_size=1, max_size=2)),
        "site_ids": draw(st.lists(st.sampled_from(SITES), max_size=2)),
        "languages": draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2)),
        "remaining_capacity": draw(st.integers(0, 2)),
        "gender": draw(st.none() | st.sampled_from(VALUES["gender"])),
        "attributes": draw(st.lists(worker_attributes, max_size=3)),
    }


@st.composite
def instances(draw, max_referrals=5, max_workers=3):
    # Ids are drawn in random order so that input order differs from id order.
    rids = draw(st.lists(st.sampled_from(REFERRAL_IDS), max_size=max_referrals, unique=True))
    wids = draw(
        st.lists(st.sampled_from(WORKER_IDS[:4]), min_size=1, max_size=max_workers, unique=True)
    )
    weights = draw(
        st.fixed_dictionaries(
            {name: st.sampled_from([0, 0.5, 1, 1.25, 2, 3]) for name in WEIGHT_NAMES}
        )
    )
    return {
        "referrals": [draw(referrals(rid)) for rid in rids],
        "workers": [draw(workers(wid)) for wid in wids],
        "weights": weights,
        "allow_site_fallback": draw(st.booleans()),
    }


# --- an independent statement of the rules ---------------------------------------------------


def has_usable(worker, attribute, value):
    """Whether the worker offers ``value`` for matching (never through a private entry)."""
    if attribute == "language":
        return value in worker["languages"]
    entries = [a for a in worker["attributes"] if a["attribute"] == attribute]
    if attribute == "gender" and not entries:
        return worker["gender"] == value
    return any(a["value"] == value and a["visibility"] != "private" for a in entries)


def has_shared(worker, attribute, value):
    if attribute == "language":
        return value in worker["languages"]
    entries = [a for a in worker["attributes"] if a["attribute"] == attribute]
    if attribute == "gender" and not entries:
        return worker["gender"] == value
    return any(a["value"] == value and a["visibility"] == "shared" for a in entries)


def oracle_pair(instance, ref, worker):
    """(feasible, score units) of a pair, straight from the documented rules."""
    covered = {t for w in instance["workers"] for t in w["team_ids"]}
    team_ok = ref["team_id"] in worker["team_ids"] or (
        instance["allow_site_fallback"]
        and ref["team_id"] not in covered
        and ref["site_id"] is not None
        and ref["site_id"] in worker["site_ids"]
    )
    required = {
        (p["attribute"], p["value"]) for p in ref["preferences"] if p["strength"] == "required"
    }
    preferred = {
        (p["attribute"], p["value"]) for p in ref["preferences"] if p["strength"] == "preferred"
    } - required
    feasible = (
        team_ok
        and (ref["language"] is None or ref["language"] in worker["languages"])
        and worker["remaining_capacity"] > 0
        and worker["id"] not in ref["conflict_worker_ids"]
        and all(has_usable(worker, a, v) for a, v in required)
    )
    w = instance["weights"]
    pref_weight = {
        "gender": w["gender_preferred"],
        "language": w["language_preferred"],
        "lived_experience": w["lived_experience"],
        "cultural_community": w["cultural_community"],
        "age_band": w["age_band"],
    }
    units = 0
    if ref["previous_worker_id"] == worker["id"]:
        units += round(w["continuity"] * 1000)
    if ref["site_id"] is not None and ref["site_id"] in worker["site_ids"]:
        units += round(w["site"] * 1000)
    for attribute, value in preferred:
        if has_usable(worker, attribute, value):
            units += round(pref_weight[attribute] * 1000)
    return feasible, units


def brute_force(instance):
    """Best (assigned count, score units, id-rank tie sum) over every feasible assignment."""
    refs = sorted(instance["referrals"], key=lambda r: r["id"])
    wrks = sorted(instance["workers"], key=lambda w: w["id"])
    n, m = len(refs), len(wrks)
    pair = {
        (i, j): oracle_pair(instance, r, w) for i, r in enumerate(refs) for j, w in enumerate(wrks)
    }
    options = [[None] + [j for j in range(m) if pair[i, j][0]] for i in range(n)]
    best = (0, 0, 0)
    for combo in itertools.product(*options):
        load = [0] * m
        key = [0, 0, 0]
        for i, j in enumerate(combo):
            if j is None:
                continue
            load[j] += 1
            key[0] += 1
            key[1] += pair[i, j][1]
            key[2] += (n - i) * (m - j)
        if all(load[j] <= wrks[j]["remaining_capacity"] for j in range(m)):
            best = max(best, tuple(key))
    return best


def run(instance):
    return solve(
        instance["referrals"],
        instance["workers"],
        instance["weights"],
        allow_site_fallback=instance["allow_site_fallback"],
    )


# --- optimality and constraints --------------------------------------------------------------


@THOROUGH
@given(instances())
def test_solver_matches_brute_force_on_count_then_score_then_tie_break(instance):
    solution = run(instance)
    refs = sorted(r["id"] for r in instance["referrals"])
    wrks = sorted(w["id"] for w in instance["workers"])
    n, m = len(refs), len(wrks)
    units = round(solution.total_score * 1000)
    tie = sum(
        (n - refs.index(a.referral_id)) * (m - wrks.index(a.worker_id))
        for a in solution.assignments
    )
    assert solution.rank_tie_break
    assert (len(solution.assignments), units, tie) == brute_force(instance)


@FAST
@given(instances(max_referrals=8, max_workers=4))
def test_hard_constraints_and_capacity_are_never_violated(instance):
    solution = run(instance)
    refs = {r["id"]: r for r in instance["referrals"]}
    wrks = {w["id"]: w for w in instance["workers"]}
    load = dict.fromkeys(wrks, 0)
    for a in solution.assignments:
        feasible, units = oracle_pair(instance, refs[a.referral_id], wrks[a.worker_id])
        assert feasible
        assert round(a.score * 1000) == units
        load[a.worker_id] += 1
    assert all(load[wid] <= wrks[wid]["remaining_capacity"] for wid in wrks)
    every = sorted(
        [a.referral_id for a in solution.assignments] + [u.referral_id for u in solution.unassigned]
    )
    assert every == sorted(refs)


@FAST
@given(instances(), st.randoms(use_true_random=False))
def test_output_is_the_same_for_any_input_order(instance, rnd):
    shuffled = dict(instance)
    shuffled["referrals"] = rnd.sample(instance["referrals"], len(instance["referrals"]))
    shuffled["workers"] = rnd.sample(instance["workers"], len(instance["workers"]))
    assert run(shuffled).to_dict() == run(instance).to_dict()


def test_equal_scores_are_broken_by_id_rank_whatever_the_input_order():
    refs = [{"id": rid, "team_id": "T1"} for rid in ("R2", "R1", "R3")]
    wrks = [
        {"id": "W2", "team_ids": ["T1"], "remaining_capacity": 1},
        {"id": "W1", "team_ids": ["T1"], "remaining_capacity": 1},
    ]
    for _ in range(5):
        random.shuffle(refs)
        random.shuffle(wrks)
        solution = solve(refs, wrks)
        assert [(a.referral_id, a.worker_id) for a in solution.assignments] == [
            ("R1", "W1"),
            ("R2", "W2"),
        ]
        assert [u.referral_id for u in solution.unassigned] == ["R3"]


def test_more_people_matched_beats_a_higher_score():
    # R1 could take W1 with a strong score, but then R2 (who only fits W1) would be left out.
    refs = [
        {
            "id": "R1",
            "team_id": "T1",
            "preferences": [
                {"attribute": "lived_experience", "value": "psychosis", "strength": "preferred"}
            ],
        },
        {"id": "R2", "team_id": "T1", "language": "fr"},
    ]
    wrks = [
        {
            "id": "W1",
            "team_ids": ["T1"],
            "languages": ["fr"],
            "remaining_capacity": 1,
            "attributes": [
                {"attribute": "lived_experience", "value": "psychosis", "visibility": "shared"}
            ],
        },
        {"id": "W2", "team_ids": ["T1"], "languages": ["en"], "remaining_capacity": 1},
    ]
    solution = solve(refs, wrks)
    assert {(a.referral_id, a.worker_id) for a in solution.assignments} == {
        ("R1", "W2"),
        ("R2", "W1"),
    }


def test_worker_capacity_caps_the_number_of_people_assigned():
    refs = [{"id": f"R{i}", "team_id": "T1"} for i in range(5)]
    wrks = [{"id": "W1", "team_ids": ["T1"], "remaining_capacity": 2}]
    solution = solve(refs, wrks)
    assert len(solution.assignments) == 2
    assert {u.reasons[0]["code"] for u in solution.unassigned} == {"feasible_workers_at_capacity"}


def test_declared_conflict_and_required_gender_are_hard_constraints():
    ref = {
        "id": "R1",
        "team_id": "T1",
        "conflict_worker_ids": ["W1"],
        "preferences": [{"attribute": "gender", "value": "man", "strength": "required"}],
    }
    wrks = [
        {"id": "W1", "team_ids": ["T1"], "remaining_capacity": 1, "gender": "man"},
        {"id": "W2", "team_ids": ["T1"], "remaining_capacity": 1, "gender": "woman"},
    ]
    solution = solve([ref], wrks)
    assert solution.assignments == ()
    (entry,) = solution.unassigned
    assert entry.reasons == (
        {"code": "no_feasible_worker"},
        {"code": "workers_excluded", "constraint": "conflict", "workers": 1},
        {
            "code": "workers_excluded",
            "constraint": "required_preference",
            "attribute": "gender",
            "workers": 1,
        },
    )


def test_site_fallback_only_when_nobody_covers_the_team():
    ref = {"id": "R1", "team_id": "T-new", "site_id": "S1"}
    site_worker = {"id": "W1", "team_ids": ["T1"], "site_ids": ["S1"], "remaining_capacity": 1}
    solution = solve([ref], [site_worker])
    assert solution.assignments[0].reasons[0] == {"code": "site_fallback"}
    assert solve([ref], [site_worker], allow_site_fallback=False).assignments == ()
    # The team has a worker (even a busy one): the team keeps its referral.
    busy = {"id": "W2", "team_ids": ["T-new"], "remaining_capacity": 0}
    assert solve([ref], [site_worker, busy]).assignments == ()


def test_previous_worker_is_preferred_for_continuity():
    ref = {"id": "R1", "team_id": "T1", "previous_worker_id": "W2"}
    wrks = [{"id": w, "team_ids": ["T1"], "remaining_capacity": 1} for w in ("W1", "W2")]
    (assignment,) = solve([ref], wrks).assignments
    assert assignment.worker_id == "W2"
    assert {"code": "continuity"} in assignment.reasons


# --- privacy ---------------------------------------------------------------------------------


@FAST
@given(instances(max_referrals=6, max_workers=4), st.data())
def test_private_attributes_never_change_the_solution(instance, data):
    changed = json.loads(json.dumps(instance))
    for worker in changed["workers"]:
        for attr in worker["attributes"]:
            if attr["visibility"] == "private":
                attr["value"] = data.draw(st.sampled_from(VALUES[attr["attribute"]]))
        # Extra private entries, except gender: a gender entry of any visibility replaces the
        # top-level gender by design (docs/matching.md).
        extra = data.draw(st.lists(st.sampled_from(WORKER_ATTRS[1:]), max_size=3))
        for attribute in extra:
            value = data.draw(st.sampled_from(VALUES[attribute]))
            worker["attributes"].append(
                {"attribute": attribute, "value": value, "visibility": "private"}
            )
    assert run(changed).to_dict() == run(instance).to_dict()


@FAST
@given(instances(max_referrals=6, max_workers=4))
def test_reasons_name_only_attributes_the_worker_shared(instance):
    solution = run(instance)
    wrks = {w["id"]: w for w in instance["workers"]}
    for a in solution.assignments:
        for reason in a.reasons:
            if "attribute" in reason or "value" in reason:
                assert reason["code"] == "shared_preference"
                assert has_shared(wrks[a.worker_id], reason["attribute"], reason["value"])
    for u in solution.unassigned:
        for reason in u.reasons:
            assert "value" not in reason


def test_matching_only_attribute_is_used_but_never_named():
    ref = {
        "id": "R1",
        "team_id": "T1",
        "preferences": [
            {"attribute": "lived_experience", "value": "hearing voices", "strength": "required"},
            {"attribute": "cultural_community", "value": "Haitian", "strength": "preferred"},
        ],
    }
    worker = {
        "id": "W1",
        "team_ids": ["T1"],
        "remaining_capacity": 1,
        "attributes": [
            {
                "attribute": "lived_experience",
                "value": "Hearing Voices",
                "visibility": "matching_only",
            },
            {"attribute": "cultural_community", "value": "haitian", "visibility": "matching_only"},
        ],
    }
    (assignment,) = solve([ref], [worker]).assignments
    assert assignment.score == Weights().cultural_community
    text = json.dumps([dict(r) for r in assignment.reasons]).casefold()
    for secret in ("lived_experience", "hearing voices", "cultural_community", "haitian"):
        assert secret not in text
    assert assignment.reasons[-1] == {
        "code": "matches_recorded_preference",
        "count": 2,
        "disclosed": False,
    }
    assert explain(assignment.reasons[-1], "en") == "matches 2 preferences you recorded"


def test_required_preference_on_a_private_attribute_counts_as_unmatched():
    ref = {
        "id": "R1",
        "team_id": "T1",
        "preferences": [
            {"attribute": "lived_experience", "value": "psychosis", "strength": "required"}
        ],
    }
    worker = {
        "id": "W1",
        "team_ids": ["T1"],
        "remaining_capacity": 1,
        "attributes": [
            {"attribute": "lived_experience", "value": "psychosis", "visibility": "private"}
        ],
    }
    assert solve([ref], [worker]).assignments == ()


def test_private_gender_entry_overrides_the_top_level_gender():
    ref = {
        "id": "R1",
        "team_id": "T1",
        "preferences": [{"attribute": "gender", "value": "woman", "strength": "required"}],
    }
    worker = {
        "id": "W1",
        "team_ids": ["T1"],
        "remaining_capacity": 1,
        "gender": "woman",
        "attributes": [{"attribute": "gender", "value": "woman", "visibility": "private"}],
    }
    assert solve([ref], [worker]).assignments == ()


def test_shared_attribute_is_explained_with_its_value():
    ref = {
        "id": "R1",
        "team_id": "T1",
        "site_id": "S1",
        "language": "fr",
        "preferences": [
            {"attribute": "lived_experience", "value": "psychosis", "strength": "preferred"}
        ],
    }
    worker = {
        "id": "W1",
        "team_ids": ["T1"],
        "site_ids": ["S1"],
        "languages": ["fr"],
        "remaining_capacity": 1,
        "attributes": [
            {"attribute": "lived_experience", "value": "psychosis", "visibility": "shared"}
        ],
    }
    (assignment,) = solve([ref], [worker]).assignments
    assert assignment.score == Weights().lived_experience + Weights().site
    assert [explain(r, "en") for r in assignment.reasons] == [
        "works with your team",
        "speaks French",
        "works at your site",
        "matches your preference for lived experience: psychosis",
    ]
    assert [explain(r, "fr") for r in assignment.reasons] == [
        "travaille avec votre équipe",
        "parle français",
        "travaille sur votre site",
        "correspond à votre préférence (vécu expérientiel) : psychosis",
    ]


def test_generic_reason_sentences_in_both_languages():
    reason = {"code": "matches_recorded_preference", "count": 1, "disclosed": False}
    assert explain(reason, "en") == "matches a preference you recorded"
    assert explain(reason, "fr") == "correspond à une préférence que vous avez indiquée"
    with pytest.raises(ValueError, match="lang"):
        explain(reason, "de")


# --- input -----------------------------------------------------------------------------------


def test_dataclasses_and_plain_dicts_give_the_same_solution():
    as_objects = solve(
        [
            Referral(
                id="R1",
                team_id="T1",
                preferences=(Preference("age_band", "18-25", "preferred"),),
            )
        ],
        [
            Worker(
                id="W1",
                team_ids=("T1",),
                remaining_capacity=1,
                attributes=(WorkerAttribute("age_band", "18-25", "shared"),),
            )
        ],
        Weights(age_band=1.5),
    )
    as_dicts = solve(
        [
            {
                "id": "R1",
                "team_id": "T1",
                "preferences": [{"attribute": "age_band", "value": "18-25"}],
            }
        ],
        [
            {
                "id": "W1",
                "team_ids": ["T1"],
                "remaining_capacity": 1,
                "attributes": [{"attribute": "age_band", "value": "18-25", "visibility": "shared"}],
            }
        ],
        {"age_band": 1.5},
    )
    assert as_objects == as_dicts
    assert as_objects.total_score == 1.5


def test_json_input_errors_name_the_field():
    document = {
        "referrals": [
            {"id": "R1", "team_id": "T1", "preferences": [{"attribute": "star_sign", "value": "x"}]}
        ],
        "workers": [
            {"id": "W1", "team_ids": ["T1"], "remaining_capacity": 1},
            {"id": "W2", "team_ids": ["T1"], "remaining_capacity": 1},
            {"id": "W3", "team_ids": ["T1"], "remaining_capacity": -1},
            {"id": "W4", "remaining_capacity": 1, "attributes": [{"attribute": "gender"}]},
            {"id": "W1", "team_ids": ["T2"], "remaining_capacity": 3},
        ],
        "weights": {"site": "high"},
    }
    with pytest.raises(MatchingInputError) as caught:
        solve_json(json.dumps(document))
    errors = caught.value.errors
    assert "workers[2].remaining_capacity: must be a whole number from 0 to 10000" in errors
    assert any(
        e.startswith("referrals[0].preferences[0].attribute: must be one of") for e in errors
    )
    assert "workers[3].attributes[0].value: required" in errors
    assert "workers[3].attributes[0].visibility: required" in errors
    assert "workers[4].id: duplicate id 'W1' (also workers[0])" in errors
    assert "weights.site: must be a number between 0 and 1000" in errors


def test_json_document_level_errors():
    with pytest.raises(MatchingInputError, match="input: not valid JSON"):
        solve_json("{")
    with pytest.raises(MatchingInputError) as caught:
        solve_json(json.dumps({"referrals": {}, "extra": 1, "allow_site_fallback": "yes"}))
    assert caught.value.errors == [
        "extra: unknown field",
        "referrals: must be a list",
        "workers: required",
        "allow_site_fallback: must be true or false",
    ]


def test_solve_json_round_trip_with_explanations():
    document = {
        "referrals": [
            {"id": "R1", "team_id": "T1", "language": "fr"},
            {"id": "R2", "team_id": "T2"},
        ],
        "workers": [{"id": "W1", "team_ids": ["T1"], "languages": ["fr"], "remaining_capacity": 1}],
    }
    result = solve_json(json.dumps(document), lang="fr")
    assert result["assignments"][0]["explanations"] == [
        "travaille avec votre équipe",
        "parle français",
    ]
    assert result["unassigned"][0]["reasons"][1] == {
        "code": "workers_excluded",
        "constraint": "team_coverage",
        "workers": 1,
    }
    assert result["summary"]["assigned"] == 1
    json.dumps(result)  # JSON-ready


def test_large_instance_without_the_rank_level_still_matches_everyone_possible():
    rnd = random.Random(7)
    refs = [
        {"id": f"R{i:04d}", "team_id": f"T{rnd.randrange(10)}", "site_id": f"S{rnd.randrange(3)}"}
        for i in range(400)
    ]
    wrks = [
        {
            "id": f"W{j:03d}",
            "team_ids": [f"T{j % 10}"],
            "site_ids": [f"S{j % 3}"],
            "remaining_capacity": rnd.randrange(0, 5),
        }
        for j in range(120)
    ]
    weights = {"site": 10}  # larger scores push the instance past the exact rank level
    solution = solve(refs, wrks, weights)
    assert not solution.rank_tie_break
    # Each worker covers one team and every team has a worker, so the optimum is per team.
    capacity_by_team = Counter()
    for w in wrks:
        capacity_by_team[w["team_ids"][0]] += w["remaining_capacity"]
    demand_by_team = Counter(r["team_id"] for r in refs)
    expected = sum(min(demand, capacity_by_team[team]) for team, demand in demand_by_team.items())
    assert len(solution.assignments) == expected
    rnd.shuffle(refs)
    rnd.shuffle(wrks)
    assert solve(refs, wrks, weights).to_dict() == solution.to_dict()


# --- scoring in bulk ---------------------------------------------------------------------------


@THOROUGH
@given(instances(max_referrals=8, max_workers=4))
def test_matrix_scores_equal_the_per_pair_scorer(instance):
    """The solver scores all pairs with array operations; each cell must say exactly what the
    per-pair scorer says: feasible or not, score units, and why nobody fits a referral."""
    from peerway.support.matching import solver as s

    refs, wrks, weights = s.parse_input(
        instance["referrals"], instance["workers"], instance["weights"]
    )
    refs.sort(key=lambda r: r.id)
    wrks.sort(key=lambda w: w.id)
    views = [s._WorkerView.of(w) for w in wrks]
    covered = {t for w in wrks for t in w.team_ids}
    fallback = instance["allow_site_fallback"]
    matrices = s._score_matrices(refs, views, weights, allow_site_fallback=fallback)
    for i, ref in enumerate(refs):
        pairs = [
            s._evaluate(
                ref,
                view,
                weights,
                team_has_worker=ref.team_id in covered,
                allow_site_fallback=fallback,
            )
            for view in views
        ]
        assert matrices.feasible[i].tolist() == [p.feasible for p in pairs]
        assert matrices.units[i].tolist() == [p.score_units for p in pairs]
        n_feasible = sum(p.feasible for p in pairs)
        assert s._unassigned_reasons_from(matrices, i, ref) == s._unassigned_reasons(
            pairs, n_feasible
        )

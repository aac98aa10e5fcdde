"""Benchmark: the matching solver on a regional batch of open referrals.

    python bench/matching.py [--referrals 5000] [--workers 400] [--seed 1] [--runs 3]

Builds a deterministic synthetic instance shaped like a health region (teams of about
eight workers at sites of five teams, one team in twenty with nobody covering it, so the
site fallback is used; languages, preferences of every kind, previous workers and
conflicts), then times :func:`peerway.support.matching.solve` once cold and ``--runs``
times warm. Writes ``bench/results/<date>-matching-<referrals>x<workers>[-n].md``; see
docs/benchmarks.md. Pure Python: no database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"

GENDERS = ["woman", "man", "nonbinary"]
LIVED = ["psychosis", "substance_use", "mood", "trauma", "eating"]
COMMUNITIES = ["c1", "c2", "c3", "c4"]
AGE_BANDS = ["18-25", "26-40", "41-64", "65+"]
LANGUAGES = ["en", "en", "en", "fr", "fr", "es", "ar"]
VALUES = {
    "gender": GENDERS,
    "lived_experience": LIVED,
    "cultural_community": COMMUNITIES,
    "age_band": AGE_BANDS,
}


def instance(referrals: int, workers: int, seed: int) -> tuple[list[dict], list[dict]]:
    rnd = random.Random(seed)
    n_teams = max(1, workers // 8)
    team_site = {t: t // 5 for t in range(n_teams)}
    wrks = []
    for j in range(workers):
        team = j % n_teams
        if team % 20 == 19:  # nobody covers one team in twenty
            team = (team + 1) % n_teams
        teams = {team} | ({rnd.randrange(n_teams)} if rnd.random() < 0.1 else set())
        attributes = [
            {
                "attribute": attribute,
                "value": rnd.choice(values),
                "visibility": rnd.choice(["private", "matching_only", "shared", "shared"]),
            }
            for attribute, values in VALUES.items()
            if rnd.random() < 0.7
        ]
        wrks.append(
            {
                "id": f"W{j:05d}",
                "team_ids": [f"T{t}" for t in sorted(teams)],
                "site_ids": sorted({f"S{team_site[t]}" for t in teams}),
                "languages": sorted({"en", rnd.choice(LANGUAGES)}),
                "remaining_capacity": rnd.randrange(0, 16),
                "attributes": attributes,
            }
        )
    refs = []
    for i in range(referrals):
        team = rnd.randrange(n_teams)
        preferences = []
        for attribute, values in VALUES.items():
            if rnd.random() < 0.3:
                strength = "required" if rnd.random() < 0.15 else "preferred"
                preferences.append(
                    {"attribute": attribute, "value": rnd.choice(values), "strength": strength}
                )
        refs.append(
            {
                "id": f"R{i:05d}",
                "team_id": f"T{team}",
                "site_id": f"S{team_site[team]}",
                "language": rnd.choice([None, None, *LANGUAGES]),
                "preferences": preferences,
                "previous_worker_id": (
                    f"W{rnd.randrange(workers):05d}" if rnd.random() < 0.1 else None
                ),
                "conflict_worker_ids": (
                    [f"W{rnd.randrange(workers):05d}"] if rnd.random() < 0.05 else []
                ),
            }
        )
    return refs, wrks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args()

    from peerway.support.matching import solve

    refs, wrks = instance(args.referrals, args.workers, args.seed)
    times = []
    solution = None
    for _run in range(1 + args.runs):
        began = time.perf_counter()
        solution = solve(refs, wrks)
        times.append(time.perf_counter() - began)
    cold, warm = times[0], statistics.median(times[1:]) if args.runs else times[0]
    lines = [
        f"# Matching benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: "
        f"{args.referrals:,} referrals x {args.workers:,} workers (seed {args.seed})",
        "",
        "| first (s) | warm median (s) | assigned | unassigned | total score | rank tie-break |",
        "|---:|---:|---:|---:|---:|---|",
        f"| {cold:.3f} | {warm:.3f} | {len(solution.assignments)} | "
        f"{len(solution.unassigned)} | {solution.total_score:g} | {solution.rank_tie_break} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        name = f"{dt.date.today():%Y-%m-%d}-matching-{args.referrals}x{args.workers}"
        path, n = RESULTS / f"{name}.md", 1
        while path.exists():
            n += 1
            path = RESULTS / f"{name}-{n}.md"
        path.write_text(text)
        print(f"Written to {path.relative_to(ROOT)}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

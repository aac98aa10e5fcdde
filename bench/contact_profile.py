"""One contact POST through the REST API, in process: its queries and where the time goes.

    DATABASE_URL=... python bench/contact_profile.py [--repeat 200] [--queries] [--profile]

Runs on an existing database with the demo region seeded (``manage.py seed_demo``); it
writes real contacts there (each through ``POST /api/v1/o/<slug>/contacts`` with a peer
worker's bearer token, as ``bench/load.py`` does over HTTP). Prints the queries of one
write (``--queries``), the mean server time per write over ``--repeat`` writes after a
warm-up, and with ``--profile`` the functions that take the most time (cProfile).
Not part of ``make test``: figures go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerway.settings")
os.environ.setdefault("PEERWAY_API_RATE_PER_MINUTE", "1000000")
os.environ.setdefault("PEERWAY_WARM_CHARTS", "0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dump", help="also write the cProfile data to this file")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from peerway.api import services
    from peerway.core.models import Organization, User
    from peerway.support.models import Contact, PeerRelationship

    org = Organization.objects.get(is_demo=True)
    rel = (
        PeerRelationship.objects.filter(person__organization=org, ended_on__isnull=True)
        .select_related("person", "worker")
        .order_by("pk")
        .first()
    )
    template = Contact.objects.filter(worker=rel.worker).order_by("-date").first()
    secret = services.create_token(
        actor=User.objects.get(pk=rel.worker_id), name="profile", mfa_verified=True
    ).secret
    body = json.dumps(
        {
            "team": template.team_id,
            "people": [rel.person.code],
            "date": dt.date.today().isoformat(),
            "duration_minutes": 30,
            "modality": template.modality,
            "setting": template.setting,
            "contact_type": "one_to_one",
            "activities": template.activities,
            "chime": template.chime,
            "note": "",
        }
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    path = f"/api/v1/o/{org.slug}/contacts"

    def post():
        response = client.post(path, body, content_type="application/json")
        if response.status_code != 201:
            sys.exit(f"{response.status_code}: {response.content[:300]!r}")

    for _ in range(20):  # warm: imports, caches, the token's last-used mark
        post()
    with CaptureQueriesContext(connection) as captured:
        post()
    print(f"{connection.vendor}: {len(captured.captured_queries)} queries for one write")
    if args.queries:
        for i, q in enumerate(captured.captured_queries, 1):
            print(f"{i:3d} {q['time']}s  {q['sql'][:300]}")
    began, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.repeat):
        post()
    elapsed = (time.perf_counter() - began) / args.repeat
    cpu = (time.process_time() - cpu) / args.repeat
    # The process's CPU time is what the load on the machine changes least (the database
    # server's own time is not in it; on SQLite it is).
    print(
        f"{elapsed * 1000:.1f} ms per write, {cpu * 1000:.1f} ms of this process's CPU "
        f"(mean of {args.repeat}, one process; load average {os.getloadavg()[0]:.1f})"
    )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            post()
        profiler.disable()
        if args.dump:
            profiler.dump_stats(args.dump)
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()

"""Load test: contact logging over HTTP, with gunicorn, on PostgreSQL (and SQLite).

    python bench/load.py [--seconds 30] [--clients 16] [--workers 2]
                         [--servers sync gthread:4] [--only postgresql sqlite]

For each database a fresh one is made (PostgreSQL: ``--pg-database`` on 127.0.0.1,
``peerway_load_bench`` by default, dropped first and after; SQLite: a file in a temporary
folder), migrated and seeded with the demo region; every peer worker gets an API token
(the bench writes the tokens itself: the two-factor step that guards token creation in
the interface is not what is measured). Then, for each of ``--servers`` in turn, on the
same database: gunicorn serves the project on a loopback port with ``--workers``
processes, of the worker class given (``sync``, gunicorn's default: one request at a time
per process, and a new connection for each; ``gthread:N``: N threads per process, so a
worker serves another request while one waits for the database, e.g. for its commit to
reach the disk, and connections are kept alive), and ``--clients`` threads post contacts
to ``POST /api/v1/o/<slug>/contacts`` as their peer workers, for people in their
caseloads, for ``--seconds`` seconds, each on its own keep-alive connection. After each
server the bench checks that:

- every contact answered 201 is in the database once, and nothing else was written;
- the daily and monthly rollups equal a rebuild from the raw contacts;
- no request failed (any status other than 201, a refused connection or "database is
  locked").

Figures (contacts/s, median, p95, p99 and maximum latency, failures) go to
``bench/results/<date>-load-contacts.md``; see docs/benchmarks.md. Loopback only; not
part of ``make test``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PY = sys.executable
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
WARM_ANSWERS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        PEERWAY_WARM_CHARTS="0",
        # The per-token limit protects a real installation; here each client is one token
        # posting as fast as it can.
        PEERWAY_API_RATE_PER_MINUTE="1000000",
        DEBUG="0",
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="peerway.settings",
    )
    return env


def python(env, script: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [PY, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, input=stdin
    )
    if done.returncode:
        sys.exit(f"bench step failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def manage(env, *args) -> str:
    out = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


PREPARE = r"""
import json, django
django.setup()
from peerway.api import services
from peerway.support.models import Contact
from peerway.core.models import Membership, Organization
from peerway.support.models import PeerRelationship
org = Organization.objects.get(is_demo=True)
plans = []
for rel in (PeerRelationship.objects.filter(person__organization=org, ended_on__isnull=True)
            .select_related("person", "worker")):
    template = (Contact.objects.filter(worker=rel.worker, people=rel.person)
                .order_by("-date").first()
                or Contact.objects.filter(worker=rel.worker).order_by("-date").first())
    if template is None:
        continue
    plans.append({"worker": rel.worker.pk, "person": rel.person.code, "team": template.team_id,
                  "modality": template.modality, "setting": template.setting,
                  "contact_type": "one_to_one", "activities": template.activities,
                  "chime": template.chime})
tokens = {}
for worker in {p["worker"] for p in plans}:
    from peerway.core.models import User
    tokens[worker] = services.create_token(actor=User.objects.get(pk=worker), name="load bench",
                                           mfa_verified=True).secret
print(json.dumps({"slug": org.slug, "plans": plans, "tokens": tokens,
                  "contacts": Contact.objects.count()}))
"""

CHECK = r"""
import json, sys, django
django.setup()
from peerway.contacts import rollups
from peerway.contacts.models import ContactMonthlyRollup, ContactRollup
from peerway.support.models import Contact
F = ("team_id", "worker_id", "activity", "contacts", "minutes", "attendances")
def rows():
    d = sorted(ContactRollup.objects.values_list("day", *F))
    m = sorted(ContactMonthlyRollup.objects.values_list("month", *F))
    return d, m
ids = json.loads(sys.stdin.read())
before = rows()
total = Contact.objects.count()
found = Contact.objects.filter(pk__in=ids).count()
rollups.rebuild()
after = rows()
print(json.dumps({"contacts": total, "found": found, "rollups_equal": before == after}))
"""


def worker_loop(base, slug, plans, tokens, stop, out, seed, answered):
    """Post contacts until ``stop``; ``answered[seed]`` counts this thread's answers."""
    rng = random.Random(seed)
    host, port = base
    conn = http.client.HTTPConnection(host, port, timeout=30)
    path = f"/api/v1/o/{slug}/contacts"
    today = dt.date.today().isoformat()
    while not stop.is_set():
        plan = rng.choice(plans)
        body = json.dumps(
            {
                "team": plan["team"],
                "people": [plan["person"]],
                "date": today,
                "duration_minutes": rng.choice([15, 20, 30, 45, 60]),
                "modality": plan["modality"],
                "setting": plan["setting"],
                "contact_type": plan["contact_type"],
                "activities": plan["activities"],
                "chime": plan["chime"],
                "note": "",
            }
        )
        headers = {
            "Authorization": f"Bearer {tokens[str(plan['worker'])]}",
            "Content-Type": "application/json",
        }
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            out.append((time.perf_counter() - started, 0, str(exc)[:80], started))
            answered[seed] += 1
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            continue
        elapsed = time.perf_counter() - started
        if status == 201:
            out.append((elapsed, status, json.loads(payload)["id"], started))
        else:
            out.append((elapsed, status, payload[:200].decode("utf-8", "replace"), started))
        answered[seed] += 1
    conn.close()


def server_command(spec: str, workers: int, port: int) -> list[str]:
    """gunicorn's command line for a server spec: "sync", or "gthread:N" (N threads)."""
    kind, _sep, threads = spec.partition(":")
    if kind not in ("sync", "gthread") or (kind == "gthread") != threads.isdigit():
        sys.exit(f"unknown server {spec!r}: use sync or gthread:N")
    command = [str(Path(PY).parent / "gunicorn"), "peerway.wsgi:application"]
    command += ["--workers", str(workers), "--worker-class", kind]
    if kind == "gthread":
        command += ["--threads", threads]
    return command + ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]


def server_label(spec: str) -> str:
    kind, _sep, threads = spec.partition(":")
    return f"gthread, {threads} threads" if kind == "gthread" else "sync"


def run(label, database_url, args) -> list[dict]:
    """Seed once, then load each server spec in turn; one row of figures per spec."""
    env = env_for(database_url)
    manage(env, "migrate", "--no-input")
    manage(env, "seed_demo")
    prepared = json.loads(python(env, PREPARE))
    contacts_before = prepared["contacts"]
    rows = []
    for spec in args.servers:
        row = run_server(env, spec, prepared, contacts_before, args)
        contacts_before = row.pop("contacts_after")
        rows.append({"database": label, **row})
    return rows


def run_server(env, spec, prepared, contacts_before, args) -> dict:
    port = free_port()
    server = subprocess.Popen(server_command(spec, args.workers, port), cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        stop = threading.Event()
        results: list = []
        answered = [0] * args.clients
        threads = [
            threading.Thread(
                target=worker_loop,
                args=(
                    ("127.0.0.1", port),
                    prepared["slug"],
                    prepared["plans"],
                    prepared["tokens"],
                    stop,
                    results,
                    i,
                    answered,
                ),
            )
            for i in range(args.clients)
        ]
        for t in threads:
            t.start()
        # Warm-up (each gunicorn worker loads the project on its first requests, which on a
        # busy machine can take longer than the warm-up time): written and checked like the
        # rest, but not timed. Timing starts once every client has had WARM_ANSWERS
        # answers, so no client is still waiting on a cold worker when the window opens.
        time.sleep(args.warmup)
        waited = 0.0
        while min(answered) < WARM_ANSWERS and waited < 300:
            time.sleep(0.2)
            waited += 0.2
        load_before = os.getloadavg()[0]
        began = time.perf_counter()
        time.sleep(args.seconds)
        stop.set()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
        load_after = os.getloadavg()[0]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    failed = [r for r in results if r[1] != 201]
    ids = [r[2] for r in results if r[1] == 201]
    ok = [r for r in results if r[1] == 201 and r[3] >= began]
    checked = json.loads(python(env, CHECK, json.dumps(ids)))
    latencies = sorted(r[0] for r in ok) or [0.0]

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return {
        "server": server_label(spec),
        "clients": args.clients,
        "workers": args.workers,
        "seconds": round(wall, 1),
        "written": len(ok),
        "per_second": round(len(ok) / wall, 1),
        "median_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(pct(95), 1),
        "p99_ms": round(pct(99), 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "failed": len(failed),
        "failures": sorted({f"{r[1]} {r[2]}" for r in failed})[:5],
        "lost": len(ids) - checked["found"],
        "extra": checked["contacts"] - contacts_before - len(ids),
        "rollups_equal": checked["rollups_equal"],
        "load": f"{load_before:.1f} → {load_after:.1f}",
        "contacts_after": checked["contacts"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--servers",
        nargs="+",
        default=["sync", "gthread:4"],
        help="gunicorn worker classes to load in turn on the same database: sync, gthread:N",
    )
    parser.add_argument(
        "--pg-database", default="peerway_load_bench", help="made and dropped by the bench"
    )
    parser.add_argument("--only", nargs="*", default=["postgresql", "sqlite"])
    args = parser.parse_args()
    rows = []
    if "postgresql" in args.only:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-q",
                "-c",
                f"DROP DATABASE IF EXISTS {args.pg_database}",
            ],
            check=True,
        )
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-q",
                "-c",
                f"CREATE DATABASE {args.pg_database}",
            ],
            check=True,
        )
        try:
            rows.extend(run("PostgreSQL", f"{PG_SERVER}/{args.pg_database}", args))
        finally:
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-q",
                    "-c",
                    f"DROP DATABASE IF EXISTS {args.pg_database}",
                ],
                check=False,
            )
    if "sqlite" in args.only:
        folder = Path(tempfile.mkdtemp(prefix="peerway-load-"))
        try:
            rows.extend(run("SQLite", f"sqlite:///{folder / 'load.sqlite3'}", args))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    day = dt.date.today().isoformat()
    target = RESULTS / f"{day}-load-contacts.md"
    n = 2
    while target.exists():
        target = RESULTS / f"{day}-load-contacts-{n}.md"
        n += 1
    lines = [
        f"# Contact logging under load ({day})",
        "",
        f"gunicorn, {args.workers} workers; {args.clients} clients on keep-alive connections "
        f"posting to the REST API for {args.seconds} s after {args.warmup} s of warm-up; "
        "loopback. Goal: ≥ 100 contacts/s, p99 ≤ 200 ms, no failed or lost write, rollups "
        "equal to the raw contacts.",
        "",
        "| Database | Worker class | Contacts/s | Median ms | p95 ms | p99 ms | Max ms | Failed "
        "| Lost | Extra | Rollups equal | Load average (1 min, start → end) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['database']} | {r['server']} | {r['per_second']} | {r['median_ms']} | "
            f"{r['p95_ms']} | "
            f"{r['p99_ms']} | {r['max_ms']} | {r['failed']} | {r['lost']} | {r['extra']} | "
            f"{'yes' if r['rollups_equal'] else 'NO'} | {r['load']} |"
        )
    for r in rows:
        if r["failures"]:
            lines.append(
                f"\n{r['database']} ({r['server']}) failures (first kinds): "
                + "; ".join(r["failures"])
            )
    target.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nWritten to {target}")


if __name__ == "__main__":
    main()

"""Benchmark: load a synthetic organization and time what dashboards and reports read.

    python bench/run.py --people 20000 --contacts 1000000 [--db sqlite postgres]

For each database, a fresh one is made (an SQLite file in a temporary folder; a
throwaway PostgreSQL database on 127.0.0.1:5432, or the server named by
BENCH_POSTGRES_URL), migrated, loaded with ``peerway synth`` (timed), its rollups
rebuilt (timed), then each read is timed once cold and three times warm. A child process
runs per database, because Django reads DATABASE_URL once at start. Results go to
``bench/results/<date>-<contacts>-contacts-<databases>[-n].md`` and ``.csv``; see
docs/benchmarks.md.

Not part of ``make test``: performance lives here, never in timed unit tests.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WARM_RUNS = 3
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"


# --- Parent: databases, machine, results ----------------------------------------------------


def machine() -> dict[str, str]:
    info = {
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        )
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        info["ram"] = f"{kb / 1024 / 1024:.1f} GiB"
        info["load_average_at_start"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except (OSError, StopIteration, ValueError):
        pass
    return info


def postgres_reachable(url: str) -> bool:
    host_port = url.split("@", 1)[-1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host or "127.0.0.1", int(port or 5432))) == 0


def admin_sql(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def database_exists(server: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def run_child(db: str, args, workdir: Path) -> dict:
    out = workdir / f"{db}.json"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="peerway.settings")
    server = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG).rstrip("/")
    name = args.pg_name or f"peerway_bench_{os.getpid()}"
    reuse = bool(args.pg_name if db == "postgres" else args.sqlite_path)
    if db == "sqlite":
        path = Path(args.sqlite_path) if args.sqlite_path else workdir / "bench.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        if not reuse or not database_exists(server, name):
            admin_sql(server, f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = f"{server}/{name}"
    command = [sys.executable, __file__, "--child", db, "--out", str(out)]
    command += ["--people", str(args.people), "--contacts", str(args.contacts)]
    command += ["--seed", str(args.seed), "--batch-size", str(args.batch_size)]
    if args.end:
        command += ["--end", args.end]
    if args.skip_rebuild:
        command.append("--skip-rebuild")
    if args.skip_report:
        command.append("--skip-report")
    try:
        subprocess.run(command, env=env, cwd=ROOT, check=True)
        return json.loads(out.read_text())
    finally:
        if db == "postgres" and not (args.keep or reuse):
            admin_sql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def write_results(runs: dict[str, dict], args, info: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC)
    name = f"{stamp:%Y-%m-%d}-{args.contacts}-contacts-{'-'.join(runs)}"
    base, n = RESULTS / name, 1
    while base.with_suffix(".md").exists():  # a second run the same day keeps the first
        n += 1
        base = RESULTS / f"{name}-{n}"
    fields = ["database", "step", "rows", "first_s", "warm_median_s", "note"]
    with open(base.with_suffix(".csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for db, run in runs.items():
            for step in run["steps"]:
                writer.writerow({"database": db, **{k: step.get(k, "") for k in fields[1:]}})
    lines = [
        f"# Benchmark {stamp:%Y-%m-%d %H:%M} UTC: {args.contacts:,} contacts, "
        f"{args.people:,} people (seed {args.seed})",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()),
        "",
    ]
    for run in runs.values():
        lines += [f"## {run['database_version']}", ""]
        lines += ["Rows: " + ", ".join(f"{k} {v:,}" for k, v in run["rows"].items()), ""]
        lines += [
            f"Peak memory of the process (after loading): {run['peak_rss_mb']:.0f} MB; "
            f"database size: {run['database_mb']:.0f} MB.",
            "",
            "| step | rows | first (s) | warm median (s) | note |",
            "|---|---:|---:|---:|---|",
        ]
        for step in run["steps"]:
            lines.append(
                f"| {step['step']} | {step.get('rows', '')} | {step.get('first_s', '')} | "
                f"{step.get('warm_median_s', '')} | {step.get('note', '')} |"
            )
        lines.append("")
    base.with_suffix(".md").write_text("\n".join(lines))
    return base.with_suffix(".md")


def parent(args) -> int:
    info = machine()
    server = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG)
    runs = {}
    for db in args.db:
        if db == "postgres" and not postgres_reachable(server):
            print(f"PostgreSQL not reachable at {server}: skipped.", file=sys.stderr)
            continue
        workdir = Path(tempfile.mkdtemp(prefix=f"peerway-bench-{db}-"))
        try:
            print(f"== {db}: {args.contacts:,} contacts ==", file=sys.stderr)
            runs[db] = run_child(db, args, workdir)
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
    if not runs:
        return 1
    for run in runs.values():
        info[run["database"]] = run["database_version"]
    path = write_results(runs, args, info)
    print(path.read_text())
    print(f"Written to {path.relative_to(ROOT)} (and .csv).", file=sys.stderr)
    return 0


# --- Child: one database --------------------------------------------------------------------


def timed(fn, runs: int = WARM_RUNS) -> tuple[float, float, object]:
    began = time.perf_counter()
    result = fn()
    first = time.perf_counter() - began
    warm = []
    for _i in range(runs):
        began = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - began)
    return first, statistics.median(warm) if warm else first, result


def cached_dashboards(org, teams, site_teams, end, record, steps) -> None:
    """The organization dashboard through the indicators cache (decision 32), cold (the
    first read after a write: versions raised, so the parts that read them are computed and
    stored) and warm (read back), beside the parts it computes on a miss: the raw rollup
    reads and the other tables, each timed alone in the same run."""
    import pickle

    from django.core.cache import caches
    from django.db import transaction

    from peerway.indicators import cache, versions
    from peerway.indicators import selectors as indicators

    period = indicators.Period.last_months(12, today=end)

    def after_write(fn, kinds=versions.KINDS):
        def run():
            with transaction.atomic():
                versions.bump([org.pk], kinds)  # what a write of a record of these kinds does
            return fn()

        return run

    for label, subset, k in (
        ("organization", teams, None),
        ("organization, aggregate view (k=5)", teams, 5),
        ("site", site_teams, None),
    ):

        def read(subset=subset, k=k):
            return cache.place_dashboard(org, teams=subset, period=period, k=k)

        record(
            f"cached {label} dashboard: cold, every kind of record written",
            after_write(read),
            rows=lambda d: len(d.drift_by_team),
            note="all versions raised (as a new day or a change of teams does): all computed",
        )
        record(
            f"cached {label} dashboard: cold, after a contact logged",
            after_write(read, [versions.CONTACTS]),
            rows=lambda d: len(d.drift_by_team),
            note="contacts version raised: drift and contacts per person computed",
        )
        read()
        record(
            f"cached {label} dashboard: warm",
            read,
            rows=lambda d: len(d.drift_by_team),
            note="versions read, parts from the process's memo, safety tasks counted",
        )
    entry = cache.place_dashboard(org, teams=teams, period=period)
    began = time.perf_counter()
    size = len(pickle.dumps(entry, pickle.HIGHEST_PROTOCOL))
    steps.append(
        {
            "step": "cached organization dashboard: size of the stored entry",
            "rows": size,
            "first_s": f"{time.perf_counter() - began:.3f}",
            "note": f"rows: bytes pickled; cache backend {caches['indicators'].__class__.__name__}",
        }
    )

    # What a miss computes, part by part (the raw rollup reads first).
    relationships = indicators._open_relationships(org, teams, period)
    parts = [
        (
            "drift by worker and team (rollups)",
            lambda: indicators.drift(org, teams, period, by="worker"),
        ),
        (
            "attendances per team and month (rollups)",
            lambda: indicators.contacts_per_person(org, teams, period, relationships=relationships),
        ),
        ("relationships open in the period", lambda: relationships_read()),
        ("workers, profiles, supervision, training, check-ins", lambda: workers_read()),
        ("referrals by source", lambda: indicators.referrals_by_source(org, teams, period)),
        ("acceptance", lambda: indicators.acceptance(org, teams, period)),
        ("time to first contact", lambda: indicators.time_to_first_contact(org, teams, period)),
        (
            "safety events",
            lambda: indicators.safety(org, teams, period, relationships=relationships),
        ),
        ("safety tasks", lambda: indicators.safety_tasks(org, teams, period)),
        ("readiness trend (stored wave means)", lambda: indicators.readiness_trend(org)),
        ("plan progress", lambda: indicators.plan_progress(org)),
    ]

    def relationships_read():
        return indicators._open_relationships(org, teams, period)

    def workers_read():
        return indicators.workers(org, teams, period, include_leavers=True)

    for label, fn in parts:
        record(
            f"organization dashboard part: {label}",
            fn,
            note="computed on a miss; the raw reads beside the cached figures",
        )


def child(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from peerway.contacts import drift, rollups
    from peerway.contacts.models import ALL_ACTIVITIES, ContactMonthlyRollup, ContactRollup
    from peerway.core.models import Membership, Organization, Team
    from peerway.support.models import Contact, Person
    from peerway.synth import generator, load

    steps: list[dict] = []

    def record(step, fn, *, once=False, rows=None, note=""):
        try:
            first, warm, result = timed(fn, runs=0 if once else WARM_RUNS)
        except Exception as exc:  # a failed read is a result, not a crash
            steps.append({"step": step, "note": f"failed: {type(exc).__name__}: {exc}"[:200]})
            print(f"  {step}: failed ({exc})", file=sys.stderr)
            return None
        count = rows(result) if rows else (len(result) if hasattr(result, "__len__") else "")
        steps.append(
            {
                "step": step,
                "rows": count,
                "first_s": f"{first:.3f}",
                "warm_median_s": "" if once else f"{warm:.3f}",
                "note": note,
            }
        )
        print(f"  {step}: {first:.3f} s", file=sys.stderr)
        return result

    record("migrate", lambda: call_command("migrate", verbosity=0), once=True)
    end = dt.date.fromisoformat(args.end) if args.end else timezone.localdate()
    shape = generator.Shape(people=args.people, contacts=args.contacts, seed=args.seed, end=end)
    counts = None
    if Organization.objects.filter(slug="synth").exists():
        # --sqlite-path / --pg-name on a database a previous run kept: reads only.
        steps.append({"step": "synth load", "note": "skipped: reused a kept database"})
    else:
        counts = record(
            "synth load (structure, contacts, attendees, rollups)",
            lambda: load.load(shape=shape, slug="synth", batch_size=args.batch_size),
            once=True,
            rows=lambda c: c["contacts"],
            note=f"batch size {args.batch_size}; notes left empty",
        )
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    org = Organization.objects.get(slug="synth")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum would do shortly after a bulk load
    if args.skip_rebuild:
        steps.append({"step": "rebuild contact rollups (command)", "note": "skipped"})
    else:
        record(
            "rebuild contact rollups (command)",
            lambda: rollups.rebuild(org),
            once=True,
            rows=lambda r: r["rows"] + r["monthly_rows"],
            note="from raw contacts, one day at a time; rows: daily and monthly",
        )

    teams = list(Team.objects.filter(site__organization=org).select_related("site"))
    site_teams = [t for t in teams if t.site_id == teams[0].site_id]
    year_ago = end - dt.timedelta(days=365)
    last_12 = ContactRollup.objects.filter(organization=org, day__gt=year_ago)

    record(
        "drift by team, 12 months (contacts.drift)",
        lambda: drift.drift(org, by="team", start=year_ago, end=end),
    )
    record(
        "drift by worker, 12 months (contacts.drift)",
        lambda: drift.drift(org, by="worker", start=year_ago, end=end),
    )
    first_day = year_ago + dt.timedelta(days=1)
    record(
        "contacts and minutes per team and month, 12 months (rollups)",
        lambda: rollups.totals(
            org,
            start=first_day,
            end=end,
            keys=["team_id"],
            sums=["contacts", "minutes", "attendances"],
            activity=ALL_ACTIVITIES,
        ),
        note="rollups.totals: monthly rows, daily rows for the partial first month",
    )
    record(
        "minutes per activity, whole organization, 12 months (rollups)",
        lambda: rollups.totals(
            org,
            start=first_day,
            end=end,
            keys=["activity"],
            monthly=False,
            exclude={"activity": ALL_ACTIVITIES},
        ),
    )
    record(
        "one team's workers by month, 12 months (rollups)",
        lambda: rollups.totals(
            org,
            start=first_day,
            end=end,
            keys=["worker_id"],
            sums=["contacts", "minutes"],
            team=teams[0],
            activity=ALL_ACTIVITIES,
        ),
    )
    record(
        "same per team and month from the daily rollups alone",
        lambda: list(
            last_12.filter(activity=ALL_ACTIVITIES)
            .annotate(month=TruncMonth("day"))
            .values("team_id", "month")
            .annotate(c=Sum("contacts"), m=Sum("minutes"), a=Sum("attendances"))
            .order_by()
        ),
        note="not used by any dashboard; shown for comparison",
    )
    record(
        "same per team and month from raw contacts (what rollups avoid)",
        lambda: list(
            Contact.objects.filter(organization=org, date__gt=year_ago)
            .annotate(month=TruncMonth("date"))
            .values("team_id", "month")
            .annotate(c=Count("id"), m=Sum("duration_minutes"))
            .order_by()
        ),
        note="not used by any dashboard; shown for comparison",
    )

    try:
        from peerway.indicators import selectors as indicators
    except ImportError:
        indicators = None
        steps.append({"step": "indicator dashboards", "note": "peerway.indicators not present"})
    if indicators is not None:
        period = indicators.Period.last_months(12, today=end)
        for label, subset in (
            ("organization", teams),
            ("site", site_teams),
            ("team", teams[:1]),
        ):
            record(
                f"indicators {label} dashboard, 12 months ({len(subset)} teams)",
                lambda subset=subset, period=period: indicators.place_dashboard(
                    org, teams=subset, period=period
                ),
                rows=lambda d: len(d.drift_by_worker) + len(d.drift_by_team),
                note="indicators.place_dashboard; rows: drift rows",
            )
        from peerway.core.models import User
        from peerway.workforce.selectors import load_worker

        members = User.objects.filter(memberships__organization=org).order_by("pk")
        worker = members.filter(memberships__role="peer_worker").first()
        supervisor = members.filter(memberships__role="supervisor").first()
        record(
            "indicators worker dashboard (own figures), 12 months",
            lambda period=period: indicators.worker_dashboard(
                org, load_worker(worker, org), period=period
            ),
            rows=lambda d: len(d.drift),
            note="indicators.worker_dashboard; rows: drift rows",
        )
        record(
            "indicators supervision dashboard (one site's workers), 12 months",
            lambda period=period: indicators.supervision_dashboard(org, supervisor, period=period),
            note="indicators.supervision_dashboard; rows: workers",
        )
        record(
            "indicators organization dashboard, aggregate view (k=5)",
            lambda period=period: indicators.place_dashboard(org, teams=teams, period=period, k=5),
            rows=lambda d: len(d.drift_by_team),
            note="what an evaluator reads",
        )

    if indicators is not None:
        cached_dashboards(org, teams, site_teams, end, record, steps)

    try:
        from peerway.evaluation import analysis, periods, report
    except ImportError:
        report = None
        steps.append({"step": "report", "note": "peerway.evaluation not present"})
    if report is not None and args.skip_report:
        steps.append({"step": "report", "note": "skipped (--skip-report)"})
    elif report is not None:
        quarter = (end.month - 1) // 3
        year = end.year if quarter else end.year - 1
        period = periods.parse_period(f"{year}Q{quarter or 4}")
        scope = analysis.Scope(organization=org)
        record(
            f"report HTML, organization, {period.code}",
            lambda: report.render_html(scope, period, today=end, lang="en"),
            once=True,
            rows=lambda html: len(html),
            note="rows: characters",
        )
        record(
            f"report PDF, organization, {period.code}",
            lambda: report.render_pdf(scope, period, today=end, lang="en"),
            once=True,
            rows=lambda pdf: len(pdf),
            note="rows: bytes; WeasyPrint",
        )

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            version = "PostgreSQL " + cursor.fetchone()[0].split()[1]
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            version = "SQLite " + cursor.fetchone()[0]
            name = Path(connection.settings_dict["NAME"])
            size = sum(p.stat().st_size for p in name.parent.glob(name.name + "*"))
    result = {
        "database": connection.vendor,
        "database_version": version,
        "database_mb": size / 1024 / 1024,
        "peak_rss_mb": peak_rss_mb,
        "rows": {
            "contacts": Contact.objects.filter(organization=org).count(),
            "attendances": counts["attendances"]
            if counts
            else Contact.people.through.objects.filter(contact__organization=org).count(),
            "rollup rows": ContactRollup.objects.filter(organization=org).count(),
            "monthly rollup rows": ContactMonthlyRollup.objects.filter(organization=org).count(),
            "people": Person.objects.filter(organization=org).count(),
            "peer workers": (counts or {}).get("workers")
            or Membership.objects.filter(organization=org, role="peer_worker").count(),
            "teams": len(teams),
        },
        "steps": steps,
    }
    Path(args.out).write_text(json.dumps(result, indent=1))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--end", help="Last day of contacts (YYYY-MM-DD; default today).")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--db", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--keep", action="store_true", help="Keep the databases afterwards.")
    parser.add_argument(
        "--skip-rebuild", action="store_true", help="Do not time rebuilding the rollups."
    )
    parser.add_argument("--skip-report", action="store_true", help="Do not time the report.")
    parser.add_argument(
        "--sqlite-path",
        help="Use (and keep) this SQLite file; a synthetic organization already in it is "
        "reused (reads only).",
    )
    parser.add_argument(
        "--pg-name",
        help="Use (and keep) this PostgreSQL database, created if missing; a synthetic "
        "organization already in it is reused (reads only).",
    )
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())

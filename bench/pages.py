"""Benchmark: every page each role reaches from its navigation, on the demo region and on
a synthetic region, timed cold and warm with its number of queries.

    python bench/pages.py [--people 4000] [--contacts 200000] [--runs 3] [--only demo synth]
    python bench/pages.py --only synth --database-url postgres://postgres@127.0.0.1:5432/NAME

For each region a fresh SQLite database is made in a temporary folder, migrated and
loaded (``seed_demo``, or ``peerway synth --people --contacts``); a child process runs per
region, because Django reads DATABASE_URL once at start. With ``--database-url`` the
synthetic region is instead the one a previous run kept (``bench/run.py --db postgres
--pg-name NAME``, which is how five million contacts are loaded): that database is
migrated, its organization ``synth`` reused, and the bench's extra users added if
missing (its two-factor rules are switched off, as below). Then, for each role, a user is
signed in with the test client (``force_login``: no password or second factor), the home
page's main navigation gives the pages to time (the home included; sign-out and language
switches left out), with one dashboard of each kind the dashboards index links to
(organization, site, team, supervision, own, a worker's, definitions), and each page is
fetched once cold and ``--runs`` times warm (median),
counting the queries of the last fetch. On the demo region, "Propose" on the matching
queue is timed too (all open referrals ticked). Results go to
``bench/results/<date>-pages-<contacts>-contacts[-n].md`` and ``.csv``; see
docs/benchmarks.md.

The synthetic region has a manager, supervisors and peer workers; the bench adds an
evaluator, an administrator, a human-resources officer and a clinician to it (in its
throwaway database) so that every role is measured on both regions. Two-factor rules are
switched off in the throwaway databases: ``force_login`` signs in without the second step.

Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

SKIP = ("/accounts/logout", "/i18n/", "/static/", "/media/")
ROLES = ("manager", "supervisor", "peer_worker", "clinician", "evaluator", "admin", "hr")


# --- Parent ---------------------------------------------------------------------------------


def run_child(region: str, args, workdir: Path) -> dict:
    out = workdir / f"{region}.json"
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    if region == "synth" and args.database_url:
        url = args.database_url
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="peerway.settings", DATABASE_URL=url)
    command = [sys.executable, __file__, "--child", region, "--out", str(out)]
    command += ["--people", str(args.people), "--contacts", str(args.contacts)]
    command += ["--runs", str(args.runs), "--seed", str(args.seed)]
    if region == "synth" and args.database_url:
        command += ["--database-url", args.database_url]
    subprocess.run(command, env=env, cwd=ROOT, check=True)
    return json.loads(out.read_text())


def write_results(runs: dict[str, dict], args) -> Path:
    from bench.run import machine

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC)
    name = f"{stamp:%Y-%m-%d}-pages-{args.contacts}-contacts"
    base, n = RESULTS / name, 1
    while base.with_suffix(".md").exists():
        n += 1
        base = RESULTS / f"{name}-{n}"
    fields = ["region", "role", "page", "status", "queries", "first_s", "warm_median_s"]
    with open(base.with_suffix(".csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for region, run in runs.items():
            for row in run["pages"]:
                writer.writerow({"region": region, **{k: row[k] for k in fields[1:]}})
    info = machine()
    lines = [
        f"# Pages benchmark {stamp:%Y-%m-%d %H:%M} UTC ({engine(args)}; "
        f"warm = median of {args.runs})",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()),
        "",
    ]
    for run in runs.values():
        lines += [f"## {run['title']}", "", run["note"], ""]
        for step in run.get("steps", []):
            lines.append(f"- {step}")
        lines += [
            "",
            "| role | page | status | queries | first (s) | warm median (s) |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for row in run["pages"]:
            lines.append(
                f"| {row['role']} | {row['page']} | {row['status']} | {row['queries']} | "
                f"{row['first_s']} | {row['warm_median_s']} |"
            )
        slow = sorted(run["pages"], key=lambda r: -float(r["warm_median_s"]))[:5]
        lines += [
            "",
            "Slowest warm: "
            + "; ".join(f"{r['role']} {r['page']} {r['warm_median_s']} s" for r in slow),
            "",
        ]
    base.with_suffix(".md").write_text("\n".join(lines))
    return base.with_suffix(".md")


def engine(args) -> str:
    if args.database_url and args.database_url.startswith("postgres"):
        return "SQLite for the demo, PostgreSQL for the synthetic region"
    return "SQLite"


def parent(args) -> int:
    runs = {}
    for region in args.only:
        workdir = Path(tempfile.mkdtemp(prefix=f"peerway-pages-{region}-"))
        try:
            print(f"== {region} ==", file=sys.stderr)
            runs[region] = run_child(region, args, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    path = write_results(runs, args)
    print(path.read_text())
    print(f"Written to {path.relative_to(ROOT)} (and .csv).", file=sys.stderr)
    return 0


# --- Child ----------------------------------------------------------------------------------


def nav_links(html: str) -> list[str]:
    nav = re.search(r"<nav\b.*?</nav>", html, re.S)
    links = re.findall(r'href="(/[^"#?]*)"', nav.group(0)) if nav else []
    return [link for link in dict.fromkeys(links) if not link.startswith(SKIP)]


def dashboard_links(client, pages: list[str]) -> list[str]:
    """The dashboards the role reaches from the dashboards index in its navigation (not in
    the bar itself): one of each kind (organization, site, team, supervision, own, worker,
    definitions), the first the index lists; and a worker's dashboard from the first one
    that links to one."""
    index = next((p for p in pages if p.endswith("/dashboards/")), None)
    if index is None:
        return []
    found: dict[str, str] = {}

    def take(html: str) -> None:
        for link in re.findall(rf'href="({re.escape(index)}[^"#?]*)"', html):
            kind = re.sub(r"\d+", "N", link[len(index) :])
            if kind and link not in pages:
                found.setdefault(kind, link)

    take(client.get(index).content.decode())
    for kind, link in list(found.items()):
        response = client.get(link)
        if response.status_code == 302:  # "my dashboard" leads to the worker's own
            found[kind] = response.url
        elif "workers/N/" not in found:
            take(response.content.decode())
    return list(dict.fromkeys(found.values()))


def child(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from peerway.core.models import Membership, Organization, Team, User
    from peerway.core.roles import Role

    setup_test_environment()  # the test client's host name, and no e-mail sent
    steps = []

    def step(label, fn):
        began = time.perf_counter()
        result = fn()
        steps.append(f"{label}: {time.perf_counter() - began:.1f} s")
        print(f"  {steps[-1]}", file=sys.stderr)
        return result

    step("migrate", lambda: call_command("migrate", verbosity=0))
    if args.child == "demo":
        step("seed_demo", lambda: call_command("seed_demo", verbosity=0))
        org = Organization.objects.get(is_demo=True, slug="lakeshore")
        title = "Demo region (seed_demo)"
    else:
        from peerway.synth import generator, load

        if args.database_url and Organization.objects.filter(slug="synth").exists():
            steps.append("synthetic region: the one already in the database (reused)")
        else:
            shape = generator.Shape(
                people=args.people, contacts=args.contacts, seed=args.seed, end=dt.date.today()
            )
            step(
                f"synth load ({args.people:,} people, {args.contacts:,} contacts)",
                lambda: load.load(shape=shape, slug="synth"),
            )
        org = Organization.objects.get(slug="synth")
        team = Team.objects.filter(site__organization=org).order_by("pk").first()
        for role in (Role.EVALUATOR, Role.ADMIN, Role.HR, Role.CLINICIAN):
            email = f"bench-{role}@synth.example"
            user = User.objects.filter(email=email).first() or User.objects.create_user(
                email=email, password=None, display_name=f"Bench {role}"
            )
            Membership.objects.get_or_create(
                user=user,
                role=role,
                organization=org,
                team=team if role == Role.CLINICIAN else None,
            )
        title = None
    Organization.objects.update(mfa_required_roles=[])
    counts = {
        "teams": Team.objects.filter(site__organization=org).count(),
        "peer workers": Membership.objects.filter(organization=org, role=Role.PEER_WORKER)
        .values("user")
        .distinct()
        .count(),
    }
    from peerway.support.models import Contact, Person

    counts["people"] = Person.objects.filter(organization=org).count()
    counts["contacts"] = Contact.objects.filter(organization=org).count()
    if title is None:
        engine_name = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[connection.vendor]
        title = (
            f"Synthetic region ({engine_name}: {counts['people']:,} people, "
            f"{counts['contacts']:,} contacts)"
        )
    note = "Rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + "."

    def user_for(role):
        membership = (
            Membership.objects.filter(organization=org, role=role, user__is_active=True)
            .order_by("user__email")
            .select_related("user")
            .first()
        )
        return membership.user if membership else None

    rows = []
    for role in ROLES:
        user = user_for(role)
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        pages = ["/", *(p for p in nav_links(client.get("/").content.decode()) if p != "/")]
        pages += dashboard_links(client, pages)
        for page in pages:
            times, status, queries = [], None, 0
            for _run in range(1 + args.runs):
                connection.queries_log.clear()  # the log keeps 9,000 queries at most
                with CaptureQueriesContext(connection) as captured:
                    began = time.perf_counter()
                    response = client.get(page)
                    times.append(time.perf_counter() - began)
                status, queries = response.status_code, len(captured)
                if queries >= connection.queries_log.maxlen:
                    queries = f">{queries - 1}"
            rows.append(
                {
                    "role": role,
                    "page": page,
                    "status": status,
                    "queries": queries,
                    "first_s": f"{times[0]:.3f}",
                    "warm_median_s": f"{statistics.median(times[1:] or times):.3f}",
                }
            )
            print(f"  {role} {page}: {rows[-1]['warm_median_s']} s, {queries} q", file=sys.stderr)
        if role == "manager" and args.child == "demo":
            rows += propose_rows(client, org, args.runs, CaptureQueriesContext, connection)

    Path(args.out).write_text(
        json.dumps({"title": title, "note": note, "steps": steps, "pages": rows}, indent=1)
    )
    return 0


def propose_rows(client, org, runs, capture, connection) -> list[dict]:
    """POST "Propose" on the matching queue with every open referral ticked."""
    page = f"/o/{org.slug}/matching/"
    html = client.get(page).content.decode()
    ticked = sorted(set(re.findall(r'name="referral" value="(\d+)"', html)))
    if not ticked:
        return []
    times, status, queries = [], None, 0
    for _run in range(1 + runs):
        connection.queries_log.clear()
        with capture(connection) as captured:
            began = time.perf_counter()
            response = client.post(page, {"referral": ticked})
            times.append(time.perf_counter() - began)
        status, queries = response.status_code, len(captured)
    return [
        {
            "role": "manager",
            "page": f"POST {page} (Propose, {len(ticked)} referrals)",
            "status": status,
            "queries": queries,
            "first_s": f"{times[0]:.3f}",
            "warm_median_s": f"{statistics.median(times[1:] or times):.3f}",
        }
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=4000)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=["demo", "synth"], default=["demo", "synth"])
    parser.add_argument(
        "--database-url",
        help="Time the synthetic region of this database (kept by an earlier run, e.g. "
        "bench/run.py --db postgres --pg-name NAME) instead of loading a new one.",
    )
    parser.add_argument("--child", choices=["demo", "synth"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())

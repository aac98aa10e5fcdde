"""Benchmark: the first dashboard after the server starts, on the demo region.

    python bench/first_request.py [--starts 3]

A fresh SQLite database is made in a temporary folder and seeded (``seed_demo``, which
releases the closed survey waves and stores their readiness means, as the release task
does). Then, ``--starts`` times, a new process loads the WSGI application (``peerway.wsgi``:
the warm-up of views, statistics, questionnaires and the chart engine, timed as the
start), signs the demo manager in with the test client (``force_login``; two-factor rules
switched off in the throwaway database) and fetches the site dashboard twice and the
organization dashboard twice, as the first visitors after a start would. The last start
comes after a write (a supervision session recorded). With the default cache (in each
process) every start computes its dashboards; with a shared one
(``PEERWAY_INDICATOR_CACHE_URL``) only the start after the write would. Results go to
``bench/results/<date>-first-request[-n].md``; see
docs/benchmarks.md.

Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))


def child(mode: str, out: Path) -> int:
    if mode == "seed":
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("seed_demo", verbosity=0)
        return 0

    began = time.perf_counter()
    import peerway.wsgi  # noqa: F401 - the start a server makes, warm-up included

    start = time.perf_counter() - began
    from django.core.cache import caches
    from django.test import Client
    from django.urls import reverse

    from peerway.core.models import Membership, Organization, Site
    from peerway.core.roles import Role

    Organization.objects.update(mfa_required_roles=[])
    org = Organization.objects.order_by("pk").first()  # the demo region, alone here
    if mode == "after-write":
        from django.utils import timezone

        from peerway.workforce.models import SupervisionSession

        session = SupervisionSession.objects.filter(organization=org).first()
        SupervisionSession.objects.create(
            organization=org,
            worker=session.worker,
            supervisor=session.supervisor,
            session_type=session.session_type,
            date=timezone.localdate(),
            duration_minutes=30,
        )
    manager = (
        Membership.objects.filter(organization=org, role=Role.MANAGER, site=None, team=None)
        .select_related("user")
        .first()
        .user
    )
    site = Site.objects.filter(organization=org).order_by("name").first()
    client = Client(SERVER_NAME="localhost")
    client.force_login(manager)
    rows = [{"step": "start (peerway.wsgi with its warm-up)", "seconds": start}]
    for label, url in (
        ("site dashboard", reverse("indicators:site", args=[org.slug, site.pk])),
        ("organization dashboard", reverse("indicators:organization", args=[org.slug])),
    ):
        for n in ("first", "second"):
            began = time.perf_counter()
            status = client.get(url).status_code
            rows.append({"step": f"{label}, {n} request", "seconds": time.perf_counter() - began})
            assert status == 200, (url, status)
    rows.append({"step": "backend", "seconds": 0, "note": type(caches["indicators"]).__name__})
    out.write_text(json.dumps(rows))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--child", choices=["seed", "start", "after-write"])
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        return child(args.child, Path(args.out or os.devnull))

    from bench.run import machine

    info = machine()
    workdir = Path(tempfile.mkdtemp(prefix="peerway-first-request-"))
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="peerway.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'demo.sqlite3'}",
    )
    try:
        began = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--child", "seed"], env=env, cwd=ROOT, check=True)
        seeded = time.perf_counter() - began
        starts = []
        for i in range(args.starts):
            mode = "after-write" if i == args.starts - 1 else "start"
            out = workdir / f"start-{i}.json"
            command = [sys.executable, __file__, "--child", mode, "--out", str(out)]
            subprocess.run(command, env=env, cwd=ROOT, check=True)
            starts.append((mode, json.loads(out.read_text())))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    stamp = dt.datetime.now(dt.UTC)
    RESULTS.mkdir(parents=True, exist_ok=True)
    base, n = RESULTS / f"{stamp:%Y-%m-%d}-first-request", 1
    while base.with_suffix(".md").exists():
        n += 1
        base = RESULTS / f"{stamp:%Y-%m-%d}-first-request-{n}"
    steps = [row["step"] for row in starts[0][1] if row["step"] != "backend"]
    lines = [
        f"# First request after a start, demo region, {stamp:%Y-%m-%d %H:%M} UTC",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()),
        "",
        f"Seeding the demo region: {seeded:.1f} s. Each column is a new process; the last "
        "starts after a write (a supervision session). Indicators cache: "
        f"{starts[0][1][-1].get('note', '')} (in each process: every start computes its "
        "dashboards).",
        "",
        "| step | " + " | ".join(f"start {i + 1} ({m})" for i, (m, _r) in enumerate(starts)) + " |",
        "|---|" + "---:|" * len(starts),
    ]
    for step in steps:
        cells = []
        for _mode, rows in starts:
            value = next(r["seconds"] for r in rows if r["step"] == step)
            cells.append(f"{value:.3f}")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    base.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"Written to {base.with_suffix('.md').relative_to(ROOT)}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

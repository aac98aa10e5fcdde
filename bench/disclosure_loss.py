"""What an aggregate reader (the evaluator) loses to suppression on the dashboards.

    DATABASE_URL=sqlite:///demo.sqlite3 python bench/disclosure_loss.py [--months 6]

Reads an already seeded database (``manage.py seed_demo``; it writes nothing but the
dashboards' audit events, so use a throwaway copy), signs the organization's evaluator in
with the test client and opens the organization dashboard, every site's and every team's.
For each figure that differencing across places concerns (decision 36) it counts the cells
published and the cells hidden, over all those dashboards: referrals by month and source,
referrals by team and source, referrals counted for the time to first contact, peer
workers employed at the start, employment ended, turnover and retention. Run it on two
versions of the code against the same database to compare rules; prints a Markdown table.
Then it runs the attack of ``tests/indicators/test_cross_place_attack.py`` on the same
dashboards and lists every small hidden figure that the shown ones give back.

Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=6)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerway.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from peerway.core.models import Membership, Organization, Site, Team
    from peerway.core.roles import Role

    setup_test_environment()  # the test client's host name, and the pages' context
    Organization.objects.update(mfa_required_roles=[])
    member = (
        Membership.objects.filter(role=Role.EVALUATOR, site=None, team=None)
        .select_related("organization", "user")
        .order_by("pk")
        .first()
    )
    org, user = member.organization, member.user
    client = Client()
    client.force_login(user)
    pages = [("organization", reverse("indicators:organization", args=[org.slug]))]
    for site in Site.objects.filter(organization=org).order_by("name"):
        pages.append(("site", reverse("indicators:site", args=[org.slug, site.pk])))
    for team in Team.objects.filter(site__organization=org).order_by("site__name", "name"):
        pages.append(("team", reverse("indicators:team", args=[org.slug, team.pk])))
    shown: Counter = Counter()
    hidden: Counter = Counter()

    def count(figure, level, c):
        (hidden if c["suppressed"] else shown)[(figure, level)] += 1

    for level, url in pages:
        context = client.get(f"{url}?months={args.months}").context
        assert context["aggregate_only"]
        for row in context["referral_table"]:
            for c in row["cells"]:
                count("Referrals by month and source", level, c)
        for row in context["referral_team_table"]:
            for c in row["cells"]:
                count("Referrals by team and source", level, c)
        wait_n = context.get("wait_n")
        if wait_n is None:  # before decision 36 the template decided it itself
            n, k = context["wait"].n, context["k"]
            wait_n = {"suppressed": bool(n and n < k)}
        count("Referrals counted (first contact)", level, wait_n)
        for key, label in (
            ("employed_at_start", "Peer workers employed at the start"),
            ("leavers", "Employment ended"),
            ("turnover", "Turnover"),
            ("retention", "Retention"),
        ):
            count(label, level, context["workforce"][key])
    figures = list(dict.fromkeys(f for f, _level in [*shown, *hidden]))
    levels = ("organization", "site", "team")
    print(
        f"{len(pages)} dashboards ({org.name}, the last {args.months} months, k = {context['k']})"
    )
    print()
    print("| Figure | " + " | ".join(f"{lv}: shown / cells" for lv in levels) + " | all |")
    print("|---|" + "---|" * (len(levels) + 1))
    for f in figures:
        cols = [f"{shown[(f, lv)]} / {shown[(f, lv)] + hidden[(f, lv)]}" for lv in levels]
        s = sum(shown[(f, lv)] for lv in levels)
        t = s + sum(hidden[(f, lv)] for lv in levels)
        print(f"| {f} | " + " | ".join(cols) + f" | {s} / {t} |")
    from tests.indicators import test_cross_place_attack as attack

    collected = {}
    for place, url in attack.every_dashboard(client, org, only_urls=True).items():
        collected[place], _context = attack.published(client, f"{url}?months={args.months}", place)
    leaks = attack.recovered_small_figures(collected, attack.place_tree(org))
    print()
    print(f"Small hidden figures worked out from the shown ones: {len(leaks)}")
    for v, (places, value) in sorted(leaks.items(), key=repr):
        print(f"- {v}, hidden on {len(places)} dashboard(s): {value}")


if __name__ == "__main__":
    main()

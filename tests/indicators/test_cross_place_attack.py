"""An aggregate reader may open the organization dashboard, every site's and every team's:
no figure hidden on one of them may be worked out from the figures shown on the others.

The attack below knows nothing of how the dashboards suppress: it opens every dashboard the
evaluator can open, writes down every count shown (referrals by month and source, referrals
by team and source, referrals counted for the time to first contact, peer workers employed
at the start, employment ended, safety tasks, and the peer workers who checked in, which a
shown completion rate gives with the active workers it is a rate of), and solves the
equations that tie the places
together (an organization's count is the sum of its sites', a site's the sum of its teams',
a team's total for the period the sum of its months) exactly, by elimination over the
rationals. A figure hidden on a dashboard whose value the equations then fix, and which is
small (1 to k − 1), is a leak.

The world: North Hospital (Team A, large; Team B, small), South Clinic (Team C, with two
leavers of six workers) and East Centre (Team D, three first contacts and two peer workers,
one of whom checked in; Team E, six peer workers, four of whom checked in).
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import Site, Team, TeamType
from peerway.indicators import cache
from peerway.support.models import Person, Referral, ReferralEvent
from tests.conftest import place_peer_workers

K = 5


@pytest.fixture
def region(world, settings):
    """Figures chosen so that each kind of count has a small part under a shown whole."""
    settings.PEERWAY_INDICATORS_K = K
    east = Site.objects.create(organization=world.org, name="East Centre")
    team_d = Team.objects.create(site=east, name="Team D", team_type=TeamType.COMMUNITY)
    team_e = Team.objects.create(site=east, name="Team E", team_type=TeamType.COMMUNITY)
    now = timezone.now()
    this_month = now - dt.timedelta(hours=1)
    earlier = now - dt.timedelta(days=40)  # another month, within the six shown

    def referrals(team, n, at, *, first_contacts=0):
        for i in range(n):
            person = Person.objects.create(organization=world.org, team=team)
            referral = Referral.objects.create(
                person=person, team=team, source="clinician", created_at=at
            )
            if i < first_contacts:
                ReferralEvent.objects.create(
                    referral=referral, state="first_contact", at=now - dt.timedelta(minutes=30)
                )

    # Referrals from clinicians: Team B has 2 this month and 5 earlier (7 in the period).
    referrals(world.team_a, 10, this_month, first_contacts=6)
    referrals(world.team_b, 2, this_month, first_contacts=2)
    referrals(world.team_b, 5, earlier)
    referrals(world.team_c, 8, this_month)
    referrals(team_d, 6, this_month, first_contacts=3)
    referrals(team_e, 6, this_month)

    # Workforce: Team A has six workers besides Pat, five of whom left; Team C six, two left.
    today = timezone.localdate()
    start = today - dt.timedelta(days=800)
    # Wellbeing check-ins: Team D's one of two is East Centre's five of eight minus Team E's
    # four of six, unless East Centre's rate is hidden with Team D's.
    for team, workers, leavers, checked_in in (
        (world.team_a, 6, 5, 0),
        (world.team_c, 6, 2, 0),
        (team_d, 2, 0, 1),
        (team_e, 6, 0, 4),
    ):
        place_peer_workers(
            world.org,
            team,
            workers,
            start=start,
            left=leavers,
            ended_on=today - dt.timedelta(days=5),
            checked_in=checked_in,
            checked_on=today - dt.timedelta(days=3),
        )
    return world


# --- What the dashboards publish -----------------------------------------------------------


def _value(c):
    return None if c["suppressed"] else c["value"]


def _referrals_counted(html: str):
    found = re.search(r"Referrals counted</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    assert found is not None
    text = re.sub(r"<[^>]+>", "", found.group(1)).strip()
    return None if text == "not shown" else int(text)


def published(client, url, place):
    """{variable: value or None (hidden)} of one dashboard, ``place`` its own key."""
    # The figures are read from the template's context, which only a drawing of the page
    # fills: a page kept from an earlier visit is drawn again (tests/indicators/
    # test_dashboard_pages.py holds the kept page equal to the drawn one).
    cache.forget_pages()
    page = client.get(url)
    assert page.status_code == 200
    context = page.context
    assert context["aggregate_only"]
    figures = {}
    sources = [str(s) for s in context["referral_sources"]]
    for row in context["referral_table"]:
        for source, c in zip(sources, row["cells"], strict=True):
            figures[("referrals", place, row["month"], source)] = _value(c)
    for row in context["referral_team_table"]:
        for source, c in zip(sources, row["cells"], strict=True):
            figures[("referrals", ("team", row["team"]), "period", source)] = _value(c)
    figures[("first_contacts", place)] = _referrals_counted(page.content.decode())
    for key in ("leavers", "employed_at_start"):
        figures[(key, place)] = _value(context["workforce"][key])
    # A completion rate over the active workers (whose number the reader may know from the
    # staffing list): how many checked in.
    rate = _value(context["workforce"]["checkins"])
    active = context["workforce"]["checkins_rate"].denominator
    figures[("checked_in", place)] = None if rate is None else round(rate * active / 100)
    *teams, everyone = context["safety_task_rows"]
    for key in ("tasks", "escalated", "overdue"):
        for r in teams:
            figures[("safety_" + key, ("team", r["team"]))] = _value(r[key])
        figures[("safety_" + key, place)] = _value(everyone[key])
    return figures, context


def every_dashboard(client, org, *, only_urls=False):
    """Every dashboard the reader may open, keyed by the place it shows (``only_urls``:
    their addresses, unopened)."""
    pages = {("organization", org.name): reverse("indicators:organization", args=[org.slug])}
    for site in Site.objects.filter(organization=org):
        pages[("site", site.name)] = reverse("indicators:site", args=[org.slug, site.pk])
    for team in Team.objects.filter(site__organization=org):
        pages[("team", team.name)] = reverse("indicators:team", args=[org.slug, team.pk])
    if only_urls:
        return pages
    collected = {}
    for place, url in pages.items():
        collected[place], _context = published(client, url, place)
    return collected


# --- The equations and their exact solution ------------------------------------------------


def place_tree(org):
    children = {("organization", org.name): []}
    for site in Site.objects.filter(organization=org):
        children[("organization", org.name)].append(("site", site.name))
        children[("site", site.name)] = [("team", t.name) for t in site.teams.all()]
    return children


def equations(variables, children):
    """Linear relations, each a {variable: coefficient} equal to zero."""
    out = []
    by_kind: dict[tuple, set] = {}
    for v in variables:
        kind, place, *rest = v
        by_kind.setdefault((kind, *rest), set()).add(place)
    for (kind, *rest), places in by_kind.items():
        for parent, kids in children.items():
            if kids and (parent in places or any(k in places for k in kids)):
                eq = {(kind, parent, *rest): Fraction(1)}
                for kid in kids:
                    eq[(kind, kid, *rest)] = Fraction(-1)
                out.append(eq)
    # A team's referrals in the period are the sum of its months (and so for every place).
    months: dict[tuple, set] = {}
    for kind, place, *rest in variables:
        if kind == "referrals" and rest[0] != "period":
            months.setdefault((place, rest[1]), set()).add(rest[0])
    for (place, source), ms in months.items():
        eq = {("referrals", place, "period", source): Fraction(1)}
        for m in ms:
            eq[("referrals", place, m, source)] = Fraction(-1)
        out.append(eq)
    return out


def solve(known: dict, relations: list[dict]) -> dict:
    """The unknowns that the relations fix, with their values (Gauss–Jordan elimination)."""
    unknowns = sorted({v for eq in relations for v in eq if v not in known}, key=repr)
    index = {v: i for i, v in enumerate(unknowns)}
    rows = []
    for eq in relations:
        row = [Fraction(0)] * (len(unknowns) + 1)
        for v, coeff in eq.items():
            if v in known:
                row[-1] -= coeff * known[v]
            else:
                row[index[v]] += coeff
        rows.append(row)
    pivots = []
    r = 0
    for col in range(len(unknowns)):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][col]
        rows[r] = [x / lead for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append((r, col))
        r += 1
    fixed = {}
    for r, col in pivots:
        if all(rows[r][c] == 0 for c in range(len(unknowns)) if c != col):
            fixed[unknowns[col]] = rows[r][-1]
    return fixed


def recovered_small_figures(collected: dict, children: dict) -> dict:
    """{hidden variable: (dashboards hiding it, value worked out)} for small values."""
    known = {}
    hidden_on: dict = {}
    for place, figures in collected.items():
        for v, value in figures.items():
            if value is None:
                hidden_on.setdefault(v, []).append(place)
            else:
                known[v] = Fraction(value)
    relations = equations({v for figures in collected.values() for v in figures}, children)
    fixed = solve(known, relations)
    leaks = {}
    for v, places in hidden_on.items():
        value = known.get(v, fixed.get(v))
        if value is not None and 0 < value < K:
            leaks[v] = (places, value)
    return leaks


# --- The attack ----------------------------------------------------------------------------


def test_the_attack_finds_a_small_figure_from_shown_ones():
    """The solver itself: a site of 12 whose other team shows 10 gives the hidden team's 2."""
    children = {("site", "S"): [("team", "A"), ("team", "B")]}
    collected = {
        ("site", "S"): {("n", ("site", "S")): 12},
        ("team", "A"): {("n", ("team", "A")): 10},
        ("team", "B"): {("n", ("team", "B")): None},
    }
    leaks = recovered_small_figures(collected, children)
    assert leaks == {("n", ("team", "B")): ([("team", "B")], 2)}
    collected[("site", "S")][("n", ("site", "S"))] = None
    assert recovered_small_figures(collected, children) == {}


def test_no_hidden_figure_can_be_worked_out_from_other_dashboards(region, login):
    client = login(region.evaluator)
    collected = every_dashboard(client, region.org)
    children = place_tree(region.org)
    # The world has small figures, and they are hidden where they stand.
    assert collected[("team", "Team B")][("first_contacts", ("team", "Team B"))] is None
    assert collected[("site", "South Clinic")][("leavers", ("site", "South Clinic"))] is None
    assert collected[("team", "Team D")][("checked_in", ("team", "Team D"))] is None
    assert collected[("team", "Team E")][("checked_in", ("team", "Team E"))] == 4
    leaks = recovered_small_figures(collected, children)
    assert leaks == {}, "\n".join(
        f"{v} hidden on {places} is {value}"
        for v, (places, value) in sorted(leaks.items(), key=repr)
    )


def test_the_same_cells_are_hidden_whichever_dashboard_is_opened_first(region, login):
    client = login(region.evaluator)
    first = every_dashboard(client, region.org)
    pages = list(first)
    again = {}
    for place in reversed(pages):
        kind, name = place
        if kind == "organization":
            url = reverse("indicators:organization", args=[region.org.slug])
        elif kind == "site":
            site = Site.objects.get(organization=region.org, name=name)
            url = reverse("indicators:site", args=[region.org.slug, site.pk])
        else:
            team = Team.objects.get(site__organization=region.org, name=name)
            url = reverse("indicators:team", args=[region.org.slug, team.pk])
        again[place], _context = published(client, url, place)
    assert again == first


def test_managers_still_see_every_figure(region, login):
    client = login(region.manager)
    url = reverse("indicators:team", args=[region.org.slug, region.team_b.pk])
    context = client.get(url).context
    assert not context["aggregate_only"]
    cells = [c for row in context["referral_table"] for c in row["cells"]]
    assert not any(c["suppressed"] for c in cells)
    assert sum(c["value"] for c in cells) == 7


# --- The reports, with the dashboards --------------------------------------------------------
#
# An evaluator may also request the quarterly or monthly report of the organization, any
# site and any team. Each report's table of referrals by source is, for its place, the sum of
# the months it covers: a monthly report's figure is the dashboards' count for that place
# and month, a quarter's the sum of its three months.


def published_reports(org, month_labels: dict) -> dict:
    """{place: {variable: value or None}} of every monthly and quarterly report covering the
    dashboards' months, for every place; a quarter's figures as ("referrals_q", place,
    quarter, source)."""
    from peerway.evaluation import analysis, report
    from peerway.evaluation.periods import parse_period

    scopes = {("organization", org.name): analysis.Scope(org)}
    for site in Site.objects.filter(organization=org):
        scopes[("site", site.name)] = analysis.Scope(org, site=site)
        for team in site.teams.all():
            scopes[("team", team.name)] = analysis.Scope(org, site=site, team=team)
    periods = {f"{m:%Y-%m}": label for m, label in month_labels.items()}
    periods |= {f"{m.year}Q{(m.month - 1) // 3 + 1}": None for m in month_labels}
    collected: dict = {}
    for place, scope in scopes.items():
        figures = collected.setdefault(("report", place), {})
        for code, label in periods.items():
            # The figures the report prints in its table of referrals by source (its
            # rendering of them is tested in tests/evaluation/test_report_reading.py).
            use = report.utilization(scope, parse_period(code))
            for source, value in ((r["source"], r["n"]) for r in use.by_source):
                key = (
                    ("referrals", place, label, source)
                    if label
                    else ("referrals_q", place, code, source)
                )
                figures[key] = value
    return collected


def quarter_relations(variables, month_labels: dict) -> list[dict]:
    """A quarter's count at a place is the sum of its months' (months the dashboards do not
    cover had no referral in this world, and are left as unknowns)."""
    out = []
    for kind, place, quarter, source in (v for v in variables if v[0] == "referrals_q"):
        eq = {(kind, place, quarter, source): Fraction(1)}
        year, q = int(quarter[:4]), int(quarter[-1])
        for month in range(3 * q - 2, 3 * q + 1):
            first = dt.date(year, month, 1)
            label = month_labels.get(first, f"{first:%Y-%m}")
            eq[("referrals", place, label, source)] = Fraction(-1)
        out.append(eq)
    return out


def test_no_hidden_figure_can_be_worked_out_from_the_reports_and_dashboards(region, login):
    client = login(region.evaluator)
    collected = every_dashboard(client, region.org)
    url = reverse("indicators:organization", args=[region.org.slug])
    cache.forget_pages()
    context = client.get(url).context
    month_labels = dict(
        zip(context["period"].months, [r["month"] for r in context["referral_table"]], strict=True)
    )
    # Only the months holding referrals (and their quarters) are requested: a report of a
    # month without any shows none, and each report is a rendering of the whole document.
    with_referrals = {
        dt.date(r.created_at.year, r.created_at.month, 1)
        for r in Referral.objects.filter(team__site__organization=region.org)
    }
    reports = published_reports(
        region.org, {m: label for m, label in month_labels.items() if m in with_referrals}
    )
    # The world's small count is in the reports' reach: Team B's 2 referrals this month.
    this_month = next(reversed(month_labels.values()))
    team_b = reports[("report", ("team", "Team B"))]
    assert team_b[("referrals", ("team", "Team B"), this_month, "Clinician")] is None
    everything = collected | reports
    children = place_tree(region.org)
    variables = {v for figures in everything.values() for v in figures}
    known, hidden_on = {}, {}
    for place, figures in everything.items():
        for v, value in figures.items():
            if value is None:
                hidden_on.setdefault(v, []).append(place)
            else:
                known[v] = Fraction(value)
    relations = equations(variables, children) + quarter_relations(variables, month_labels)
    fixed = solve(known, relations)
    leaks = {
        v: (places, known.get(v, fixed.get(v)))
        for v, places in hidden_on.items()
        if known.get(v, fixed.get(v)) is not None and 0 < known.get(v, fixed.get(v)) < K
    }
    assert leaks == {}, "\n".join(
        f"{v} hidden on {places} is {value}"
        for v, (places, value) in sorted(leaks.items(), key=repr)
    )


# --- Acceptance: counts in the reports, rates on the dashboards ------------------------------
#
# A report prints the offers answered and accepted of its place; a dashboard the acceptance
# rate. A month's dashboard (``?months=1``) and the month's report cover the same offers, so
# the attack below ties them: answered = accepted + declined at every place, each place the
# sum of the places under it, and accepted = rate × answered wherever both are known
# (rounded, as the rate is printed to a tenth of a percent).


@pytest.fixture
def answers(region):
    """Offers answered this month: Team A 10 (5 accepted), Team B 3 (2 accepted), Team C 8
    (all accepted), Team D 6 (2 accepted). Small: all of Team B's, Team D's accepted and
    declined, and so North Hospital's and East Centre's parts."""
    from peerway.support.models import ReferralState

    at = timezone.now() - dt.timedelta(minutes=20)
    for name, answered, accepted in (
        ("Team A", 10, 5),
        ("Team B", 3, 2),
        ("Team C", 8, 8),
        ("Team D", 6, 2),
    ):
        referrals = Referral.objects.filter(team__name=name, team__site__organization=region.org)
        for i, referral in enumerate(referrals.order_by("-created_at", "pk")[:answered]):
            state = ReferralState.ACCEPTED if i < accepted else ReferralState.DECLINED
            ReferralEvent.objects.create(referral=referral, state=state, at=at)
    return region


def _acceptance_figures(client, org) -> tuple[dict, dict]:
    """Known counts {("decided"|"accepted", place): n} from every place's monthly report,
    with the rates {place: percent} of every place's dashboard of this month."""
    from peerway.evaluation import analysis, report
    from peerway.evaluation.periods import parse_period

    month = parse_period(f"{timezone.localdate():%Y-%m}")
    counts, rates, hidden = {}, {}, set()
    for place, url in every_dashboard(client, org, only_urls=True).items():
        kind, name = place
        if kind == "organization":
            scope = analysis.Scope(org)
        elif kind == "site":
            scope = analysis.Scope(org, site=Site.objects.get(organization=org, name=name))
        else:
            team = Team.objects.get(site__organization=org, name=name)
            scope = analysis.Scope(org, site=team.site, team=team)
        use = report.utilization(scope, month)
        for key, value in (("decided", use.decided), ("accepted", use.accepted)):
            if value is None:
                hidden.add((key, place))
            else:
                counts[(key, place)] = Fraction(value)
        page = client.get(url + "?months=1")
        assert page.context["aggregate_only"]
        rate = page.context["acceptance"]
        if not rate["suppressed"] and rate["value"] is not None:
            rates[place] = Fraction(str(rate["value"]))
    return counts, rates


def worked_out(counts: dict, rates: dict, children: dict) -> dict:
    """Every count the attacker fixes: linear elimination, then the rates applied wherever
    a place's answered (or accepted) is known, until nothing new is found."""
    places = {p for kids in children.values() for p in kids} | set(children)
    variables = {(key, p) for key in ("decided", "accepted", "declined") for p in places}
    relations = equations(variables, children)
    for p in places:
        relations.append(
            {("decided", p): Fraction(1), ("accepted", p): Fraction(-1), ("declined", p): -1}
        )
    known = dict(counts)
    while True:
        fixed = {**known, **solve(known, relations)}
        new = {}
        for p, rate in rates.items():
            if ("decided", p) in fixed and ("accepted", p) not in fixed:
                new[("accepted", p)] = Fraction(round(rate * fixed[("decided", p)] / 100))
            if ("accepted", p) in fixed and ("decided", p) not in fixed and rate:
                new[("decided", p)] = Fraction(round(fixed[("accepted", p)] * 100 / rate))
        if not new:
            return fixed
        known = {**fixed, **new}


def test_no_small_count_of_offers_can_be_worked_out(answers, login):
    client = login(answers.evaluator)
    counts, rates = _acceptance_figures(client, answers.org)
    # Team A's own figures are printed, and its rate shown.
    assert counts[("decided", ("team", "Team A"))] == 10
    assert ("team", "Team A") in rates
    fixed = worked_out(counts, rates, place_tree(answers.org))
    truth = {
        "Team A": (10, 5),
        "Team B": (3, 2),
        "Team C": (8, 8),
        "Team D": (6, 2),
        "Team E": (0, 0),
    }
    leaks = []
    for name, (decided, accepted) in truth.items():
        place = ("team", name)
        for key, value in (
            ("decided", decided),
            ("accepted", accepted),
            ("declined", decided - accepted),
        ):
            if 0 < value < K and (key, place) in fixed:
                assert fixed[(key, place)] == value  # the attack is right when it finds one
                leaks.append(f"{name}'s {key}: {value}")
    assert leaks == []


def test_the_acceptance_attack_finds_what_the_old_rule_gave_away():
    """The attack itself, on the figures published before: the organization's and North
    Hospital's counts with Team A's gave Team B's; Team D's rate and answered its accepted."""
    children = {
        ("organization", "O"): [("site", "North"), ("site", "East")],
        ("site", "North"): [("team", "A"), ("team", "B")],
        ("site", "East"): [("team", "D")],
    }
    counts = {
        ("decided", ("site", "North")): Fraction(13),
        ("accepted", ("site", "North")): Fraction(7),
        ("decided", ("team", "A")): Fraction(10),
        ("accepted", ("team", "A")): Fraction(5),
        ("decided", ("team", "D")): Fraction(6),
    }
    fixed = worked_out(counts, {("team", "D"): Fraction("33.3")}, children)
    assert fixed[("decided", ("team", "B"))] == 3
    assert fixed[("accepted", ("team", "B"))] == 2
    assert fixed[("accepted", ("team", "D"))] == 2


# --- Safety tasks: counts in the reports and on the dashboards --------------------------------


@pytest.fixture
def tasks(region):
    """Safety tasks raised this month, all open and past their deadline: Team A 6 (5
    escalated), Team B 2 (1 escalated), Team C 5, Team E 7 (5 escalated)."""
    from peerway.outcomes.models import SafetyTask

    now = timezone.now()
    for name, raised, escalated in (
        ("Team A", 6, 5),
        ("Team B", 2, 1),
        ("Team C", 5, 0),
        ("Team E", 7, 5),
    ):
        team = Team.objects.get(site__organization=region.org, name=name)
        person = Person.objects.create(organization=region.org, team=team)
        for i in range(raised):
            SafetyTask.objects.create(
                organization=region.org,
                team=team,
                person=person,
                risk_type="other",
                due_at=now - dt.timedelta(minutes=5),
                escalated_at=now - dt.timedelta(minutes=1) if i < escalated else None,
            )
    return region


def test_no_small_count_of_safety_tasks_can_be_worked_out(tasks, login):
    from peerway.evaluation import analysis, report
    from peerway.evaluation.periods import parse_period

    client = login(tasks.evaluator)
    month = parse_period(f"{timezone.localdate():%Y-%m}")
    known, hidden = {}, set()
    names = {"tasks": "tasks", "escalated": "escalated", "overdue": "open_overdue"}
    for place, url in every_dashboard(client, tasks.org, only_urls=True).items():
        cache.forget_pages()
        context = client.get(url + "?months=1").context
        *teams, everyone = context["safety_task_rows"]
        for key in names:
            rows = [(("team", r["team"]), r[key]) for r in teams] + [(place, everyone[key])]
            for where, c in rows:
                if c["suppressed"]:
                    hidden.add(("safety_" + key, where))
                else:
                    known[("safety_" + key, where)] = Fraction(c["value"])
        kind, name = place
        scope = analysis.Scope(tasks.org)
        if kind == "site":
            scope = analysis.Scope(
                tasks.org, site=Site.objects.get(organization=tasks.org, name=name)
            )
        elif kind == "team":
            team = Team.objects.get(site__organization=tasks.org, name=name)
            scope = analysis.Scope(tasks.org, site=team.site, team=team)
        printed = report.safety(scope, month)
        for key, field in names.items():
            if printed[field] is not None:
                known[("safety_" + key, place)] = Fraction(printed[field])
    children = place_tree(tasks.org)
    variables = set(known) | hidden
    fixed = {**known, **solve(known, equations(variables, children))}
    truth = {
        "Team A": (6, 5),
        "Team B": (2, 1),
        "Team C": (5, 0),
        "Team D": (0, 0),
        "Team E": (7, 5),
    }
    leaks = []
    for name, (raised, escalated) in truth.items():
        for key, value in (("tasks", raised), ("escalated", escalated), ("overdue", raised)):
            v = ("safety_" + key, ("team", name))
            if 0 < value < K and v in fixed:
                assert fixed[v] == value
                leaks.append(f"{name}'s {key}: {value}")
    assert leaks == []
    # The organization's report hides its counts, and says why.
    printed = report.safety(analysis.Scope(tasks.org), month)
    assert printed["tasks"] is None and printed["parts"]["tasks"]

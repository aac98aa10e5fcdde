"""The report reads like a report: rows never split across pages, the instrument and the
team are named once per section, "no peer workers" is not "fewer than 5", a hidden section
says why in one sentence, and dates follow the report's language."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import translation

from peerway.core.roles import Role
from peerway.evaluation import analysis, report
from peerway.evaluation.periods import parse_period
from peerway.workforce.models import WorkerProfile
from tests.conftest import grant, make_user, place_peer_workers

from .conftest import TODAY
from .test_report import _closed_wave, fresh_wave_results, timezone_at  # noqa: F401 (fixture)


def _html(world, lang="en", period="2026Q3", today=TODAY, **scope):
    return report.render_html(
        analysis.Scope(world.org, **scope), parse_period(period), today=today, lang=lang
    )


def _pdf_text(pdf: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def test_table_rows_never_split_and_headers_repeat(world):
    html = _html(world)
    style = html[html.index("<style>") : html.index("</style>")]
    assert re.search(r"thead\s*\{\s*display:\s*table-header-group", style)
    rule = re.search(r"([^{}]*)\{[^{}]*break-inside:\s*avoid", style)
    assert rule and re.search(r"\btr\b", rule.group(1))
    assert re.search(r"h2, h3[^{]*\{[^}]*break-after:\s*avoid", style)


def test_workforce_tells_no_peer_workers_from_fewer_than_five(world):
    # Team A: two peer workers (fewer than 5); team C: none.
    today = dt.date(2026, 9, 30)
    for email, name in (("w1@northwind.test", "W One"), ("w2@northwind.test", "W Two")):
        user = make_user(email, name)
        grant(user, Role.PEER_WORKER, world.org, team=world.team_a)
        WorkerProfile.objects.create(
            organization=world.org, user=user, fte=Decimal("1.0"), start_date=dt.date(2025, 1, 1)
        )
    figures = report.workforce(analysis.Scope(world.org), parse_period("2026Q3"))
    rows = {r["team"].split(" (")[0]: r for r in figures["teams"]}
    assert rows[world.team_a.name]["training"]["state"] == "small"
    assert rows[world.team_c.name]["training"]["state"] == "none"
    html = _html(world, today=today)
    workforce = html[html.index("6. Workforce") : html.index("7. Safety")]
    assert "no peer workers" in workforce
    # No team reaches 5 workers: one sentence, not a column of "not shown".
    teams = workforce[: workforce.index("Wellbeing check-in completion")]
    assert teams.count("not shown") == 1
    assert "no team has 5 or more peer workers" in teams


@pytest.mark.usefixtures("fresh_wave_results")
def test_readiness_names_each_instrument_once(world):
    period = parse_period(str(dt.date.today().year))
    _closed_wave(world, "Baseline", world.team_a, 8, 4)
    readiness = report.readiness(analysis.Scope(world.org), period)
    instrument = readiness["rows"][0]["instrument"]
    assert sum(1 for r in readiness["rows"] if r["instrument"] == instrument) > 1
    html = report.render_html(analysis.Scope(world.org), period, today=TODAY, lang="en")
    section = html[html.index("1. Readiness") : html.index("2. Plan progress")]
    assert section.count(instrument) == 1


def test_hidden_readmission_and_empty_safety_say_why_once(world):
    html = _html(world)
    outcomes = html[html.index("5. Outcomes") : html.index("6. Workforce")]
    # Nobody was discharged: the section says so, rather than rows of "not shown".
    assert "Not shown: fewer than 10 people." not in outcomes
    safety = html[html.index("7. Safety") : html.index("Definitions")]
    assert "No safety task was raised in the period." in safety
    assert "fewer than 5" not in safety


def test_fidelity_names_each_team_once_and_marks_the_month_to_date(world, cohort):
    from tests.indicators.conftest import log

    log(world, world.peer_a, world.team_a, [cohort.people[0]], 30, ["staff_cover"])
    log(world, world.peer_a, world.team_a, [cohort.people[0]], 30, ["advocacy"])
    today = dt.date.today()
    period = parse_period(f"{today.year}")
    teams = report.fidelity(analysis.Scope(world.org), period, today=today)
    assert [t["team"] for t in teams].count(teams[0]["team"]) == 1
    last = teams[0]["months"][-1]
    assert last["partial"] == (today.month < 12 or today.day < 31)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", ("July 1, 2026", "Sept. 30, 2026")), ("fr", ("1 juillet 2026", "30 septembre 2026"))],
)
def test_pdf_dates_follow_the_language(world, lang, expected):
    pdf = report.render_pdf(
        analysis.Scope(world.org), parse_period("2026Q3"), today=TODAY, lang=lang
    )
    text = _pdf_text(pdf)
    for day in expected:
        assert day in text
    assert "2026-07-01" not in text


def _placed_workers(world, team, n, *, checked_in=0, left=0):
    place_peer_workers(
        world.org,
        team,
        n,
        start=dt.date(2025, 1, 1),
        left=left,
        ended_on=dt.date(2026, 8, 15),
        checked_in=checked_in,
        checked_on=dt.date(2026, 8, 1),
    )


def test_the_report_gives_no_small_team_figure_back_with_the_team_dashboards(world, settings):
    """A differencing attack: the report's rates for the organization, times the workers it
    lists, minus what the teams' own dashboards show, must not give a team's small count.
    Team B has Quinn and three more workers, one of whom checked in and one of whom left;
    the organization has more than 5 leavers and more than 5 who checked in."""
    settings.PEERWAY_INDICATORS_K = 5
    _placed_workers(world, world.team_a, 9, checked_in=6, left=5)
    _placed_workers(world, world.team_b, 3, checked_in=1, left=1)
    _placed_workers(world, world.team_c, 7, checked_in=5, left=0)
    figures = report.workforce(analysis.Scope(world.org), parse_period("2026Q3"))
    # Team B's own figures are small and hidden on its dashboard; the organization's rates
    # would give them back with teams A and C's.
    for key in ("checkins", "turnover", "retention"):
        assert figures[key]["state"] == "parts", key
    html = _html(world, today=dt.date(2026, 9, 30))
    workforce = html[html.index("6. Workforce") : html.index("7. Safety")]
    assert workforce.count("which the rate would reveal with the other teams") == 3
    with translation.override("fr"):
        html_fr = _html(world, lang="fr", today=dt.date(2026, 9, 30))
    assert "les chiffres des autres équipes" in html_fr


def test_the_report_shows_the_rates_when_no_team_is_small(world, settings):
    settings.PEERWAY_INDICATORS_K = 5
    _placed_workers(world, world.team_a, 8, checked_in=6, left=0)
    _placed_workers(world, world.team_b, 5, checked_in=5, left=0)  # with Quinn, 6
    _placed_workers(world, world.team_c, 7, checked_in=5, left=0)
    figures = report.workforce(analysis.Scope(world.org), parse_period("2026Q3"))
    assert figures["checkins"]["state"] == "shown"
    assert 0 < figures["checkins"]["value"] < 100
    assert figures["retention"] == {"state": "shown", "value": 100.0}


def test_a_source_hidden_for_a_small_team_month_says_why(world, settings):
    """Team B's 2 clinician referrals in August are hidden on its dashboard, so the quarter's
    clinician total (12, not a small count) is not shown either, and says why; the total of
    referrals goes with it. A source with no small part is shown."""
    from peerway.support.models import Person, Referral

    def referrals(team, n, day, source="clinician"):
        for _ in range(n):
            person = Person.objects.create(organization=world.org, team=team)
            Referral.objects.create(
                person=person, team=team, source=source, created_at=timezone_at(2026, 8, day)
            )

    referrals(world.team_a, 10, 10)
    referrals(world.team_b, 2, 12)
    referrals(world.team_a, 6, 14, source="self")
    use = report.utilization(analysis.Scope(world.org), parse_period("2026Q3"))
    states = {r["source"]: (r["state"], r["n"]) for r in use.by_source}
    assert states == {"Clinician": ("parts", None), "Self-referral": ("shown", 6)}
    assert use.referrals is None and use.referrals_hidden_by_source
    # Team A's own report has no small part: its clinician referrals are shown.
    own = report.utilization(analysis.Scope(world.org, team=world.team_a), parse_period("2026Q3"))
    assert {r["source"]: r["n"] for r in own.by_source} == {"Clinician": 10, "Self-referral": 6}
    html = _html(world, today=dt.date(2026, 9, 30))
    utilization = html[html.index("3. Utilization") : html.index("4. Fidelity")]
    assert "a team had 1 to 4 referrals from this source in a month" in utilization
    assert "12" not in re.sub(r"<[^>]+>", " ", utilization).split()
    assert "a source not shown above could be worked out from the total" in utilization
    assert "<svg" in utilization  # self-referrals are shown, so the chart is drawn
    # With no source shown, no empty chart: the table says why.
    referrals(world.team_b, 1, 20, source="self")
    html = _html(world, today=dt.date(2026, 9, 30))
    utilization = html[html.index("3. Utilization") : html.index("4. Fidelity")]
    assert "<svg" not in utilization
    assert utilization.count("a team had 1 to 4 referrals from this source in a month") == 2
    with translation.override("fr"):
        html_fr = _html(world, lang="fr", today=dt.date(2026, 9, 30))
    assert "une équipe a reçu de 1 à 4 orientations de cette source" in html_fr
    assert "une source non affichée ci-dessus pourrait être déduite du total" in html_fr


def test_offers_hidden_for_a_small_team_say_why(world, settings):
    """Team B answered 3 offers in August (2 accepted): the organization's answered,
    accepted and rate would give them back with Team A's report, so they are not shown and
    say why; Team A's own report shows its 10 and 5."""
    from peerway.support.models import Person, Referral, ReferralEvent, ReferralState

    at = timezone_at(2026, 8, 12)
    for team, answered, accepted in ((world.team_a, 10, 5), (world.team_b, 3, 2)):
        for i in range(answered):
            person = Person.objects.create(organization=world.org, team=team)
            referral = Referral.objects.create(
                person=person, team=team, source="clinician", created_at=at
            )
            state = ReferralState.ACCEPTED if i < accepted else ReferralState.DECLINED
            ReferralEvent.objects.create(referral=referral, state=state, at=at)
    use = report.utilization(analysis.Scope(world.org), parse_period("2026Q3"))
    assert (use.decided, use.accepted, use.acceptance_rate) == (None, None, None)
    assert use.decided_hidden_by_parts and use.accepted_hidden_by_parts
    own = report.utilization(analysis.Scope(world.org, team=world.team_a), parse_period("2026Q3"))
    assert (own.decided, own.accepted, own.acceptance_rate) == (10, 5, 50.0)
    assert not (own.decided_hidden_by_parts or own.accepted_hidden_by_parts)
    html = _html(world, today=dt.date(2026, 9, 30))
    assert "a team had 1 to 4 offers answered, which this figure would reveal" in html
    assert html.count("a team had 1 to 4 offers answered, accepted or declined") == 2
    with translation.override("fr"):
        html_fr = _html(world, lang="fr", today=dt.date(2026, 9, 30))
    assert "une équipe a eu de 1 à 4 offres ayant reçu une réponse, que ce" in html_fr
    assert html_fr.count("une équipe a eu de 1 à 4 offres ayant reçu une réponse, acceptées") == 2


def test_safety_counts_hidden_for_a_small_team_say_why(world):
    """Team B raised 2 safety tasks in August and Team A 6: the organization's 8 would give
    Team B's back with Team A's dashboard, so it is not shown and says why."""
    from peerway.outcomes.models import SafetyTask
    from peerway.support.models import Person

    for team, n in ((world.team_a, 6), (world.team_b, 2)):
        person = Person.objects.create(organization=world.org, team=team)
        for _ in range(n):
            task = SafetyTask.objects.create(
                organization=world.org, team=team, person=person, risk_type="other"
            )
            SafetyTask.objects.filter(pk=task.pk).update(created_at=timezone_at(2026, 8, 3))
    printed = report.safety(analysis.Scope(world.org), parse_period("2026Q3"))
    assert printed["tasks"] is None and printed["parts"] == {"tasks": True}
    own = report.safety(analysis.Scope(world.org, team=world.team_a), parse_period("2026Q3"))
    assert own["tasks"] == 6 and own["parts"] == {}
    html = _html(world, today=dt.date(2026, 9, 30))
    safety = html[html.index("7. Safety") :]
    assert "not shown: a team had 1 to 4, which this figure would reveal" in safety
    with translation.override("fr"):
        html_fr = _html(world, lang="fr", today=dt.date(2026, 9, 30))
    assert "une équipe en a eu de 1 à 4, que ce chiffre révélerait" in html_fr

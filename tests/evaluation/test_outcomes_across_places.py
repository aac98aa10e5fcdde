"""Outcome changes of a site and of its teams, read together: no team's change of 1 to
min_n - 1 people can be worked out by subtraction.

The evaluation page and the report publish, for the organization, each site and each team,
the number of complete pairs and the means at intake and follow-up. A site's figures are its
teams' pooled: n_site = Σ n_team and n_site × mean_site = Σ n_team × mean_team. The
attacker below knows only that, and what each place publishes."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from django.utils import translation

from peerway.evaluation import analysis, report
from peerway.evaluation.periods import parse_period
from peerway.support.models import Person

from .conftest import consent, give

PERIOD = parse_period("2026Q3")


def people(world, team, scores):
    for pre, post in scores:
        person = Person.objects.create(organization=world.org, team=team)
        consent(person)
        give(person, "phq9", 0, date(2026, 4, 1), pre)
        give(person, "phq9", 3, date(2026, 7, 20), post)


@pytest.fixture
def north(world):
    """Team A: 12 people; Team B: 3 (PHQ-9 at intake and follow-up). Both at North
    Hospital, the organization's only site with people."""
    people(world, world.team_a, [(10 + i % 7, 8 + i % 5) for i in range(12)])
    people(world, world.team_b, [(20, 5), (18, 6), (22, 4)])
    return world


def published(world):
    """{place: (pairs, mean at intake, mean at follow-up)} or None where not shown, the means
    to one decimal, as printed."""
    scopes = {
        "organization": analysis.Scope(world.org),
        "North Hospital": analysis.Scope(world.org, site=world.north),
        "Team A": analysis.Scope(world.org, site=world.north, team=world.team_a),
        "Team B": analysis.Scope(world.org, site=world.north, team=world.team_b),
    }
    out = {}
    for place, scope in scopes.items():
        (change,) = [c for c in analysis.outcome_changes(scope, PERIOD) if c.code == "phq9"]
        r = change.result
        out[place] = (
            None
            if r.suppressed
            else (r.n, Fraction(str(round(r.mean_pre, 1))), Fraction(str(round(r.mean_post, 1))))
        )
    return out


def attack(figures):
    """Team B's pairs and means, by subtraction, if the figures allow it."""
    for whole in ("organization", "North Hospital"):
        if figures[whole] is not None and figures["Team A"] is not None:
            n, pre, post = figures[whole]
            n_a, pre_a, post_a = figures["Team A"]
            n_b = n - n_a
            if n_b:
                return n_b, (n * pre - n_a * pre_a) / n_b, (n * post - n_a * post_a) / n_b
    return None


def test_the_attack_works_on_what_was_published_before(north, monkeypatch):
    """Without the rule (min_n of the parts ignored), the site's figures less Team A's give
    Team B's three people: their count and their mean scores."""
    real = analysis.paired_scores
    monkeypatch.setattr(
        analysis, "paired_scores", lambda scope, period, by_team=None: real(scope, period)
    )
    n, pre, post = attack(published(north))
    assert n == 3 and abs(pre - 20) < Fraction(1, 2) and abs(post - 5) < Fraction(1, 2)


def test_no_small_team_change_can_be_worked_out(north):
    figures = published(north)
    assert figures["Team A"] is not None and figures["Team A"][0] == 12
    assert figures["Team B"] is None  # 3 pairs: not shown
    assert figures["North Hospital"] is None and figures["organization"] is None
    assert attack(figures) is None


def test_the_page_and_the_report_say_why(north, login):
    from django.urls import reverse

    scope = analysis.Scope(north.org, site=north.north)
    (change,) = analysis.outcome_changes(scope, PERIOD)
    assert change.hidden_by_parts and change.result.suppressed
    html = report.render_html(scope, PERIOD, today=date(2026, 11, 1), lang="en")
    assert "a team counted here has fewer than 10 complete pairs" in html
    with translation.override("fr"):
        html_fr = report.render_html(scope, PERIOD, today=date(2026, 11, 1), lang="fr")
    assert "une équipe comptée ici a moins de 10 paires complètes" in html_fr
    page = login(north.evaluator).get(
        reverse("evaluation:outcomes", args=[north.org.slug]),
        {"period": "2026Q3", "place": f"site:{north.north.pk}"},
    )
    assert page.status_code == 200
    assert "a team counted here has fewer than 10 complete pairs" in page.content.decode()


# --- Readmission ------------------------------------------------------------------------------


@pytest.fixture
def discharged(world):
    """Discharged on 10 July 2026: Team A 12 peer supported and 12 not yet; Team B 3 not yet
    supported, one of whom was readmitted after 20 days."""
    from datetime import timedelta

    from peerway.support.models import PeerRelationship

    from .conftest import ENROLMENT, INDEX, stay

    def person(team, *, supported, back_after=None):
        p = Person.objects.create(organization=world.org, team=team)
        consent(p)
        stay(p, INDEX - timedelta(days=6), INDEX)
        if supported:
            PeerRelationship.objects.create(person=p, worker=world.peer_a, started_on=ENROLMENT)
        if back_after:
            stay(p, INDEX + timedelta(days=back_after), INDEX + timedelta(days=back_after + 3))

    for i in range(12):
        person(world.team_a, supported=True, back_after=30 if i < 3 else None)
        person(world.team_a, supported=False, back_after=15 if i < 5 else None)
    for i in range(3):
        person(world.team_b, supported=False, back_after=20 if i == 0 else None)
    return world


def test_readmission_of_a_small_team_cannot_be_worked_out(discharged, login):
    today = date(2026, 11, 1)
    site = analysis.Scope(discharged.org, site=discharged.north)
    team_a = analysis.Scope(discharged.org, site=discharged.north, team=discharged.team_a)
    shown_a = {g.group: g for g in analysis.readmission(team_a, PERIOD, today=today).groups}
    assert shown_a[analysis.COMPARISON].n == 12 and not shown_a[analysis.COMPARISON].suppressed
    # What the site would publish under the per-scope rule alone: its comparison group of 15
    # less Team A's 12 is Team B's 3, and their readmissions by subtraction.
    data = analysis.readmission_input(site, PERIOD)
    unguarded = analysis.readmission_outcomes(
        data.episodes,
        data.groups,
        study_end=today,
        index_dates=data.index_dates,
        censor_dates=data.censor_dates,
        horizons=analysis.HORIZONS,
        min_n=analysis.MIN_N,
    )
    comparison = {g.group: g for g in unguarded.groups}[analysis.COMPARISON]
    assert comparison.n - shown_a[analysis.COMPARISON].n == 3
    assert comparison.readmitted - shown_a[analysis.COMPARISON].readmitted == 1
    # Published: every figure of the site withheld, and said why.
    result = analysis.readmission(site, PERIOD, today=today)
    assert result.hidden_by_parts
    assert all(g.suppressed for g in result.groups)
    assert all(p.suppressed for p in result.proportions)
    assert all(c.suppressed for c in result.curves)
    html = report.render_html(site, PERIOD, today=today, lang="en")
    assert "a team counted here has fewer than 10 people in a group" in html
    with translation.override("fr"):
        html_fr = report.render_html(site, PERIOD, today=today, lang="fr")
    assert "une équipe comptée ici a moins de 10 personnes dans un groupe" in html_fr
    from django.urls import reverse

    page = login(discharged.evaluator).get(
        reverse("evaluation:outcomes", args=[discharged.org.slug]),
        {"period": "2026Q3", "place": f"site:{discharged.north.pk}"},
    )
    assert "a team counted here has fewer than 10 people in a group" in page.content.decode()
    assert "not shown (see above)." in page.content.decode()
    # A team's own figures follow the per-scope rule only.
    assert not analysis.readmission(team_a, PERIOD, today=today).hidden_by_parts

"""Recommendations become plan actions; strategies already in the plan rank lower and say
so; after a later wave the change in an action's factors shows beside it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from peerway.assessments.models import Response
from peerway.instruments.library import current_library
from peerway.planning.models import PlanAction
from peerway.planning.plan import selectors, services

from ..assessments.test_waves import make_wave


def pibc_wave(world, rows, *, name, days_ago):
    """A closed PIBC wave: rows of (team, factor answered 1 (barrier), count)."""
    today = timezone.localdate()
    wave = make_wave(
        world,
        name=name,
        instrument_codes=["pibc"],
        teams=[world.team_a, world.team_b, world.team_c],
        audiences=["staff"],
        opens_on=today - timedelta(days=days_ago + 10),
        closes_on=today - timedelta(days=days_ago),
    )
    pibc = current_library()["pibc"]

    def answers(bad_factor, bad_value):
        values = {i.id: (bad_value if i.factor == bad_factor else 4) for i in pibc.items}
        return {i.id: (6 - values[i.id] if i.reverse else values[i.id]) for i in pibc.items}

    Response.objects.bulk_create(
        Response(
            wave=wave,
            team=team,
            audience="staff",
            submitted_on=wave.opens_on,
            answers={"pibc": answers(factor, value)},
            versions={"pibc": pibc.version},
        )
        for team, factor, value, count in rows
        for _ in range(count)
    )
    return wave


@pytest.fixture
def baseline(world):
    return pibc_wave(
        world,
        [(world.team_c, "role_clarity", 1, 6), (world.team_a, "role_clarity", 4, 6)],
        name="Baseline",
        days_ago=200,
    )


def recommendations(client, world, wave):
    return client.get(f"/o/{world.org.slug}/surveys/{wave.pk}/recommendations/")


def test_a_manager_turns_a_recommendation_into_an_action(world, login, baseline):
    client = login(world.manager)
    page = recommendations(client, world, baseline)
    assert "Add to the plan" in page.content.decode()
    org_rows = page.context["organization_rows"]
    top = org_rows[0]["rec"]
    response = client.post(
        f"/o/{world.org.slug}/plan/actions/recommended/",
        {
            "wave": baseline.pk,
            "strategy": top.strategy,
            "team": world.team_c.pk,
            "factor": [e.factor for e in top.evidence],
        },
    )
    action = PlanAction.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/plan/actions/{action.pk}/edit/")
    assert (action.strategy, action.team, action.source_wave) == (
        top.strategy,
        world.team_c,
        baseline,
    )
    assert action.factors == ["role_clarity"] and action.phase.code
    # Adding it again points to the existing action rather than duplicating it.
    again = client.post(
        f"/o/{world.org.slug}/plan/actions/recommended/",
        {"wave": baseline.pk, "strategy": top.strategy, "team": world.team_c.pk},
    )
    assert again["Location"].endswith(f"/plan/actions/{action.pk}/")
    assert PlanAction.objects.count() == 1
    # The page now marks it as already in the plan, for Team C.
    page = recommendations(client, world, baseline)
    team_rows = {name: rows for name, rows, _id in page.context["team_rows"]}
    marked = [r for r in team_rows["Team C"] if r["rec"].strategy == top.strategy]
    assert marked and marked[0]["rec"].in_plan
    assert "already in the plan" in page.content.decode()


def test_only_organization_wide_managers_add_recommendations(world, login, baseline):
    data = {"wave": baseline.pk, "strategy": "coproduce_role_description", "team": ""}
    for who in ("evaluator", "site_manager", "supervisor"):
        client = login(getattr(world, who))
        assert (
            client.post(f"/o/{world.org.slug}/plan/actions/recommended/", data).status_code == 403
        )
    page = recommendations(login(world.evaluator), world, baseline).content.decode()
    assert "Add to the plan" not in page
    assert not PlanAction.objects.exists()


def test_unknown_strategy_wave_or_team_is_refused(world, login, baseline):
    client = login(world.manager)
    target = f"/o/{world.org.slug}/plan/actions/recommended/"
    page = client.post(target, {"wave": baseline.pk, "strategy": "nope"}, follow=True)
    assert "Unknown strategy" in page.content.decode()
    assert client.post(target, {"wave": 999999, "strategy": "hire_in_cohorts"}).status_code == 404
    assert (
        client.post(
            target, {"wave": baseline.pk, "strategy": "hire_in_cohorts", "team": 999999}
        ).status_code
        == 404
    )
    assert not PlanAction.objects.exists()


def test_in_plan_lowers_the_strategy_only_where_it_applies(world, baseline):
    plan = services.create_plan(actor=world.manager, organization=world.org)
    services.add_recommended(
        actor=world.manager,
        plan=plan,
        strategy="coproduce_role_description",
        factors=["role_clarity"],
        team=world.team_c,
        wave=baseline,
    )
    anywhere, per_team = selectors.strategies_in_plan(plan)
    assert anywhere == {"coproduce_role_description"}
    assert per_team[world.team_c.pk] == {"coproduce_role_description"}
    assert per_team[world.team_a.pk] == set()


def test_factor_change_after_a_later_wave_shows_beside_the_action(world, login, baseline):
    plan = services.create_plan(actor=world.manager, organization=world.org)
    action, _ = services.add_recommended(
        actor=world.manager,
        plan=plan,
        strategy="coproduce_role_description",
        factors=["role_clarity"],
        team=world.team_c,
        wave=baseline,
    )
    client = login(world.manager)
    page = client.get(f"/o/{world.org.slug}/plan/actions/{action.pk}/").content.decode()
    assert "appears here once a later survey wave has closed" in page
    pibc_wave(
        world,
        [(world.team_c, "role_clarity", 4, 6), (world.team_a, "role_clarity", 4, 6)],
        name="Follow-up",
        days_ago=5,
    )
    changes = selectors.factor_changes(action)
    row = changes.rows[0]
    assert changes.later.name == "Follow-up"
    assert row.before == pytest.approx(1.0) and row.after == pytest.approx(4.0)
    assert row.difference == pytest.approx(3.0)
    page = client.get(f"/o/{world.org.slug}/plan/actions/{action.pk}/").content.decode()
    assert "+3.00" in page and "Follow-up" in page
    # Readers of the plan without access to survey results see no figures.
    peer_page = login(world.peer_a).get(f"/o/{world.org.slug}/plan/actions/{action.pk}/")
    assert peer_page.status_code == 200 and "+3.00" not in peer_page.content.decode()


def test_a_group_below_the_threshold_shows_no_figure(world, baseline):
    plan = services.create_plan(actor=world.manager, organization=world.org)
    action, _ = services.add_recommended(
        actor=world.manager,
        plan=plan,
        strategy="coproduce_role_description",
        factors=["role_clarity"],
        team=world.team_b,
        wave=baseline,
    )
    pibc_wave(
        world,
        [(world.team_b, "role_clarity", 4, 2), (world.team_a, "role_clarity", 4, 6)],
        name="Follow-up",
        days_ago=5,
    )
    changes = selectors.factor_changes(action)
    assert all(r.after is None and r.difference is None for r in changes.rows)

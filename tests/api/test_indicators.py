"""Indicators through the API: the dashboard's figures with the dashboard's suppression."""

from __future__ import annotations

from peerway.core.models import AuditEvent
from peerway.support import services

URL = "/api/v1/o/northwind/indicators"


def referrals_this_month(world, people, n=2):
    for _ in range(n):
        services.create_referral(
            actor=world.clinician, team=world.team_a, source="clinician", person=people["ana"]
        )


def this_month(body):
    month = body["end"][:8] + "01"
    return {r["source"]: r for r in body["referrals_by_month"] if r["month"] == month}["clinician"]


def test_manager_sees_the_figures_and_evaluator_sees_small_cells_suppressed(world, people, api_as):
    referrals_this_month(world, people)
    body = api_as(world.manager).get(URL, {"months": 3}).json()
    assert body["k"] is None and body["level"] == "organization"
    assert this_month(body) == {**this_month(body), "value": 2.0, "suppressed": False}
    evaluator = api_as(world.evaluator).get(URL, {"months": 3})
    assert evaluator.status_code == 200
    body = evaluator.json()
    assert body["k"] == 5
    assert this_month(body)["value"] is None and this_month(body)["suppressed"] is True
    assert "worker" not in evaluator.content.decode()
    assert AuditEvent.objects.filter(action="indicators.dashboard_viewed").count() == 2


def test_places_and_roles(world, people, api_as):
    supervisor = api_as(world.supervisor)  # over the North site
    assert supervisor.get(URL, {"site": world.north.pk}).status_code == 200
    body = supervisor.get(URL, {"team": world.team_a.pk}).json()
    assert body["level"] == "team" and [w["team"] for w in body["workforce"]] == [world.team_a.pk]
    assert supervisor.get(URL, {"site": world.south.pk}).status_code == 403
    assert supervisor.get(URL).status_code == 403  # not organization-wide
    assert api_as(world.peer_a).get(URL, {"team": world.team_a.pk}).status_code == 403
    assert api_as(world.clinician).get(URL, {"team": world.team_a.pk}).status_code == 403
    assert api_as(world.manager).get(URL, {"team": 999999}).status_code == 404
    assert api_as(world.outsider).get(URL).status_code == 404


def test_evaluator_cannot_subtract_a_small_team_from_its_site_or_its_own_months(
    world, people, api_as
):
    """Team B: 2 clinician referrals this month, 5 forty days ago; Team A: 10 this month. The
    site's 12 minus Team A's 10, or Team B's 7 in the period minus its 5, would give the 2."""
    from datetime import timedelta

    from django.utils import timezone

    from peerway.support.models import Referral

    now = timezone.now()
    for team, person, n, at in (
        (world.team_a, people["ana"], 10, now - timedelta(hours=1)),
        (world.team_b, people["cy"], 2, now - timedelta(hours=1)),
        (world.team_b, people["cy"], 5, now - timedelta(days=40)),
    ):
        for _ in range(n):
            Referral.objects.create(person=person, team=team, source="clinician", created_at=at)
    evaluator = api_as(world.evaluator)

    def clinician(**place):
        body = evaluator.get(URL, {"months": 3, **place}).json()
        return [
            r
            for r in body["referrals_by_month"] + body["referrals_by_team"]
            if r["source"] == "clinician"
        ]

    for place in ({"team": world.team_b.pk}, {"site": world.north.pk}, {}):
        cells = clinician(**place)
        assert cells and all(c["suppressed"] and c["value"] is None for c in cells), place
    team_a = clinician(team=world.team_a.pk)
    assert not any(c["suppressed"] for c in team_a)
    assert max(c["value"] for c in team_a) == 10
    # Managers see every figure.
    body = api_as(world.manager).get(URL, {"months": 3, "team": world.team_b.pk}).json()
    assert sum(r["value"] for r in body["referrals_by_month"] if r["source"] == "clinician") == 7


def test_the_acceptance_rate_hides_where_a_team_has_few_offers_answered_accepted_or_declined(
    world, people, api_as
):
    """Team A: 10 offers answered, 5 accepted; Team B: 6 answered, 2 accepted. Team B's rate
    (33.3 %) times the 6 its report prints gives its 2 accepted, and the site's or the
    organization's rate with the other counts gives them too: hidden on all three; Team A's
    is shown. Managers see every rate."""
    from datetime import timedelta

    from django.utils import timezone

    from peerway.support.models import Referral, ReferralEvent, ReferralState

    at = timezone.now() - timedelta(hours=1)
    for team, person, answered, accepted in (
        (world.team_a, people["ana"], 10, 5),
        (world.team_b, people["cy"], 6, 2),
    ):
        for i in range(answered):
            referral = Referral.objects.create(
                person=person, team=team, source="clinician", created_at=at
            )
            state = ReferralState.ACCEPTED if i < accepted else ReferralState.DECLINED
            ReferralEvent.objects.create(referral=referral, state=state, at=at)
    evaluator = api_as(world.evaluator)

    def rate(client, **place):
        return client.get(URL, {"months": 1, **place}).json()["acceptance_percent"]

    for place in ({"team": world.team_b.pk}, {"site": world.north.pk}, {}):
        assert rate(evaluator, **place) == {"value": None, "suppressed": True}, place
    assert rate(evaluator, team=world.team_a.pk) == {"value": 50.0, "suppressed": False}
    manager = api_as(world.manager)
    assert rate(manager, team=world.team_b.pk) == {"value": 33.3, "suppressed": False}
    assert rate(manager) == {"value": 43.8, "suppressed": False}

"""Dashboard pages: who sees what, suppression for evaluators, no raw contacts, bounded
queries, French."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerway.core.models import Team
from peerway.core.roles import TeamType
from peerway.indicators import cache as indicator_cache
from peerway.indicators.models import DriftAlert
from peerway.indicators.services import raise_drift_alerts
from peerway.support.models import Contact


def org_url(world):
    return reverse("indicators:organization", args=[world.org.slug])


def team_url(world, team):
    return reverse("indicators:team", args=[world.org.slug, team.pk])


def site_url(world, site):
    return reverse("indicators:site", args=[world.org.slug, site.pk])


def worker_url(world, user):
    return reverse("indicators:worker", args=[world.org.slug, user.pk])


def test_manager_sees_flags_with_explanations_and_worker_rows(world, service, login):
    page = login(world.manager).get(org_url(world))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Team A: 40.0 % of logged minutes went to tasks outside the peer role" in text
    assert "Covering other roles&#x27; shifts: 40 min" in text
    assert "Team B has a lone peer worker" in text
    assert "Pat Peer" in text  # drift per worker
    assert 'src="data:image/svg+xml;base64,' in text
    assert "Data for the chart" in text  # a table beside each chart
    assert "Definition: Acceptance rate" in text
    assert reverse("support:referrals", args=[world.org.slug]) in text  # records link


def test_evaluator_sees_aggregates_with_small_cells_suppressed(world, service, login):
    page = login(world.evaluator).get(org_url(world))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Aggregate view" in text
    assert "not shown" in text
    for name in ("Pat Peer", "Quinn Peer", "Chris Peer", "P-ANA2345"):
        assert name not in text
    # Team A's drift comes from one worker: no drift flag, no percentage for it.
    assert "40.0 % of logged minutes" not in text
    # No link to person-level records.
    assert reverse("support:referrals", args=[world.org.slug]) not in text
    assert worker_url(world, world.peer_a) not in text


def test_evaluator_cannot_open_a_worker_dashboard(world, service, login):
    assert login(world.evaluator).get(worker_url(world, world.peer_a)).status_code == 403


@pytest.mark.parametrize("who", ["clinician", "admin", "peer_a"])
def test_clinician_admin_and_peer_cannot_see_place_dashboards(world, service, login, who):
    client = login(getattr(world, who))
    assert client.get(org_url(world)).status_code == 403
    assert client.get(team_url(world, world.team_a)).status_code == 403
    assert client.get(site_url(world, world.north)).status_code == 403


def test_outsider_gets_not_found(world, service, login):
    client = login(world.outsider)
    assert client.get(org_url(world)).status_code == 404
    assert client.get(team_url(world, world.team_a)).status_code == 404
    assert client.get(worker_url(world, world.peer_a)).status_code == 404


def test_site_manager_sees_their_site_only(world, service, login):
    client = login(world.site_manager)
    assert client.get(site_url(world, world.south)).status_code == 200
    assert client.get(team_url(world, world.team_c)).status_code == 200
    assert client.get(site_url(world, world.north)).status_code == 403
    assert client.get(team_url(world, world.team_a)).status_code == 403
    assert client.get(org_url(world)).status_code == 403


def test_supervisor_sees_their_site_and_teams(world, service, login):
    client = login(world.supervisor)
    assert client.get(site_url(world, world.north)).status_code == 200
    assert client.get(team_url(world, world.team_a)).status_code == 200
    assert client.get(team_url(world, world.team_c)).status_code == 403


def test_peer_worker_sees_only_their_own_dashboard(world, service, login):
    client = login(world.peer_a)
    me = client.get(reverse("indicators:me", args=[world.org.slug]))
    assert me.status_code == 302 and me.url == worker_url(world, world.peer_a)
    own = client.get(worker_url(world, world.peer_a))
    assert own.status_code == 200
    assert "Covering other roles" in own.content.decode()
    assert client.get(worker_url(world, world.peer_b)).status_code == 404
    # Quinn, on another team, cannot open Pat's either.
    assert login(world.peer_b).get(worker_url(world, world.peer_a)).status_code == 404


def test_supervisor_and_manager_see_a_workers_dashboard(world, service, login):
    assert login(world.supervisor).get(worker_url(world, world.peer_a)).status_code == 200
    assert login(world.manager).get(worker_url(world, world.peer_a)).status_code == 200
    assert login(world.clinician).get(worker_url(world, world.peer_a)).status_code == 403


def test_supervision_dashboard_lists_drift_alerts_with_tasks(world, service, login):
    raise_drift_alerts(organization=world.org, today=service.today)
    client = login(world.supervisor)
    page = client.get(reverse("indicators:supervision", args=[world.org.slug]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Pat Peer (Team A): 40.0 % of logged minutes on out-of-scope tasks" in text
    assert "Covering other roles&#x27; shifts: 40 min" in text
    client.post(reverse("indicators:supervision", args=[world.org.slug]))
    assert DriftAlert.objects.filter(read_at__isnull=True).count() == 0
    assert (
        login(world.peer_a)
        .get(reverse("indicators:supervision", args=[world.org.slug]))
        .status_code
        == 403
    )


def test_filters_lead_to_the_site_and_team_dashboards(world, service, login):
    client = login(world.manager)
    to_team = client.get(org_url(world), {"team": world.team_a.pk, "months": 3})
    assert to_team.status_code == 302
    assert to_team.url == team_url(world, world.team_a) + "?months=3"
    to_site = client.get(org_url(world), {"site": world.north.pk, "months": 12})
    assert to_site.url == site_url(world, world.north) + "?months=12"
    page = client.get(team_url(world, world.team_a), {"months": 3})
    assert page.status_code == 200
    assert "Team dashboard: Team A" in page.content.decode()


def _contact_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if Contact._meta.db_table in q["sql"]]


@pytest.mark.parametrize("who", ["manager", "evaluator"])
def test_no_dashboard_request_reads_raw_contacts(world, service, login, who):
    client = login(getattr(world, who))
    urls = [org_url(world), site_url(world, world.north), team_url(world, world.team_a)]
    if who == "manager":
        urls += [
            worker_url(world, world.peer_a),
            reverse("indicators:supervision", args=[world.org.slug]),
        ]
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert _contact_queries(ctx.captured_queries) == [], url


def test_query_count_does_not_grow_with_teams(world, service, login):
    client = login(world.manager)
    client.get(org_url(world))  # warm caches (menus, chart engine)
    # Measure the dashboard computed, not read from the indicators cache (decision 32).
    indicator_cache.clear()
    with CaptureQueriesContext(connection) as before:
        client.get(org_url(world))
    for i in range(4):
        Team.objects.create(site=world.south, name=f"Extra {i}", team_type=TeamType.COMMUNITY)
    indicator_cache.clear()
    with CaptureQueriesContext(connection) as after:
        client.get(org_url(world))
    assert len(after.captured_queries) == len(before.captured_queries)


def test_dashboard_in_french(world, service, login):
    client = login(world.manager)
    page = client.get(org_url(world), HTTP_ACCEPT_LANGUAGE="fr-ca")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Tableau de bord de l’organisation" in text
    assert "Taux d’acceptation" in text
    assert "40,0" in text  # decimal comma


def test_definitions_page_lists_every_indicator(world, login):
    page = login(world.clinician).get(reverse("indicators:definitions", args=[world.org.slug]))
    text = page.content.decode()
    assert page.status_code == 200
    for name in ("Acceptance rate", "Teams with a lone peer worker", "Turnover and retention"):
        assert name in text
    # A clinician may not open the referrals list from here... they may: it is their list.
    assert (
        login(world.outsider)
        .get(reverse("indicators:definitions", args=[world.org.slug]))
        .status_code
        == 404
    )


def test_supervisor_home_lists_unread_drift_alerts(world, service, login):
    raise_drift_alerts(organization=world.org, today=service.today)
    client = login(world.supervisor)
    text = client.get(reverse("core:home")).content.decode()
    assert "1 new drift alert." in text
    assert "Pat Peer · Team A: 40.0 %" in text
    client.post(reverse("indicators:supervision", args=[world.org.slug]))
    assert "new drift alert" not in client.get(reverse("core:home")).content.decode()
    assert "new drift alert" not in login(world.manager).get(reverse("core:home")).content.decode()


def test_site_manager_filters_stay_within_their_site(world, service, login):
    client = login(world.site_manager)
    page = client.get(site_url(world, world.south))
    text = page.content.decode()
    assert "All sites" not in text and "Team A" not in text
    moved = client.get(
        site_url(world, world.south), {"site": world.south.pk, "team": world.team_c.pk}
    )
    assert moved.status_code == 302 and moved.url == team_url(world, world.team_c) + "?months=6"
    same = client.get(team_url(world, world.team_c), {"site": "", "team": world.team_c.pk})
    assert same.status_code == 200


def test_a_site_or_the_region_lists_worker_months_above_threshold_each_team_all(
    world, service, login
):
    """Decision 37: Pat's month (40 %) is above the threshold, Quinn's (0 %) is not. A site
    or the organization lists Pat's only and says how many worker-months there are; the
    team dashboard lists every worker-month of its own workers."""
    client = login(world.manager)
    for url in (org_url(world), site_url(world, world.north)):
        text = client.get(url).content.decode()
        assert worker_url(world, world.peer_a) in text, url
        assert worker_url(world, world.peer_b) not in text, url
        assert "Peer workers above their drift threshold, by month" in text
        assert "(1 of 2 worker-months)" in text, url
        assert "Drift per worker and month" not in text
    team_b = client.get(team_url(world, world.team_b)).content.decode()
    assert worker_url(world, world.peer_b) in team_b
    assert "Drift per worker and month" in team_b
    client.cookies["django_language"] = "fr-ca"
    text = client.get(org_url(world)).content.decode()
    assert "(1 sur 2 mois de pairs aidants)" in text
    assert "Pairs aidants au-dessus de leur seuil de dérive, par mois" in text


def test_a_region_with_no_worker_month_above_threshold_says_so(world, service, login):
    from peerway.contacts import rollups
    from peerway.support.models import Contact

    Contact.objects.filter(worker=world.peer_a).delete()
    rollups.rebuild(world.org)  # raises the organization's data versions too
    text = login(world.manager).get(org_url(world)).content.decode()
    assert "No peer worker was above their drift threshold in any month of the period." in text
    assert worker_url(world, world.peer_b) not in text

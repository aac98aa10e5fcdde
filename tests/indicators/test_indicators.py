"""Each indicator on the small hand-made service (tests/indicators/conftest.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from peerway.contacts.drift import drift as contacts_drift
from peerway.indicators import selectors
from peerway.indicators.models import DriftAlert
from peerway.indicators.services import raise_drift_alerts


def _period(service):
    return selectors.Period.last_months(6, service.today)


def _teams(world):
    return [world.team_a, world.team_b, world.team_c]


def test_drift_is_the_out_of_scope_share_of_minutes_per_team_and_worker(world, service):
    period = _period(service)
    rows = selectors.drift(world.org, _teams(world), period, by="team")
    month = service.today.replace(day=1)
    by_team = {r.team_id: r for r in rows}
    a, b = by_team[world.team_a.pk], by_team[world.team_b.pk]
    assert (a.month, a.minutes, a.out_of_scope_minutes, a.percent) == (month, 100, 40, 40.0)
    assert a.over_threshold and a.threshold_percent == 20 and a.approved
    assert (b.minutes, b.out_of_scope_minutes, b.over_threshold) == (100, 0, False)
    workers = selectors.drift(world.org, _teams(world), period, by="worker")
    assert {(r.worker_id, r.percent) for r in workers} == {
        (world.peer_a.pk, 40.0),
        (world.peer_b.pk, 0.0),
    }


def test_drift_matches_the_contacts_drift_selector(world, service):
    period = _period(service)
    for by in ("team", "worker"):
        mine = selectors.drift(world.org, _teams(world), period, by=by)
        theirs = contacts_drift(world.org, by=by, start=period.start, end=period.end)
        assert mine == theirs


def test_team_rows_summed_from_worker_rows_equal_drift_by_team(world, service):
    period = _period(service)
    by_worker = selectors.drift(world.org, _teams(world), period, by="worker")
    by_team = selectors.drift(world.org, _teams(world), period, by="team")
    assert by_team and selectors.team_rows(by_worker) == by_team
    dashboard = selectors.place_dashboard(world.org, teams=_teams(world), period=period)
    assert dashboard.drift_by_team == by_team


def test_drift_for_some_workers_counts_only_their_minutes(world, service):
    period = _period(service)
    only_b = selectors.drift(
        world.org, _teams(world), period, by="worker", workers=[world.peer_b.pk]
    )
    assert {r.worker_id for r in only_b} == {world.peer_b.pk}
    assert selectors.drift(world.org, _teams(world), period, by="worker", workers=[]) == []


def test_out_of_scope_tasks_list_what_drove_the_drift(world, service):
    tasks = selectors.out_of_scope_tasks(world.org, world.team_a, _period(service))
    assert tasks == [("staff_cover", 40)]


def test_referrals_by_source_team_and_month(world, service):
    counts = selectors.referrals_by_source(world.org, _teams(world), _period(service))
    by_source: dict[str, int] = {}
    for (_month, team_id, source), n in counts.items():
        assert team_id == world.team_a.pk
        by_source[source] = by_source.get(source, 0) + n
    assert by_source == {"clinician": 2, "self": 1}


def test_acceptance_rate_counts_answered_offers(world, service):
    rate = selectors.acceptance(world.org, _teams(world), _period(service))
    assert (rate.numerator, rate.denominator, rate.value) == (2, 3, 66.7)


def test_days_to_first_contact_median_and_90th_percentile(world, service):
    wait = selectors.time_to_first_contact(world.org, _teams(world), _period(service))
    assert (wait.n, wait.median_days, wait.p90_days) == (2, 12.0, 18.4)


def test_percentile_interpolates_between_ranks():
    assert selectors.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9.1
    assert selectors.percentile([], 0.9) is None


def test_contacts_per_person_per_month_from_attendances(world, service):
    rates = selectors.contacts_per_person(world.org, _teams(world), _period(service))
    month = service.today.replace(day=1)
    a = rates[(month, world.team_a.pk)]
    b = rates[(month, world.team_b.pk)]
    assert (a.numerator, a.denominator, a.value) == (3, 2, 1.5)
    assert (b.numerator, b.denominator, b.value) == (1, 1, 1.0)
    # The previous month: relationships were open, no contact.
    previous = selectors.add_months(month, -1)
    assert rates[(previous, world.team_a.pk)].value == 0.0


def test_structure_fte_lone_peer_training_and_supervision(world, service):
    period = _period(service)
    info = selectors.workers(world.org, _teams(world), period)
    rows = {s.team.pk: s for s in selectors.structure(_teams(world), info)}
    a, b, c = rows[world.team_a.pk], rows[world.team_b.pk], rows[world.team_c.pk]
    assert (a.headcount, a.fte, a.lone_peer) == (2, Decimal("1.30"), False)
    assert (b.headcount, b.fte, b.lone_peer) == (1, Decimal("1.00"), True)
    assert (c.headcount, c.lone_peer) == (0, False)
    assert a.training().value == 50.0  # Pat certified, Chris not
    assert a.supervision(period.end).value == 50.0  # Pat seen 10 days ago, Chris never
    assert b.training().value == 0.0


def test_workforce_checkins_turnover_and_retention(world, service):
    period = _period(service)
    info = selectors.workers(world.org, _teams(world), period, include_leavers=True)
    figures = selectors.workforce(info, period)
    assert (figures.checkins.numerator, figures.checkins.denominator) == (1, 3)
    assert (figures.employed_at_start, figures.leavers, figures.retained) == (4, 1, 3)
    assert (figures.turnover.value, figures.retention.value) == (25.0, 75.0)


def test_safety_boundary_events_per_100_and_risk_by_path(world, service):
    figures = selectors.safety(world.org, _teams(world), _period(service))
    a = figures[world.team_a.pk]
    assert (a.boundary.numerator, a.boundary.denominator, a.boundary.value) == (1, 2, 50.0)
    assert a.risk_by_path == {"relational": 1, "joint": 0, "escalation": 0}
    assert figures[world.team_c.pk].boundary.value is None


def test_flags_name_the_drifting_team_with_its_tasks_and_the_lone_peer_team(world, service):
    data = selectors.place_dashboard(world.org, teams=_teams(world), period=_period(service))
    flags = {(f.kind, f.team.pk) for f in data.flags}
    assert flags == {("drift", world.team_a.pk), ("lone_peer", world.team_b.pk)}
    drift_flag = next(f for f in data.flags if f.kind == "drift")
    assert drift_flag.tasks == [("staff_cover", 40)]


def test_aggregate_dashboard_holds_no_worker_rows(world, service):
    data = selectors.place_dashboard(world.org, teams=_teams(world), period=_period(service), k=5)
    assert data.drift_by_worker == []
    assert data.aggregate_only


def test_drift_alert_goes_to_the_supervisor_with_the_tasks_once(world, service):
    assert raise_drift_alerts(organization=world.org, today=service.today) == 1
    alert = DriftAlert.objects.get()
    assert (alert.recipient, alert.worker, alert.team) == (
        world.supervisor,
        world.peer_a,
        world.team_a,
    )
    assert alert.tasks == [["staff_cover", 40]]
    assert (alert.minutes, alert.out_of_scope_minutes, alert.percent) == (100, 40, 40.0)
    # Running again the same month adds nothing.
    assert raise_drift_alerts(organization=world.org, today=service.today) == 0


def test_period_last_months_starts_on_a_month_boundary():
    period = selectors.Period.last_months(3, dt.date(2026, 1, 15))
    assert period.start == dt.date(2025, 11, 1)
    assert period.months == [dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1)]


def test_drift_alerts_from_the_command_and_the_task(world, service):
    from io import StringIO

    import pytest
    from django.core.management import CommandError, call_command

    from peerway.indicators.tasks import raise_drift_alerts as task

    out = StringIO()
    call_command("raise_drift_alerts", "--organization", world.org.slug, stdout=out)
    assert "1 drift alert(s) raised" in out.getvalue()
    assert task.enqueue().return_value == 0  # already raised
    with pytest.raises(CommandError, match="--organization"):
        call_command("raise_drift_alerts", "--organization", "nowhere")

"""Cached dashboards (decision 32: Dashboards cached under a data version): a cached
dashboard is the computed one; every write of what a dashboard reads makes the cached
entry unreachable, in the write's own transaction; nothing is shared across organizations,
places, readers' disclosure or languages."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerway.assessments import reports
from peerway.assessments.models import Response, WaveRelease
from peerway.assessments.services import release_wave
from peerway.contacts import rollups
from peerway.contacts import services as contact_services
from peerway.core.models import Membership, Organization, Site, Team
from peerway.core.roles import Role, TeamType
from peerway.indicators import cache, selectors, versions
from peerway.indicators.models import DataVersion, WaveTrend
from peerway.instruments.library import current_library
from peerway.outcomes.models import Administration, Mode, SafetyTask
from peerway.planning import taxonomy
from peerway.planning.models import RoleDefinition, RoleDefinitionVersion, VersionStatus
from peerway.planning.plan.services import create_plan
from peerway.recovery.models import SafetyEvent
from peerway.support.models import (
    ConsentPurpose,
    ConsentRecord,
    PeerRelationship,
    Person,
    Referral,
    ReferralEvent,
)
from peerway.workforce.models import (
    SupervisionSession,
    TrainingRecord,
    WellbeingCheckIn,
    WorkerProfile,
)
from tests.assessments.test_results_pages import closed
from tests.assessments.test_waves import make_wave
from tests.concurrency import at_once
from tests.conftest import grant, make_user

from .conftest import log


def period():
    return selectors.Period.last_months(6)


def all_teams(world):
    return list(
        Team.objects.filter(site__organization=world.org)
        .select_related("site")
        .order_by("site__name", "name")
    )


def cached(world, teams=None, **kw):
    return cache.place_dashboard(world.org, teams=teams or all_teams(world), period=period(), **kw)


def computed(world, teams=None, **kw):
    return selectors.place_dashboard(
        world.org, teams=teams or all_teams(world), period=period(), **kw
    )


def number(org, kind: str | None = None) -> int:
    """One kind's version number, or the sum of all kinds'."""
    current = versions.current(org)
    if kind is not None:
        return current[kind][1]
    return sum(n for _epoch, n in current.values())


# --- A cached dashboard is the computed one ---------------------------------------------------


@pytest.mark.parametrize(("k", "lang"), [(None, "en"), (5, "en"), (None, "fr")])
def test_a_cached_dashboard_is_the_computed_one(world, service, k, lang):
    teams = all_teams(world)
    first = cached(world, teams, k=k, lang=lang)
    with CaptureQueriesContext(connection) as hit:
        again = cached(world, teams, k=k, lang=lang)
    with CaptureQueriesContext(connection) as fresh:
        expected = computed(world, teams, k=k, lang=lang)
    assert again == expected == first
    assert again.drift_by_team and again.structure and again.referrals
    # The hit reads the version and the clock-bound safety tasks, nothing else.
    assert len(hit.captured_queries) <= 2 < len(fresh.captured_queries)


def task_due_in_an_hour(world, service) -> SafetyTask:
    return SafetyTask.objects.create(
        organization=world.org,
        team=world.team_a,
        person=service.ana,
        risk_type="other",
        due_at=timezone.now() + dt.timedelta(hours=1),
    )


def time_passes(task: SafetyTask) -> None:
    """The task falls past its deadline with nothing written (an update sends no signal and
    raises no version)."""
    SafetyTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))


def test_overdue_safety_tasks_are_counted_at_each_read_not_cached(world, service):
    task = task_due_in_an_hour(world, service)
    assert cached(world).safety_tasks[world.team_a.pk].open_overdue == 0
    time_passes(task)
    assert cached(world).safety_tasks[world.team_a.pk].open_overdue == 1


# --- Every write of what a dashboard reads raises the organization's version -----------------


def _contact(world, service):
    return log(world, world.peer_a, world.team_a, [service.ana], 30, ["advocacy"])


def _update_contact(world, service):
    contact = _contact(world, service)
    before = versions.current(world.org)
    contact_services.update_contact(actor=world.peer_a, contact=contact, duration_minutes=45)
    return before


def _delete_contact(world, service):
    contact = _contact(world, service)
    before = versions.current(world.org)
    contact_services.delete_contact(actor=world.peer_a, contact=contact)
    return before


def _change(model, pk, **values):
    record = model.objects.get(pk=pk)
    for name, value in values.items():
        setattr(record, name, value)
    record.save()


def _end_relationship(world, service):
    relationship = PeerRelationship.objects.get(person=service.cy)
    relationship.ended_on = timezone.localdate()
    relationship.save()


def _assign_supervisor(world, service):
    WorkerProfile.objects.get(user=world.peer_a).supervisors.add(world.supervisor)


def _remove_membership(world, service):
    Membership.objects.get(user=service.peer_c, organization=world.org).delete()


def _rename_worker(world, service):
    world.peer_b.display_name = "Quinn Renamed"
    world.peer_b.save()


def _approve_role(world, service):
    definition = RoleDefinition.objects.create(
        organization=world.org, title="Crisis peer role", team_type=TeamType.CRISIS
    )
    in_scope, out_of_scope = taxonomy.default_scope()
    RoleDefinitionVersion.objects.create(
        definition=definition,
        number=1,
        status=VersionStatus.APPROVED,
        purpose="Peer support",
        in_scope=in_scope,
        out_of_scope=out_of_scope,
        drift_threshold_percent=50,
    )


def _survey_response(world, service):
    wave = make_wave(world, instrument_codes=["oric"], teams=[world.team_a], audiences=["staff"])
    before = versions.current(world.org)
    Response.objects.create(
        wave=wave, team=world.team_a, audience="staff", submitted_on=timezone.localdate()
    )
    return before


WRITES = {
    "contact logged": _contact,
    "contact corrected": _update_contact,
    "contact deleted": _delete_contact,
    "referral received": lambda w, s: Referral.objects.create(
        person=s.cy, team=w.team_b, source="self"
    ),
    "referral step": lambda w, s: ReferralEvent.objects.create(
        referral=Referral.objects.filter(person=s.ben).first(), state="offered", at=timezone.now()
    ),
    "relationship started": lambda w, s: PeerRelationship.objects.create(
        person=s.ben, worker=w.peer_b, started_on=timezone.localdate()
    ),
    "relationship ended": _end_relationship,
    "person moved to another team": lambda w, s: _change(Person, s.cy.pk, team=w.team_a),
    "consent recorded": lambda w, s: ConsentRecord.objects.create(
        person=s.ana,
        purpose=ConsentPurpose.EVALUATION,
        given=False,
        decided_on=timezone.localdate(),
    ),
    "outcome measure given": lambda w, s: Administration.objects.create(
        organization=w.org,
        team=w.team_a,
        person=s.ana,
        instrument="k10",
        version="1",
        time_point=0,
        administered_on=timezone.localdate(),
        mode=Mode.WITH_WORKER,
        answers_data="{}",
        result_data="{}",
        total_score=20,
    ),
    "safety task raised": lambda w, s: SafetyTask.objects.create(
        organization=w.org,
        team=w.team_a,
        person=s.ana,
        risk_type="other",
        due_at=timezone.now() + dt.timedelta(hours=1),
    ),
    "safety event": lambda w, s: SafetyEvent.objects.create(
        organization=w.org,
        team=w.team_b,
        person=s.cy,
        worker=w.peer_b,
        kind="boundary",
        occurred_on=timezone.localdate(),
        description="x",
        boundary_type="crossing",
    ),
    "supervision session": lambda w, s: SupervisionSession.objects.create(
        organization=w.org,
        worker=w.peer_b,
        supervisor=w.supervisor,
        session_type="administrative",
        date=timezone.localdate(),
        duration_minutes=30,
    ),
    "training record": lambda w, s: TrainingRecord.objects.create(
        organization=w.org,
        user=w.peer_b,
        kind="certification",
        title="Peer support certification",
        completed_on=timezone.localdate(),
    ),
    "wellbeing check-in": lambda w, s: WellbeingCheckIn.objects.create(
        organization=w.org,
        worker=w.peer_b,
        completed_on=timezone.localdate(),
        instrument_version="1",
        results="{}",
    ),
    "worker's FTE changed": lambda w, s: _change(
        WorkerProfile, WorkerProfile.objects.get(user=w.peer_b).pk, fte=Decimal("0.6")
    ),
    "supervisor assigned": _assign_supervisor,
    "worker placed on a team": lambda w, s: grant(
        make_user("new@northwind.test", "New Peer"), Role.PEER_WORKER, w.org, team=w.team_c
    ),
    "membership removed": _remove_membership,
    "worker renamed": _rename_worker,
    "team renamed": lambda w, s: _change(Team, w.team_c.pk, name="Team Sea"),
    "team opened": lambda w, s: Team.objects.create(
        site=w.south, name="Team D", team_type=TeamType.COMMUNITY
    ),
    "site opened": lambda w, s: Site.objects.create(organization=w.org, name="West"),
    "role definition approved": _approve_role,
    "implementation plan started": lambda w, s: create_plan(actor=w.manager, organization=w.org),
    "survey response": _survey_response,
    "rollups rebuilt": lambda w, s: rollups.rebuild(w.org) and None,
}


KIND_OF_WRITE = {
    "contact logged": versions.CONTACTS,
    "contact corrected": versions.CONTACTS,
    "contact deleted": versions.CONTACTS,
    "rollups rebuilt": versions.CONTACTS,
    "referral received": versions.PEOPLE,
    "referral step": versions.PEOPLE,
    "relationship started": versions.PEOPLE,
    "relationship ended": versions.PEOPLE,
    "person moved to another team": versions.PEOPLE,
    "consent recorded": versions.PEOPLE,
    "outcome measure given": versions.SAFETY,
    "safety task raised": versions.SAFETY,
    "safety event": versions.SAFETY,
    "supervision session": versions.WORKFORCE,
    "training record": versions.WORKFORCE,
    "wellbeing check-in": versions.WORKFORCE,
    "worker's FTE changed": versions.WORKFORCE,
    "supervisor assigned": versions.WORKFORCE,
    "worker placed on a team": versions.CORE,
    "membership removed": versions.CORE,
    "worker renamed": versions.CORE,
    "team renamed": versions.CORE,
    "team opened": versions.CORE,
    "site opened": versions.CORE,
    "role definition approved": versions.PLANNING,
    "implementation plan started": versions.PLANNING,
    "survey response": versions.SURVEYS,
}


def test_every_write_has_its_kind():
    assert set(KIND_OF_WRITE) == set(WRITES)


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_a_dashboard_reads_raises_its_organizations_version(world, service, write):
    kind = KIND_OF_WRITE[write]
    other_before = number(world.other_org)
    before = number(world.org, kind)
    returned = WRITES[write](world, service)
    if isinstance(returned, dict):
        before = returned[kind][1]  # the write prepared something first: the version then
    assert number(world.org, kind) > before
    assert number(world.other_org) == other_before  # never anyone else's


def test_a_contact_logged_recomputes_only_what_reads_contacts(world, service):
    before = versions.current(world.org)
    _contact(world, service)
    after = versions.current(world.org)
    assert {k for k in versions.KINDS if after[k] != before[k]} == {versions.CONTACTS}
    parts = {p for p, kinds in cache.PART_KINDS.items() if versions.CONTACTS in kinds}
    assert parts == {"drift", "contacts_per_person"}


def test_a_write_rolled_back_leaves_the_version(world, service):
    before = number(world.org)
    with pytest.raises(RuntimeError), transaction.atomic():
        _contact(world, service)
        raise RuntimeError
    assert number(world.org) == before


def test_signing_in_changes_no_version(world, service, client):
    before = number(world.org)
    client.force_login(world.peer_a)
    assert number(world.org) == before


@pytest.mark.parametrize(
    "write",
    [
        lambda w, s: _contact(w, s),
        lambda w, s: SupervisionSession.objects.create(
            organization=w.org,
            worker=w.peer_b,
            supervisor=w.supervisor,
            session_type="administrative",
            date=timezone.localdate(),
            duration_minutes=30,
        ),
        lambda w, s: Referral.objects.create(person=s.cy, team=w.team_b, source="self"),
        lambda w, s: SafetyEvent.objects.create(
            organization=w.org,
            team=w.team_b,
            person=s.cy,
            worker=w.peer_b,
            kind="boundary",
            occurred_on=timezone.localdate(),
            description="x",
            boundary_type="crossing",
        ),
    ],
    ids=["contact", "supervision", "referral", "safety event"],
)
def test_after_a_write_the_dashboard_shows_the_new_figures(world, service, write):
    old = cached(world)
    write(world, service)
    new = cached(world)
    assert new == computed(world)
    assert new != old


# --- Nothing crosses organizations, places, readers or languages -----------------------------


def test_each_place_gets_its_own_figures(world, service):
    whole = cached(world)
    team_a = cached(world, teams=[world.team_a])
    team_b = cached(world, teams=[Team.objects.select_related("site").get(pk=world.team_b.pk)])
    assert [t.pk for t in team_a.teams] == [world.team_a.pk]
    assert [t.pk for t in team_b.teams] == [world.team_b.pk]
    assert team_a == computed(world, teams=[world.team_a])
    assert {r.team_id for r in team_b.drift_by_team} == {world.team_b.pk}
    assert whole == computed(world)


def test_an_aggregate_reader_never_gets_the_full_view(world, service):
    full = cached(world)
    assert full.drift_by_worker
    aggregate = cached(world, k=5)
    assert aggregate.drift_by_worker == []
    assert aggregate == computed(world, k=5)


def test_keys_differ_by_part_organization_place_period_extra_and_version(world):
    teams = all_teams(world)
    version = dict.fromkeys(versions.KINDS, ("e", 1))
    base = {"teams": teams, "period": period(), "version": version, "extra": ("en",)}
    key = cache.part_key("readiness", world.org, **base)

    def readiness(**changes):
        return cache.part_key("readiness", world.org, **{**base, **changes})

    variants = [
        cache.part_key("plan", world.org, **base),
        cache.part_key("readiness", world.other_org, **base),
        readiness(teams=teams[:1]),
        readiness(period=selectors.Period.last_months(3)),
        readiness(extra=("fr",)),
        readiness(version={**version, "surveys": ("e", 2)}),
        readiness(version={**version, "core": ("f", 1)}),
    ]
    assert len({key, *variants}) == 1 + len(variants)
    # A kind the part does not read leaves its key alone.
    assert readiness(version={**version, "contacts": ("e", 9)}) == key


def test_an_evaluator_after_a_manager_sees_no_worker(world, service, login):
    url = reverse("indicators:organization", args=[world.org.slug])
    manager_page = login(world.manager).get(url)
    assert b"Pat Peer" in manager_page.content
    evaluator_page = login(world.evaluator).get(url)
    assert evaluator_page.status_code == 200
    assert b"Pat Peer" not in evaluator_page.content


def test_a_new_organization_never_meets_an_old_ones_entries(world):
    org = Organization.objects.create(name="Brief", slug="brief")
    first = versions.current(org)
    org.delete()
    again = Organization.objects.create(name="Brief", slug="brief")
    assert versions.current(again)[versions.CORE][0] != first[versions.CORE][0]


# --- Two writers at once -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_each_raise_the_version(world, service):
    # One contact alone, to know what one write adds (the contact and its people).
    alone = number(world.org, versions.CONTACTS)
    log(world, world.peer_a, world.team_a, [service.ana], 20, ["advocacy"])
    before = number(world.org, versions.CONTACTS)
    per_write = before - alone
    assert per_write >= 1

    def writer(team, worker, person):
        def prepare():
            return lambda: log(world, worker, team, [person], 20, ["advocacy"])

        return prepare

    results = at_once(
        writer(world.team_a, world.peer_a, service.ana),
        writer(world.team_b, world.peer_b, service.cy),
    )
    assert not [r for r in results if isinstance(r, Exception)]
    after = DataVersion.objects.get(organization=world.org, kind="contacts").number
    assert after == before + 2 * per_write  # no raise lost to the other writer


# --- Readiness: each closed wave's means stored, not recomputed --------------------------------


@pytest.fixture
def closed_wave(world):
    reports._MEMO.clear()
    wave = make_wave(
        world, instrument_codes=["oric"], teams=[world.team_a], audiences=["staff"], **closed()
    )
    oric = current_library()["oric"]
    rng = random.Random(3)
    for _ in range(8):
        Response.objects.create(
            wave=wave,
            team=world.team_a,
            audience="staff",
            submitted_on=wave.opens_on,
            answers={"oric": {i.id: rng.choice((2, 3, 4, 5)) for i in oric.items}},
            versions={"oric": oric.version},
        )
    release_wave(wave=wave)
    yield wave
    reports._MEMO.clear()


def test_readiness_means_are_stored_and_read_without_computing_results(
    world, closed_wave, monkeypatch
):
    first = selectors.readiness_trend(world.org)
    assert first and WaveTrend.objects.filter(wave=closed_wave).exists()
    assert {p.wave for p in first} == {closed_wave.name}

    def not_again(wave):
        raise AssertionError("results computed again")

    monkeypatch.setattr(reports, "wave_results", not_again)
    assert selectors.readiness_trend(world.org) == first
    french = selectors.readiness_trend(world.org, "fr")
    assert [p.mean for p in french] == [p.mean for p in first]


def test_stored_readiness_means_follow_a_changed_release(world, closed_wave):
    first = selectors.readiness_trend(world.org)
    release = WaveRelease.objects.get(wave=closed_wave)
    # Hide the organization's cells by hand: every screen follows the stored decision.
    decision = release.decision
    assert first
    reports._MEMO.clear()
    hidden = selectors.readiness_trend(world.org)
    assert hidden == first  # unchanged decision: the same stored means
    release.decision = {**decision, "tampered": True}
    release.save()
    stamp = WaveTrend.objects.get(wave=closed_wave).stamp
    selectors.readiness_trend(world.org)
    assert WaveTrend.objects.get(wave=closed_wave).stamp != stamp


def test_releasing_a_wave_stores_its_readiness_means(world, closed_wave):
    from peerway.assessments.tasks import release_wave_results

    WaveTrend.objects.all().delete()
    release_wave_results.call(closed_wave.pk)
    assert WaveTrend.objects.filter(wave=closed_wave).exists()


# --- The supervision dashboard -----------------------------------------------------------------


def supervision_rows(rows):
    return [
        (
            r.worker.user.pk,
            r.worker.user.display_name,
            None
            if r.latest_drift is None
            else (r.latest_drift.month, r.latest_drift.team_id, r.latest_drift.percent),
            r.cadence_met,
        )
        for r in rows
    ]


@pytest.mark.parametrize("write", list(WRITES))
def test_the_cached_supervision_dashboard_follows_every_write(world, service, write):
    readers = (world.supervisor, world.manager, world.site_manager)
    for reader in readers:  # fill the cache
        cache.supervision_dashboard(world.org, reader, period=period())
    WRITES[write](world, service)
    for reader in readers:
        got = cache.supervision_dashboard(world.org, reader, period=period())
        fresh = selectors.supervision_dashboard(world.org, reader, period=period())
        assert supervision_rows(got) == supervision_rows(fresh), (write, reader.email)


def test_each_supervisor_gets_their_own_workers(world, service):
    mine = supervision_rows(
        cache.supervision_dashboard(world.org, world.supervisor, period=period())
    )
    south = supervision_rows(
        cache.supervision_dashboard(world.org, world.site_manager, period=period())
    )
    assert mine and {row[0] for row in mine} != {row[0] for row in south}


# --- Review findings: races, the other side of a link, what a shared cache holds ----------------


def test_a_team_opened_while_a_home_is_computed_never_reaches_another_reader(
    world, service, monkeypatch
):
    """The workforce summary is stored under the teams its reader oversees: it must hold
    those teams only, even when a team opens between reading them and computing."""
    from peerway.core.models import Team
    from peerway.workforce import homes

    newcomer = make_user("newcomer@northwind.test", "Nia Peer")
    grant(newcomer, Role.PEER_WORKER, world.org, site=world.south)  # on every south team
    team_c_manager = make_user("team-c-manager@northwind.test", "Cleo Manager")
    grant(team_c_manager, Role.MANAGER, world.org, team=world.team_c)
    real = versions.current
    opened = []

    def current_while_a_team_opens(organization):
        if not opened:
            opened.append(Team.objects.create(site=world.south, name="New South Team"))
        return real(organization)

    monkeypatch.setattr(versions, "current", current_while_a_team_opens)
    homes.home_context(world.site_manager, world.org)  # computed while the team opens
    monkeypatch.setattr(versions, "current", real)
    shown = homes.home_context(team_c_manager, world.org)["workforce_manager"]
    assert [row["team"].pk for row in shown["rows"]] == [world.team_c.pk]


def test_a_supervisor_assigned_from_their_own_side_raises_the_profiles_organization(world, service):
    from peerway.workforce.models import WorkerProfile

    outside = make_user("outside-supervisor@elsewhere.test", "Odo Outside")  # no membership
    profile = WorkerProfile.objects.get(organization=world.org, user=world.peer_a)
    before = number(world.org, versions.WORKFORCE)
    outside.supervised_profiles.add(profile)
    assert number(world.org, versions.WORKFORCE) > before
    before = number(world.org, versions.WORKFORCE)
    outside.supervised_profiles.remove(profile)
    assert number(world.org, versions.WORKFORCE) > before
    before = number(world.org, versions.WORKFORCE)
    outside.supervised_profiles.clear()  # which profiles is not known: every organization
    assert number(world.org, versions.WORKFORCE) > before


def test_a_shared_cache_holds_no_part_naming_workers_or_people(world, service, monkeypatch):
    stored = {}

    class Shared:
        def get_many(self, keys):
            return {}

        def set_many(self, entries):
            stored.update(entries)

    monkeypatch.setattr(cache, "_shared", lambda: Shared())
    cached(world)
    cache.supervision_dashboard(world.org, world.supervisor, period=period())  # names workers
    parts = {key.split(":")[2] for key in stored}
    assert parts == set(cache.SHAREABLE_PARTS)
    assert not any(key.startswith("supervision:") for key in stored)
    assert not any(
        isinstance(value, dict) and "workers_by_id" in value for value in stored.values()
    )

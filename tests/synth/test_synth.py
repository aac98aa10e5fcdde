"""The synthetic data generator: right counts, rollups equal to a rebuild, the same
organization for the same seed, and contacts written in fixed-size batches."""

from __future__ import annotations

import datetime as dt
import math
import types
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from peerway import cli
from peerway.contacts import drift, rollups
from peerway.contacts.models import ALL_ACTIVITIES, ContactRollup
from peerway.core.models import Membership, Organization, Team, User
from peerway.planning import taxonomy
from peerway.support.models import Contact, PeerRelationship, Person, Referral
from peerway.synth import generator, load
from peerway.workforce.models import WorkerProfile
from tests.contacts.rollup_rows import daily_rows, monthly_rows, months_of

END = dt.date(2026, 10, 31)
SMALL = {"people": 50, "contacts": 2000, "seed": 7, "end": END, "days": 180}


def shape(**overrides) -> generator.Shape:
    return generator.Shape(**{**SMALL, **overrides})


def fingerprint(org):
    """The organization's contacts with ids replaced by stable names."""
    return [
        (
            c.date,
            c.team.name,
            c.worker.email.split("@")[0],
            tuple(sorted(p.code[5:] for p in c.people.all())),
            c.duration_minutes,
            c.modality,
            c.setting,
            c.contact_type,
            tuple(c.activities),
            tuple(c.chime),
        )
        for c in Contact.objects.filter(organization=org)
        .select_related("team", "worker")
        .prefetch_related("people")
        .order_by("pk")
    ]


@pytest.mark.django_db
def test_synth_command_builds_a_small_organization_with_exact_counts():
    call_command(
        "synth", people=50, contacts=2000, seed=7, end=END.isoformat(), days=180, slug="synth"
    )
    org = Organization.objects.get(slug="synth")
    assert org.is_demo
    assert Contact.objects.filter(organization=org).count() == 2000
    assert Person.objects.filter(organization=org).count() == 50
    assert Referral.objects.filter(person__organization=org).count() == 50
    assert PeerRelationship.objects.filter(person__organization=org).count() == 50
    # 50 people / 20 per worker would be 3 peer workers, but 2,000 contacts in 180 days at
    # the demo's workload (about 90 per FTE a month, FTE 0.78 on average) need 5: on one
    # team at one site.
    assert Membership.objects.filter(organization=org, role="peer_worker").count() == 5
    assert WorkerProfile.objects.filter(organization=org).count() == 5
    assert Team.objects.filter(site__organization=org).count() == 1
    assert (
        not User.objects.filter(email__endswith="synth.example")
        .exclude(password__startswith="!")
        .exists()
    )  # no synthetic account can sign in
    contacts = Contact.objects.filter(organization=org)
    assert contacts.filter(date__lt=END - dt.timedelta(days=179)).count() == 0
    assert contacts.filter(date__gt=END).count() == 0
    assert contacts.filter(contact_type="group").exists()
    assert not contacts.exclude(note="").exists()  # synthetic contacts carry no note
    codes = taxonomy.codes()
    assert all(set(a) <= codes for a in contacts.values_list("activities", flat=True))


@pytest.mark.django_db
def test_each_attendee_had_an_open_relationship_with_the_worker_that_day():
    org = load.load(shape=shape(), slug="synth") and Organization.objects.get(slug="synth")
    open_on = {
        (r.person_id, r.worker_id): (r.started_on, r.ended_on or END)
        for r in PeerRelationship.objects.filter(person__organization=org)
    }
    for contact in Contact.objects.filter(organization=org).prefetch_related("people"):
        for person in contact.people.all():
            started, ended = open_on[(person.pk, contact.worker_id)]
            assert started <= contact.date <= ended
            assert person.team_id == contact.team_id


@pytest.mark.django_db
def test_synth_rollups_equal_a_rebuild_from_raw_contacts():
    counts = load.load(shape=shape(), slug="synth")
    org = Organization.objects.get(slug="synth")
    written, monthly = daily_rows(org), monthly_rows(org)
    assert len(written) == counts["rollup_rows"]
    assert len(monthly) == counts["monthly_rollup_rows"]
    assert monthly == months_of(written)
    totals = ContactRollup.objects.filter(organization=org, activity=ALL_ACTIVITIES)
    assert sum(totals.values_list("contacts", flat=True)) == 2000
    rollups.rebuild(org)
    assert daily_rows(org) == written
    assert monthly_rows(org) == monthly


@pytest.mark.django_db
def test_one_team_in_ten_drifts_above_its_threshold_by_the_end():
    load.load(shape=shape(people=120, contacts=6000, workers=6, teams=6), slug="synth")
    org = Organization.objects.get(slug="synth")
    rows = drift.drift(org, by="team")
    last = max(r.month for r in rows)
    flagged = {r.team_id for r in rows if r.month == last and r.over_threshold}
    assert flagged == {Team.objects.get(site__organization=org, name="Synthetic Team 006").pk}


def test_generator_is_deterministic_for_a_seed_and_differs_for_another():
    first = list(generator.contacts(shape(), generator.plan(shape())))
    again = list(generator.contacts(shape(), generator.plan(shape())))
    other = list(generator.contacts(shape(seed=8), generator.plan(shape(seed=8))))
    assert len(first) == 2000
    assert first == again
    assert first != other
    assert [r.day for r in first] == sorted(r.day for r in first)  # date order


@pytest.mark.django_db
def test_two_loads_with_the_same_seed_write_the_same_organization():
    load.load(shape=shape(), slug="synth-a")
    load.load(shape=shape(), slug="synth-b")
    a, b = (Organization.objects.get(slug=s) for s in ("synth-a", "synth-b"))
    assert fingerprint(a) == fingerprint(b)
    assert len(fingerprint(a)) == 2000


@pytest.mark.django_db
def test_contacts_are_generated_lazily_and_written_in_batches_of_a_fixed_size():
    # Memory is bounded by design: the generator is lazy and every insert of contacts
    # (and of their attendees) holds at most one batch.
    assert isinstance(generator.contacts(shape(), generator.plan(shape())), types.GeneratorType)
    calls = []
    real = load.insert_rows

    def spy(cursor, table, columns, rows):
        calls.append((table, len(rows)))
        return real(cursor, table, columns, rows)

    with mock.patch.object(load, "insert_rows", spy):
        counts = load.load(shape=shape(), slug="synth", batch_size=300)
    contact_table = Contact._meta.db_table
    contact_inserts = [n for table, n in calls if table == contact_table]
    assert contact_inserts == [300] * 6 + [200]
    assert counts["contact_batches"] == math.ceil(2000 / 300)
    assert max(n for _table, n in calls) <= 300 * 6  # attendees: at most six per group


@pytest.mark.django_db
def test_synth_refuses_bad_options_naming_them():
    with pytest.raises(CommandError, match="--people"):
        call_command("synth", people=0, contacts=10)
    with pytest.raises(CommandError, match="--end"):
        call_command("synth", people=5, contacts=10, end="31/10/2026")
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("synth", people=5, contacts=10, batch_size=0)
    call_command("synth", people=5, contacts=10, end=END.isoformat())
    with pytest.raises(CommandError, match="--slug"):
        call_command("synth", people=5, contacts=10, end=END.isoformat())
    assert Contact.objects.count() == 10  # the refused runs wrote nothing


def test_peerway_synth_maps_to_the_synth_command():
    assert cli.COMMANDS["synth"][0] == "synth"


def test_default_workers_log_at_the_demo_workload():
    from peerway.planning import workload

    # Enough workers that the contacts stay within the planned rate per FTE a month.
    for people, contacts, days in [(50, 2000, 180), (100, 100_000, 365), (20_000, 10**6, 730)]:
        s = shape(people=people, contacts=contacts, days=days)
        per_fte_month = contacts / (s.workers * generator.MEAN_FTE) / (days / (365.25 / 12))
        assert per_fte_month <= workload.CONTACTS_PER_FTE_MONTH + 1e-9
        assert s.workers >= people / generator.PEOPLE_PER_WORKER
    # The regional benchmark keeps its shape: 1,000 workers for 20,000 people.
    assert shape(people=20_000, contacts=10**6, days=730).workers == 1000
    # An explicit number of workers is kept.
    assert shape(people=50, contacts=100_000, workers=3, teams=1).workers == 3

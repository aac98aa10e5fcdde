"""Write a synthetic organization (``generator.plan`` + ``generator.contacts``) to the
database with bulk inserts in fixed-size batches, and build its contact rollups on the way.

Memory is bounded by ``batch_size`` contacts plus one day's daily rollups and one month's
monthly rollups: contacts arrive in date order and are inserted ``batch_size`` at a time
(with their attendees: ``COPY`` on PostgreSQL, ``executemany`` elsewhere), each day's
rollup rows are written as soon as the next day begins and each month's monthly rows as
soon as the next month begins. Structure rows (people, referrals, relationships, consent) are
inserted in batches too; only their primary keys (one integer per person) are kept.

Synthetic contacts carry **no note** (notes are encrypted one by one, which would dominate
the load time and measure Fernet rather than the database). Everything runs in one
transaction: a failed load leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json as _json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from peerway.contacts import rollups
from peerway.contacts.models import ContactMonthlyRollup, ContactRollup
from peerway.core import audit
from peerway.core.models import Membership, Organization, Site, Team, User
from peerway.core.roles import Role
from peerway.support.models import (
    CODE_ALPHABET,
    ConsentPurpose,
    ConsentRecord,
    Contact,
    PeerRelationship,
    Person,
    PersonStatus,
    Referral,
    ReferralEvent,
    ReferralState,
)
from peerway.workforce.models import WorkerProfile

from . import generator

DEFAULT_SLUG = "synth"
DEFAULT_BATCH_SIZE = 5000
EMAIL_DOMAIN = "synth.example"  # a reserved domain: no mail can ever reach anyone
REFERRAL_PATH = (
    ReferralState.NEW,
    ReferralState.TRIAGED,
    ReferralState.OFFERED,
    ReferralState.ACCEPTED,
    ReferralState.FIRST_CONTACT,
    ReferralState.ACTIVE,
)


class SynthError(ValueError):
    """Bad input, with a message that names the option."""


@functools.cache
def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _base31(number: int, width: int) -> str:
    digits = []
    for _i in range(width):
        number, digit = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    if number:
        raise SynthError("--people: too many people for a five-character code (28 million).")
    return "".join(reversed(digits))


def person_code(slug: str, index: int) -> str:
    """``P-`` + three characters from the organization's slug + the person's index:
    unique per organization, the same on every run, never a random real-looking code."""
    tag = (
        int.from_bytes(hashlib.blake2b(slug.encode(), digest_size=4).digest(), "big")
        % len(CODE_ALPHABET) ** 3
    )
    return f"P-{_base31(tag, 3)}{_base31(index, 5)}"


def batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def load(
    *,
    shape: generator.Shape,
    slug: str = DEFAULT_SLUG,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Create the organization ``slug`` from ``shape``; return row counts."""
    if batch_size < 1:
        raise SynthError("--batch-size must be at least 1.")
    if Organization.objects.filter(slug=slug).exists():
        raise SynthError(
            f"--slug: an organization {slug!r} already exists; choose another slug "
            "(or use a fresh database)."
        )
    structure = generator.plan(shape)
    with transaction.atomic():
        writer = _Writer(shape, structure, slug, batch_size)
        counts = writer.structure()
        counts.update(writer.contacts(progress))
        audit.record(
            actor=None,
            action="synth.generated",
            obj=writer.org,
            details={"seed": shape.seed, **counts},
        )
    return counts


class _Writer:
    def __init__(self, shape, structure, slug, batch_size):
        self.shape = shape
        self.plan = structure
        self.slug = slug
        self.batch_size = batch_size

    def _bulk(self, model, objects: Iterable) -> list:
        created = []
        for batch in batched(objects, self.batch_size):
            created.extend(o.pk for o in model.objects.bulk_create(batch))
        return created

    def structure(self) -> dict[str, int]:
        shape, plan, slug = self.shape, self.plan, self.slug
        self.org = org = Organization.objects.create(
            name=f"Synthetic Region ({slug})", slug=slug, is_demo=True
        )
        site_ids = self._bulk(
            Site,
            (
                Site(organization=org, name=f"Synthetic Site {i + 1:03d}")
                for i in range(shape.sites)
            ),
        )
        self.team_ids = self._bulk(
            Team,
            (
                Team(
                    site_id=site_ids[t.site],
                    name=f"Synthetic Team {j + 1:03d}",
                    team_type=t.team_type,
                )
                for j, t in enumerate(plan.teams)
            ),
        )
        unusable = make_password(None)  # nobody signs in as a synthetic account

        def user(key: str, name: str) -> User:
            return User(
                email=f"{key}@{slug}.{EMAIL_DOMAIN}",
                display_name=name,
                password=unusable,
                date_joined=_at(shape.start, 9),
            )

        manager, *supervisors = self._bulk(
            User,
            [user("manager", "Synthetic Manager")]
            + [
                user(f"supervisor{i + 1:03d}", f"Synthetic Supervisor {i + 1:03d}")
                for i in range(shape.sites)
            ],
        )
        self.worker_ids = self._bulk(
            User,
            (
                user(f"worker{w + 1:05d}", f"Synthetic Peer Worker {w + 1:05d}")
                for w in range(shape.workers)
            ),
        )
        memberships = [Membership(user_id=manager, role=Role.MANAGER, organization=org)]
        memberships += [
            Membership(user_id=s, role=Role.SUPERVISOR, organization=org, site_id=site_ids[i])
            for i, s in enumerate(supervisors)
        ]
        memberships += [
            Membership(
                user_id=self.worker_ids[w],
                role=Role.PEER_WORKER,
                organization=org,
                team_id=self.team_ids[worker.team],
            )
            for w, worker in enumerate(plan.workers)
        ]
        self._bulk(Membership, memberships)
        self._bulk(
            WorkerProfile,
            (
                WorkerProfile(
                    organization=org,
                    user_id=self.worker_ids[w],
                    fte=Decimal(worker.fte),
                    start_date=worker.started,
                    supervision_every_days=14,
                    created_at=_at(shape.start, 9),
                )
                for w, worker in enumerate(plan.workers)
            ),
        )
        self.person_ids = self._bulk(
            Person,
            (
                Person(
                    organization=org,
                    team_id=self.team_ids[p.team],
                    code=person_code(slug, i),
                    year_of_birth=p.year_of_birth,
                    language=p.language,
                    status=PersonStatus.ACTIVE if p.ended is None else PersonStatus.CLOSED,
                    created_at=_at(p.referred, 10),
                )
                for i, p in enumerate(plan.people)
            ),
        )
        referral_ids = self._bulk(
            Referral,
            (
                Referral(
                    person_id=self.person_ids[i],
                    team_id=self.team_ids[p.team],
                    source=p.source,
                    state=ReferralState.ACTIVE if p.ended is None else ReferralState.CLOSED,
                    created_at=_at(p.referred, 10),
                    updated_at=_at(p.ended or p.started, 11),
                )
                for i, p in enumerate(plan.people)
            ),
        )
        events = self._bulk(ReferralEvent, self._referral_events(referral_ids))
        self._bulk(
            PeerRelationship,
            (
                PeerRelationship(
                    person_id=self.person_ids[i],
                    worker_id=self.worker_ids[p.worker],
                    referral_id=referral_ids[i],
                    started_on=p.started,
                    ended_on=p.ended,
                    end_reason="Support completed" if p.ended else "",
                )
                for i, p in enumerate(plan.people)
            ),
        )
        consents = self._bulk(ConsentRecord, self._consents())
        return {
            "sites": shape.sites,
            "teams": shape.teams,
            "workers": shape.workers,
            "people": shape.people,
            "referral_events": len(events),
            "consent_records": len(consents),
        }

    def _referral_events(self, referral_ids) -> Iterator[ReferralEvent]:
        for i, p in enumerate(self.plan.people):
            gap = (p.started - p.referred).days
            days = [0, min(1, gap), min(2, gap), min(3, gap), gap, gap]
            for state, offset in zip(REFERRAL_PATH, days, strict=True):
                yield ReferralEvent(
                    referral_id=referral_ids[i],
                    state=state,
                    at=_at(p.referred + dt.timedelta(days=offset), 10),
                )
            if p.ended:
                yield ReferralEvent(
                    referral_id=referral_ids[i], state=ReferralState.CLOSED, at=_at(p.ended, 11)
                )

    def _consents(self) -> Iterator[ConsentRecord]:
        for i, p in enumerate(self.plan.people):
            for purpose, given in (
                (ConsentPurpose.PEER_SUPPORT, True),
                (ConsentPurpose.EVALUATION, i % 10 != 7),  # one in ten declines
                (ConsentPurpose.SHARE_NOTES, i % 2 == 0),
            ):
                yield ConsentRecord(
                    person_id=self.person_ids[i],
                    purpose=purpose,
                    given=given,
                    decided_on=p.referred,
                    recorded_at=_at(p.referred, 10),
                )

    def contacts(self, progress=None) -> dict[str, int]:
        """Insert the contacts, their attendees and their rollups, one batch at a time.

        ``COPY`` or ``executemany`` rather than ``bulk_create``: building a model
        instance per row would triple the load time at a million contacts. Contact ids are assigned
        here (after the highest existing id, with the table locked on PostgreSQL) so the
        attendee rows can name them; the id sequence is moved past them at the end.
        """
        org_id = self.org.pk
        qn = connection.ops.quote_name
        postgres = connection.vendor == "postgresql"
        contact_meta = Contact._meta
        through = Contact.people.through._meta
        columns = [
            "id",
            "organization",
            "team",
            "worker",
            "date",
            "duration_minutes",
            "modality",
            "setting",
            "contact_type",
            "activities",
            "chime",
            "note",
            "created_at",
            "updated_at",
        ]
        contact_table = (
            contact_meta.db_table,
            [contact_meta.get_field(c).column for c in columns],
        )
        attendee_table = (
            through.db_table,
            [through.get_field("contact").column, through.get_field("person").column],
        )

        def table_of(model, date_field):
            meta = model._meta
            fields = (date_field, "organization", "team", "worker", "activity")
            fields += ("contacts", "minutes", "attendances")
            return meta.db_table, [meta.get_field(c).column for c in fields]

        rollup_table = table_of(ContactRollup, "day")
        monthly_table = table_of(ContactMonthlyRollup, "month")
        adapt_date = functools.cache(connection.ops.adapt_datefield_value)
        adapt_time = functools.cache(
            lambda day: connection.ops.adapt_datetimefield_value(_at(day, 16))
        )
        dumps = functools.cache(lambda codes: _json.dumps(list(codes)))
        counts = {
            "contacts": 0,
            "attendances": 0,
            "rollup_rows": 0,
            "monthly_rollup_rows": 0,
            "contact_batches": 0,
        }
        month_totals: dict[tuple, list[int]] = {}

        def close_day(snapshots) -> None:
            totals = rollups.rows_for_contacts(snapshots)
            rows = [
                (adapt_date(day), org, team, worker, activity, c, m, a)
                for (day, org, team, worker, activity), (c, m, a) in totals.items()
            ]
            with connection.cursor() as cursor:
                insert_rows(cursor, *rollup_table, rows)
            counts["rollup_rows"] += len(rows)
            rollups.add_into(month_totals, rollups.by_month(totals))

        def close_month() -> None:
            rows = [
                (adapt_date(month), org, team, worker, activity, c, m, a)
                for (month, org, team, worker, activity), (c, m, a) in month_totals.items()
            ]
            with connection.cursor() as cursor:
                insert_rows(cursor, *monthly_table, rows)
            counts["monthly_rollup_rows"] += len(rows)
            month_totals.clear()

        with connection.cursor() as cursor:
            if postgres:
                # Nobody else may add contacts while ids are handed out here.
                cursor.execute(f"LOCK TABLE {qn(contact_meta.db_table)} IN EXCLUSIVE MODE")
            cursor.execute(f"SELECT MAX(id) FROM {qn(contact_meta.db_table)}")  # noqa: S608
            next_id = (cursor.fetchone()[0] or 0) + 1
        day, day_snapshots = None, []
        for batch in batched(generator.contacts(self.shape, self.plan), self.batch_size):
            ids = range(next_id, next_id + len(batch))
            next_id += len(batch)
            rows, attendees = [], []
            for pk, r in zip(ids, batch, strict=True):
                team_id, worker_id = self.team_ids[r.team], self.worker_ids[r.worker]
                stamp = adapt_time(r.day)
                rows.append(
                    (
                        pk,
                        org_id,
                        team_id,
                        worker_id,
                        adapt_date(r.day),
                        r.duration,
                        r.modality,
                        r.setting,
                        r.contact_type,
                        dumps(r.activities),
                        dumps(r.chime),
                        "",  # no note (module docstring)
                        stamp,
                        stamp,
                    )
                )
                attendees.extend((pk, self.person_ids[p]) for p in r.people)
                if r.day != day and day_snapshots:
                    close_day(day_snapshots)
                    day_snapshots = []
                    if r.day.month != day.month or r.day.year != day.year:
                        close_month()
                day = r.day
                day_snapshots.append(
                    rollups.Snapshot(
                        day=r.day,
                        organization_id=org_id,
                        team_id=team_id,
                        worker_id=worker_id,
                        duration=r.duration,
                        activities=r.activities,
                        attendances=len(r.people),
                    )
                )
            with connection.cursor() as cursor:
                insert_rows(cursor, *contact_table, rows)
                insert_rows(cursor, *attendee_table, attendees)
            counts["contacts"] += len(rows)
            counts["attendances"] += len(attendees)
            counts["contact_batches"] += 1
            if progress:
                progress(counts["contacts"])
        if day_snapshots:
            close_day(day_snapshots)
        close_month()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Contact]):
                cursor.execute(sql)
        return counts


def insert_rows(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Insert one batch of rows into ``table``: ``COPY`` on PostgreSQL (one ``INSERT``
    per row would be several times slower over the wire), one prepared ``INSERT`` run
    for every row with ``executemany`` elsewhere (SQLite runs in the process: no round
    trips, and a single cached statement; multi-row statements of varying length would
    each be compiled and cached). Called once per batch and table: the seam for the
    batch-size test."""
    if not rows:
        return
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row(values)
        return
    cursor.executemany(
        f"INSERT INTO {qn(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",  # noqa: S608
        rows,
    )

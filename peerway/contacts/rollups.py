"""Keep the daily and monthly rollups in step with contacts, rebuild them from scratch, and
read them.

``apply`` is called by the contact services inside the transaction that writes the
contact, so a rollup never disagrees with committed contacts. ``rebuild`` recomputes
everything from raw contacts one day at a time (memory bounded by one day's daily rows and
one month's monthly rows). ``totals`` is how dashboards read them: whole months from the
monthly rows, partial months at the edges of a period from the daily rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from peerway.support.models import Contact

from .models import ALL_ACTIVITIES, ContactMonthlyRollup, ContactRollup
from .split import split_minutes


@dataclass(frozen=True)
class Snapshot:
    """What a contact contributes to the rollups (taken before and after a change)."""

    day: object
    organization_id: int
    team_id: int
    worker_id: int
    duration: int
    activities: tuple[str, ...]
    attendances: int

    @classmethod
    def of(cls, contact: Contact, attendances: int | None = None) -> Snapshot:
        if attendances is None:
            attendances = contact.people.count()
        return cls(
            day=contact.date,
            organization_id=contact.organization_id,
            team_id=contact.team_id,
            worker_id=contact.worker_id,
            duration=contact.duration_minutes,
            activities=tuple(contact.activities or ()),
            attendances=attendances,
        )

    def rows(self) -> Iterator[tuple[str, int, int, int]]:
        """(activity, contacts, minutes, attendances) this contact adds."""
        yield ALL_ACTIVITIES, 1, self.duration, self.attendances
        for code, minutes in split_minutes(self.duration, self.activities).items():
            yield code, 1, minutes, 0


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


# Daily rows first, then monthly (the order rows are locked in, see ``_write``).
TABLES = ((ContactRollup, "day"), (ContactMonthlyRollup, "month"))


def _deltas(snapshot: Snapshot, sign: int, into: dict[tuple, list[int]]) -> None:
    """Add one contact's share (times ``sign``) to {(table, date, team, worker, activity,
    organization): [contacts, minutes, attendances]}, daily and monthly."""
    for activity, *values in snapshot.rows():
        for table, day in ((0, snapshot.day), (1, month_of(snapshot.day))):
            key = (table, day, snapshot.team_id, snapshot.worker_id, activity)
            _accumulate(into, (*key, snapshot.organization_id), [sign * v for v in values])


def apply(snapshot: Snapshot, sign: int) -> None:
    """Add (sign=1) or remove (sign=-1) one contact's share, in the daily and the monthly
    rollups. Call inside the write's transaction."""
    deltas: dict[tuple, list[int]] = {}
    _deltas(snapshot, sign, deltas)
    _write(deltas)


def change(before: Snapshot, after: Snapshot) -> None:
    """Move a corrected contact's share from ``before`` to ``after`` (only the net
    difference is written). Call inside the write's transaction, with the contact's row
    locked and ``before`` read from it."""
    deltas: dict[tuple, list[int]] = {}
    _deltas(before, -1, deltas)
    _deltas(after, +1, deltas)
    _write(deltas)


def _write(deltas: dict[tuple, list[int]]) -> None:
    # Always in the same order (daily before monthly, then by day, team, worker, activity):
    # two transactions touching the same rows lock them in the same order, so they wait
    # for each other instead of deadlocking. Additions (the whole write of a new contact)
    # go in one INSERT … ON CONFLICT DO UPDATE per table, whose rows are locked in the
    # order listed; removals keep the update-then-delete path.
    additions: list[tuple] = []
    for (table, day, team_id, worker_id, activity, organization_id), values in sorted(
        deltas.items()
    ):
        if not any(values):
            continue
        if values[0] > 0 and min(values) >= 0:
            if additions and additions[0][0] != table:
                _upsert(additions)
                additions = []
            additions.append((table, day, team_id, worker_id, activity, organization_id, values))
            continue
        _upsert(additions)
        additions = []
        model, date_field = TABLES[table]
        key = {date_field: day, "team_id": team_id, "worker_id": worker_id}
        _add(model, key, organization_id, activity, values)
    _upsert(additions)


def _upsert(rows: list[tuple]) -> None:
    """Add positive sums to rows of one table in one statement: a missing row is created,
    an existing one (or one another transaction commits meanwhile: the unique index makes
    this insert wait for it) gets the sums added under its row lock."""
    if not rows:
        return
    model, date_field = TABLES[rows[0][0]]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    sums = ("contacts", "minutes", "attendances")
    columns = (date_field, "team_id", "worker_id", "activity", "organization_id", *sums)
    params: list = []
    for _table, day, team_id, worker_id, activity, organization_id, values in rows:
        day = connection.ops.adapt_datefield_value(day)
        params.extend((day, team_id, worker_id, activity, organization_id, *values))
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + EXCLUDED.{qn(c)}" for c in sums)
    # Names from the models, values as parameters.
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES {placeholders} "  # noqa: S608
        f"ON CONFLICT ({qn(date_field)}, {qn('team_id')}, {qn('worker_id')}, {qn('activity')}) "
        f"DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _add(model, key, organization_id, activity, values) -> None:
    contacts, minutes, attendances = values
    rows = model.objects.filter(**key, activity=activity)
    updated = rows.update(
        contacts=F("contacts") + contacts,
        minutes=F("minutes") + minutes,
        attendances=F("attendances") + attendances,
    )
    if updated:
        if contacts < 0:
            rows.filter(contacts__lte=0).delete()
        return
    if contacts <= 0:
        return  # nothing to remove (rollups rebuilt meanwhile): stay consistent
    try:
        with transaction.atomic():
            model.objects.create(
                **key,
                organization_id=organization_id,
                activity=activity,
                contacts=contacts,
                minutes=max(minutes, 0),
                attendances=max(attendances, 0),
            )
    except IntegrityError:
        # Another transaction created the row first (it has committed: the unique index
        # made this insert wait for it): add to it.
        rows.update(
            contacts=F("contacts") + contacts,
            minutes=F("minutes") + minutes,
            attendances=F("attendances") + attendances,
        )


def _accumulate(target: dict[tuple, list[int]], key: tuple, values) -> None:
    row = target.setdefault(key, [0, 0, 0])
    for i, value in enumerate(values):
        row[i] += value


def rows_for_contacts(snapshots) -> dict[tuple, list[int]]:
    """Aggregate snapshots into {(day, org, team, worker, activity): [contacts, minutes,
    attendances]} (used by the rebuild and by the demo's bulk load)."""
    totals: dict[tuple, list[int]] = {}
    for s in snapshots:
        for activity, *values in s.rows():
            key = (s.day, s.organization_id, s.team_id, s.worker_id, activity)
            _accumulate(totals, key, values)
    return totals


def by_month(totals: dict[tuple, list[int]]) -> dict[tuple, list[int]]:
    """Fold daily totals (as ``rows_for_contacts`` gives them) into monthly totals keyed
    (month, org, team, worker, activity)."""
    months: dict[tuple, list[int]] = {}
    for (day, *rest), values in totals.items():
        _accumulate(months, (month_of(day), *rest), values)
    return months


def add_into(target: dict[tuple, list[int]], totals: dict[tuple, list[int]]) -> None:
    for key, values in totals.items():
        _accumulate(target, key, values)


def _objects(model, date_field: str, totals: dict[tuple, list[int]]) -> list:
    return [
        model(
            **{date_field: day},
            organization_id=org,
            team_id=team,
            worker_id=worker,
            activity=activity,
            contacts=c,
            minutes=m,
            attendances=a,
        )
        for (day, org, team, worker, activity), (c, m, a) in totals.items()
    ]


def bulk_insert_daily(totals: dict[tuple, list[int]]) -> int:
    objects = _objects(ContactRollup, "day", totals)
    ContactRollup.objects.bulk_create(objects, batch_size=1000)
    return len(objects)


def bulk_insert_monthly(months: dict[tuple, list[int]]) -> int:
    objects = _objects(ContactMonthlyRollup, "month", months)
    ContactMonthlyRollup.objects.bulk_create(objects, batch_size=1000)
    return len(objects)


def bulk_insert(totals: dict[tuple, list[int]]) -> int:
    """Write daily totals and their monthly sums (for a complete set of contacts loaded at
    once, as the demo does); returns the number of daily rows."""
    written = bulk_insert_daily(totals)
    bulk_insert_monthly(by_month(totals))
    return written


def _snapshots(contacts) -> Iterator[Snapshot]:
    for row in contacts.iterator(chunk_size=2000):
        yield Snapshot(
            day=row["date"],
            organization_id=row["organization_id"],
            team_id=row["team_id"],
            worker_id=row["worker_id"],
            duration=row["duration_minutes"],
            activities=tuple(row["activities"] or ()),
            attendances=row["attendances"],
        )


def _hold_contact_writes() -> None:
    """Make contact writes wait until the rebuild commits: a contact written while the
    rebuild reads would otherwise be counted by both (or neither). SQLite already runs one
    write transaction at a time (IMMEDIATE); PostgreSQL needs the table lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Contact._meta.db_table} IN SHARE MODE")


def rebuild(organization=None) -> dict[str, int]:
    """Recompute every daily and monthly rollup (of one organization, or all) from raw
    contacts, one day at a time, in one transaction (readers see the old rows until it
    commits)."""
    contacts = Contact.objects.all()
    daily = ContactRollup.objects.all()
    monthly = ContactMonthlyRollup.objects.all()
    if organization is not None:
        contacts = contacts.filter(organization=organization)
        daily = daily.filter(organization=organization)
        monthly = monthly.filter(organization=organization)
    contacts = (
        contacts.annotate(attendances=Count("people"))
        .order_by("date", "pk")
        .values(
            "pk",
            "date",
            "organization_id",
            "team_id",
            "worker_id",
            "duration_minutes",
            "activities",
            "attendances",
        )
    )
    counted = written = monthly_written = 0
    with transaction.atomic():
        _hold_contact_writes()
        daily.delete()
        monthly.delete()
        day, batch = None, []
        month_totals: dict[tuple, list[int]] = {}

        def close_day() -> None:
            nonlocal written
            totals = rows_for_contacts(batch)
            written += bulk_insert_daily(totals)
            add_into(month_totals, by_month(totals))

        for snapshot in _snapshots(contacts):
            counted += 1
            if snapshot.day != day and batch:
                close_day()
                batch = []
                if month_of(snapshot.day) != month_of(day):
                    monthly_written += bulk_insert_monthly(month_totals)
                    month_totals = {}
            day = snapshot.day
            batch.append(snapshot)
        if batch:
            close_day()
        monthly_written += bulk_insert_monthly(month_totals)
        # Bulk writes send no signals: raise the data version the cached dashboards are
        # keyed by ourselves, in this transaction (decision 32).
        from peerway.indicators import versions

        versions.bump(None if organization is None else [organization.pk], [versions.CONTACTS])
    return {"contacts": counted, "rows": written, "monthly_rows": monthly_written}


# --- Reading -------------------------------------------------------------------------------


def _whole_months(
    organization, start: dt.date | None, end: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    """The first and last months that may be read from the monthly rows for days in
    [start, end] (None: unbounded). A month cut by ``start`` or ``end`` still counts as
    whole when the organization has no daily row in the part cut off (the usual case for
    "the last 12 months", which end today: nothing is logged after today)."""
    first = last = None
    if start is not None:
        first = month_of(start)
        if (
            start != first
            and ContactRollup.objects.filter(
                organization=organization, day__gte=first, day__lt=start
            ).exists()
        ):
            first = _next_month(first)
    if end is not None:
        last = month_of(end)
        month_end = _next_month(last) - dt.timedelta(days=1)
        if (
            end != month_end
            and ContactRollup.objects.filter(
                organization=organization, day__gt=end, day__lte=month_end
            ).exists()
        ):
            last = month_of(last - dt.timedelta(days=1))
    return first, last


def totals(
    organization,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    keys: Iterable[str] = (),
    sums: Iterable[str] = ("minutes",),
    monthly: bool = True,
    exclude: dict | None = None,
    extra: dict | None = None,
    **filters,
) -> dict[tuple, dict[str, int]]:
    """Sums of rollup columns (``sums``: contacts, minutes, attendances) over the days in
    [start, end], grouped by ``(month, *keys)`` (``monthly=False``: by ``keys`` only).
    ``extra``: more named aggregates over the columns both tables share (e.g. minutes of
    some activities only, ``Sum(Case(When(...)))``), summed the same way.

    ``filters`` and ``exclude`` are field lookups shared by both rollup tables (team,
    worker, activity). Whole months are read from the monthly rows; only the partial months
    at the edges of the period come from the daily rows: at most two queries for the
    sums, plus at most two small existence checks (``_whole_months``).
    """
    keys, sums = list(keys), list(sums)
    first, last = _whole_months(organization, start, end)
    if first is not None and last is not None and first > last:
        first = last = None
        use_monthly = False
    else:
        use_monthly = True
    # Annotated under other names: an annotation called "minutes" would shadow the column
    # for an ``extra`` expression that reads it.
    aggregates = {f"sum_{name}": Sum(name) for name in sums}
    for name, expression in (extra or {}).items():
        aggregates[f"sum_{name}"] = expression
        sums.append(name)
    out: dict[tuple, dict[str, int]] = {}

    def collect(rows, month_field):
        group = ([month_field] if monthly else []) + keys
        for row in rows.values(*group).annotate(**aggregates).order_by():
            month = row.get(month_field) if monthly else None
            if isinstance(month, dt.datetime):
                month = month.date()
            key = ((month,) if monthly else ()) + tuple(row[k] for k in keys)
            target = out.setdefault(key, dict.fromkeys(sums, 0))
            for name in sums:
                target[name] += row[f"sum_{name}"] or 0

    def scoped(qs):
        qs = qs.filter(organization=organization, **filters)
        return qs.exclude(**exclude) if exclude else qs

    if use_monthly:
        months = scoped(ContactMonthlyRollup.objects.all())
        if first is not None:
            months = months.filter(month__gte=first)
        if last is not None:
            months = months.filter(month__lte=last)
        collect(months, "month")
        # Days outside the whole months: before the first, after the last.
        edges = []
        if first is not None and start < first:
            edges.append(Q(day__gte=start, day__lt=first))
        if last is not None and _next_month(last) <= end:
            edges.append(Q(day__gte=_next_month(last), day__lte=end))
        if edges:
            days = scoped(ContactRollup.objects.filter(functools.reduce(operator.or_, edges)))
            collect(days.annotate(rollup_month=TruncMonth("day")), "rollup_month")
    else:
        days = scoped(ContactRollup.objects.filter(day__gte=start, day__lte=end))
        collect(days.annotate(rollup_month=TruncMonth("day")), "rollup_month")
    return out

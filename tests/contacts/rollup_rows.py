"""Rollup rows as comparable lists, for the tests that check them against a rebuild."""

from __future__ import annotations

from peerway.contacts.models import ContactMonthlyRollup, ContactRollup

FIELDS = ("team_id", "worker_id", "activity", "contacts", "minutes", "attendances")


def daily_rows(organization=None):
    rows = ContactRollup.objects.all()
    if organization is not None:
        rows = rows.filter(organization=organization)
    return sorted(rows.values_list("day", *FIELDS))


def monthly_rows(organization=None):
    rows = ContactMonthlyRollup.objects.all()
    if organization is not None:
        rows = rows.filter(organization=organization)
    return sorted(rows.values_list("month", *FIELDS))


def months_of(daily):
    """Daily rows summed per calendar month: what the monthly rollup must hold."""
    sums = {}
    for day, team, worker, activity, c, m, a in daily:
        row = sums.setdefault((day.replace(day=1), team, worker, activity), [0, 0, 0])
        row[0] += c
        row[1] += m
        row[2] += a
    return sorted((*key, *values) for key, values in sums.items())

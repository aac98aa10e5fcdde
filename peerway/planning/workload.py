"""How much work a peer worker logs in a month: the rates of the demo region and of
synthetic data (docs/demo.md, "Workload"). Pure Python, no Django.

The basis is the capacity planner's own (``peerway.planning.capacity``, docs/capacity.md),
not a second set of numbers:

- a full-time post is a 37.5-hour week (``HOURS_PER_WEEK``), 162.5 hours a month;
- at most ``DEFAULT_DIRECT_HOURS_PER_FTE_MONTH`` (80) of them can go to people directly:
  the rest is travel, notes, supervision, meetings, training and leave;
- the planner's starting points, a caseload of 15 people per full-time worker seen 4 times
  a month for 60 minutes, make 3,600 minutes (60 hours) a month: what a full-time worker
  logs here. That is three quarters of the ceiling, 37 % of paid hours.

These are assumptions of the planner stated in its documentation, not measurements;
replace them with local figures when planning. Contacts here last 15 to 90 minutes (short
phone and text check-ins included, 40 on average), so 3,600 minutes are about 90 contacts,
a little over four a working day.
"""

from __future__ import annotations

from .capacity import (
    DEFAULT_DIRECT_HOURS_PER_FTE_MONTH,
    HOURS_PER_WEEK,
    STARTING_CASELOAD_PER_FTE,
    STARTING_CONTACT_MINUTES,
    STARTING_CONTACTS_PER_PERSON_MONTH,
)

# Durations drawn for a one-to-one contact (minutes), and a group session's length.
DURATIONS = (15, 20, 30, 30, 30, 45, 60, 90)
GROUP_MINUTES = 90
MEAN_MINUTES = sum(DURATIONS) / len(DURATIONS)

# Working days in a month: five a week, 52 weeks a year.
WORKING_DAYS_PER_MONTH = 52 * 5 / 12
HOURS_PER_MONTH = HOURS_PER_WEEK * 52 / 12
# The most a full-time worker can spend with people in a month (the planner's default).
CEILING_MINUTES_PER_FTE_MONTH = DEFAULT_DIRECT_HOURS_PER_FTE_MONTH * 60
# What a full-time worker logs: the planner's starting caseload, contacts and minutes.
MINUTES_PER_FTE_MONTH = (
    STARTING_CASELOAD_PER_FTE * STARTING_CONTACTS_PER_PERSON_MONTH * STARTING_CONTACT_MINUTES
)
CONTACTS_PER_FTE_MONTH = MINUTES_PER_FTE_MONTH / MEAN_MINUTES
if not 0 < MINUTES_PER_FTE_MONTH <= CEILING_MINUTES_PER_FTE_MONTH:  # pragma: no cover
    raise ValueError("The logged workload must stay within the direct-contact ceiling.")


def minutes_per_working_day(fte: float) -> float:
    """Contact minutes a worker of this FTE logs on a working day."""
    return MINUTES_PER_FTE_MONTH * fte / WORKING_DAYS_PER_MONTH


def contacts_per_month(fte: float, months: float = 1.0) -> float:
    """Contacts a worker of this FTE logs over ``months`` months (one-to-one, on average)."""
    return CONTACTS_PER_FTE_MONTH * fte * months

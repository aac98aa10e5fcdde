"""When a measure is due: pure date arithmetic, no Django (docs/outcomes.md).

A time point of ``m`` months is due ``m`` calendar months after the start of support
(intake, ``m == 0``: within ``intake_days`` of the start). Its window opens ``before`` days
before the due date and closes ``after`` days after it:

- ``upcoming``: the window has not opened;
- ``due``: the window is open and the due date has not passed;
- ``overdue``: the due date has passed, the window is still open;
- ``missed``: the window closed without the measure;
- ``done``: given (at any date; a late measure still counts for its time point).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(start: date, months: int) -> date:
    """Same day ``months`` later; the month's last day when it is shorter (31 Jan + 1 = 28 Feb)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


@dataclass(frozen=True)
class Window:
    time_point: int
    due_on: date
    opens_on: date
    closes_on: date

    def status(self, today: date, *, done: bool = False) -> str:
        if done:
            return "done"
        if today < self.opens_on:
            return "upcoming"
        if today <= self.due_on:
            return "due"
        if today <= self.closes_on:
            return "overdue"
        return "missed"


def window_for(
    start: date, time_point: int, *, before: int, after: int, intake_days: int
) -> Window:
    if time_point == 0:
        due = start + timedelta(days=intake_days)
        opens = start - timedelta(days=before)
    else:
        due = add_months(start, time_point)
        opens = due - timedelta(days=before)
    return Window(time_point, due, opens, due + timedelta(days=after))

"""Reporting periods written as 2026Q3 (a quarter), 2026-07 (a month) or 2026 (a year).

Pure Python (no Django): used by the screens, the report form and ``peerway report``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")

FORMATS = "2026Q3 (quarter), 2026-07 (month) or 2026 (year)"


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    code: str  # normalised: "2026Q3", "2026-07" or "2026"
    start: date
    end: date  # inclusive

    def __str__(self) -> str:
        return self.code


def parse_period(text: str) -> Period:
    """Parse a period; raises PeriodError naming the accepted formats."""
    value = (text or "").strip()
    year_text = value[:4]
    if len(year_text) == 4 and year_text.isdigit() and not 1900 <= int(year_text) <= 2999:
        raise PeriodError(f"{value!r}: the year must be between 1900 and 2999")
    if m := _QUARTER.match(value):
        year, quarter = int(m[1]), int(m[2])
        first = 3 * (quarter - 1) + 1
        last = first + 2
        return Period(
            f"{year}Q{quarter}",
            date(year, first, 1),
            date(year, last, calendar.monthrange(year, last)[1]),
        )
    if m := _MONTH.match(value):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"{value!r}: month must be 01 to 12")
        return Period(
            f"{year}-{month:02d}",
            date(year, month, 1),
            date(year, month, calendar.monthrange(year, month)[1]),
        )
    if m := _YEAR.match(value):
        year = int(m[1])
        return Period(str(year), date(year, 1, 1), date(year, 12, 31))
    raise PeriodError(f"{value!r} is not a period: use {FORMATS}")

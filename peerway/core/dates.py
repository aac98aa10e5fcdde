"""Plausible ranges for the dates people type (docs/security.md, "Input bounds").

A form that takes a date uses ``bounded_date_field`` with one of the ranges below, so that
year 1 or year 9999 never reaches the database: stored dates are later shifted, bucketed by
month and compared, and an absurd one breaks every screen and export that reads it.
Each error is attached to its field (forms show it under the field and, with the field's
label, in the error summary) and names the allowed range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

# Peer support services recorded in Peerway all started long after this day.
EARLIEST_SERVICE_DATE = date(2000, 1, 1)
# For filters and searches: wide, but still far from year 1 and year 9999.
EARLIEST_FILTER_DATE = date(1900, 1, 1)


@dataclass(frozen=True)
class DateRange:
    """The earliest date, and how many days after today a date may be."""

    name: str
    earliest: date
    future_days: int
    description: str

    def bounds(self, today: date | None = None) -> tuple[date, date]:
        today = today or timezone.localdate()
        return self.earliest, today + timedelta(days=self.future_days)


# Something that has happened: a contact, an outcome given, a supervision session, a
# progress note, a safety or boundary event, a completed training, a consent decision.
PAST = DateRange("past", EARLIEST_SERVICE_DATE, 0, "from 2000-01-01 to today")
# Something agreed now that may start or end soon: an employment period, a survey window,
# a review date.
NEAR_FUTURE = DateRange(
    "near_future", EARLIEST_SERVICE_DATE, 2 * 366, "from 2000-01-01 to two years after today"
)
# A plan: due and target dates, a training's expiry, a leadership commitment.
PLANNING = DateRange(
    "planning", EARLIEST_SERVICE_DATE, 10 * 366, "from 2000-01-01 to ten years after today"
)
# Searches and filters of stored records.
FILTER = DateRange("filter", EARLIEST_FILTER_DATE, 10 * 366, "from 1900-01-01 to ten years ahead")

RANGES = (PAST, NEAR_FUTURE, PLANNING, FILTER)


class BoundedDateField(forms.DateField):
    """A date field that refuses dates outside its ``DateRange`` with a message giving the
    allowed dates."""

    def __init__(self, *, date_range: DateRange, **kwargs):
        self.date_range = date_range
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        kwargs.setdefault(
            "error_messages",
            {"invalid": _("Enter a valid date (YYYY-MM-DD).")},
        )
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        # The browser's date picker shows the earliest day too; the server check is the one
        # that counts.
        attrs = super().widget_attrs(widget)
        attrs["min"] = self.date_range.earliest.isoformat()
        return attrs

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        earliest, latest = self.date_range.bounds()
        if value < earliest:
            raise forms.ValidationError(
                _("The date cannot be before %(earliest)s."),
                code="date_too_early",
                params={"earliest": formats.date_format(earliest, "Y-m-d")},
            )
        if value > latest:
            if self.date_range.future_days == 0:
                raise forms.ValidationError(
                    _("The date cannot be in the future."), code="date_in_future"
                )
            raise forms.ValidationError(
                _("The date cannot be after %(latest)s."),
                code="date_too_late",
                params={"latest": formats.date_format(latest, "Y-m-d")},
            )


def bounded_date_field(date_range: DateRange, **kwargs) -> BoundedDateField:
    return BoundedDateField(date_range=date_range, **kwargs)

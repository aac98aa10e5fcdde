"""Every date a person types has a plausible range (peerway/core/dates.py): year 1, year
1000 and year 9999 are refused on every form, with a message naming the field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django import forms
from django.utils import timezone

from peerway.assessments.forms import WaveForm
from peerway.contacts.forms import ContactForm
from peerway.core import dates
from peerway.core.dates import BoundedDateField
from peerway.core.forms import AuditFilterForm
from peerway.outcomes.forms import CloseTaskForm, GivenOnForm
from peerway.planning.plan.forms import ActionForm, LeadershipForm, MilestoneForm, ProgressForm
from peerway.recovery.forms import BoundaryEventForm, RiskEventForm
from peerway.recovery.forms import ProgressForm as RecoveryProgressForm
from peerway.support.forms import ConsentForm, ReferralConsentForm
from peerway.workforce.forms import (
    AccommodationForm,
    EmploymentForm,
    NetworkEventForm,
    SupervisionForm,
    TrainingForm,
)

# (form, field, range): every user-facing date field of the application.
DATE_FIELDS = [
    (ContactForm, "date", dates.PAST),
    (GivenOnForm, "administered_on", dates.PAST),
    # The supervision service says "the session date cannot be in the future" itself.
    (SupervisionForm, "date", dates.NEAR_FUTURE),
    (RecoveryProgressForm, "date", dates.PAST),
    (BoundaryEventForm, "occurred_on", dates.PAST),
    (RiskEventForm, "occurred_on", dates.PAST),
    (ConsentForm, "decided_on", dates.PAST),
    (ReferralConsentForm, "decided_on", dates.PAST),
    (CloseTaskForm, "debrief_on", dates.PAST),
    (TrainingForm, "completed_on", dates.PAST),
    (TrainingForm, "expires_on", dates.PLANNING),
    (NetworkEventForm, "date", dates.NEAR_FUTURE),
    (EmploymentForm, "start_date", dates.NEAR_FUTURE),
    (EmploymentForm, "end_date", dates.PLANNING),
    (AccommodationForm, "review_date", dates.PLANNING),
    (WaveForm, "opens_on", dates.NEAR_FUTURE),
    (WaveForm, "closes_on", dates.NEAR_FUTURE),
    (ProgressForm, "completed_on", dates.PAST),
    (ActionForm, "due_on", dates.PLANNING),
    (ActionForm, "completed_on", dates.PAST),
    (MilestoneForm, "due_on", dates.PLANNING),
    (MilestoneForm, "achieved_on", dates.PAST),
    (LeadershipForm, "leadership_commitment_on", dates.PLANNING),
    (AuditFilterForm, "date_from", dates.FILTER),
    (AuditFilterForm, "date_to", dates.FILTER),
]
IDS = [f"{form.__name__}.{name}" for form, name, _r in DATE_FIELDS]


def _forms_in(module_names):
    import importlib

    for module_name in module_names:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module_name
            ):
                yield value


def test_no_form_has_an_unbounded_date_field():
    """A new date field must choose a range; this walks every forms module."""
    modules = [
        "peerway.assessments.forms",
        "peerway.contacts.forms",
        "peerway.core.forms",
        "peerway.evaluation.forms",
        "peerway.hospital.forms",
        "peerway.outcomes.forms",
        "peerway.planning.capacity_forms",
        "peerway.planning.plan.forms",
        "peerway.planning.roles.forms",
        "peerway.recovery.forms",
        "peerway.research.forms",
        "peerway.support.forms",
        "peerway.workforce.forms",
    ]
    unbounded = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in _forms_in(modules)
        for name, field in form.base_fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
        and not isinstance(field, BoundedDateField)
    ]
    assert unbounded == []
    listed = {(form, name) for form, name, _r in DATE_FIELDS}
    bounded = {
        (form, name)
        for form in _forms_in(modules)
        for name, field in form.base_fields.items()
        if isinstance(field, BoundedDateField)
    }
    assert bounded <= listed, "add the new date field to DATE_FIELDS"


@pytest.mark.parametrize(("form", "name", "date_range"), DATE_FIELDS, ids=IDS)
@pytest.mark.parametrize("typed", ["0001-01-01", "1000-06-15", "1899-12-31"])
def test_absurdly_old_dates_are_refused_naming_the_field(form, name, date_range, typed):
    field = form.base_fields[name]
    assert field.date_range is date_range
    with pytest.raises(forms.ValidationError) as exc:
        field.clean(typed)
    earliest = date_range.earliest.isoformat()
    assert exc.value.messages == [f"The date cannot be before {earliest}."]


@pytest.mark.parametrize(("form", "name", "date_range"), DATE_FIELDS, ids=IDS)
def test_far_future_dates_are_refused_naming_the_field(form, name, date_range):
    field = form.base_fields[name]
    with pytest.raises(forms.ValidationError) as exc:
        field.clean("9999-12-31")
    (message,) = exc.value.messages
    if date_range is dates.PAST:
        assert message == "The date cannot be in the future."
    else:
        assert message == f"The date cannot be after {date_range.bounds()[1].isoformat()}."


@pytest.mark.parametrize(("form", "name", "date_range"), DATE_FIELDS, ids=IDS)
def test_the_ends_of_each_range_are_accepted(form, name, date_range):
    field = form.base_fields[name]
    earliest, latest = date_range.bounds()
    assert field.clean(earliest.isoformat()) == earliest
    assert field.clean(latest.isoformat()) == latest
    with pytest.raises(forms.ValidationError):
        field.clean((latest + timedelta(days=1)).isoformat())
    with pytest.raises(forms.ValidationError):
        field.clean((earliest - timedelta(days=1)).isoformat())


@pytest.mark.parametrize(("form", "name", "date_range"), DATE_FIELDS, ids=IDS)
def test_the_date_picker_starts_at_the_earliest_day(form, name, date_range):
    field = form.base_fields[name]
    assert field.widget.attrs["min"] == date_range.earliest.isoformat()
    assert field.widget.input_type == "date"


def test_past_only_dates_say_the_future_is_refused():
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(forms.ValidationError, match="cannot be in the future"):
        ContactForm.base_fields["date"].clean(tomorrow.isoformat())


def test_the_ranges_are_the_documented_ones():
    today = date(2026, 6, 30)
    assert dates.PAST.bounds(today) == (date(2000, 1, 1), today)
    assert dates.NEAR_FUTURE.bounds(today)[1] == today + timedelta(days=732)
    assert dates.PLANNING.bounds(today)[1] == today + timedelta(days=3660)
    assert dates.FILTER.bounds(today)[0] == date(1900, 1, 1)

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core import dates
from peerway.core.dates import bounded_date_field
from peerway.core.forms import BootstrapMixin
from peerway.support.models import ChimeDomain

from .models import BoundaryType, GoalStatus, ProgressRating, ResponsePath, RiskType
from .services import TEXT_LIMIT


class _Form(BootstrapMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


def not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))


def _date_field(label):
    return bounded_date_field(
        dates.PAST,
        label=label,
        validators=[not_in_future],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Enter the date."),
            "invalid": _("Enter a valid date (YYYY-MM-DD)."),
        },
    )


class GoalForm(_Form):
    text = forms.CharField(
        label=_("Goal, in the person's own words"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the goal.")},
    )
    domain = forms.ChoiceField(
        label=_("CHIME domain"),
        choices=ChimeDomain.choices,
        help_text=_(
            "Connectedness, hope and optimism, identity, meaning in life, empowerment "
            "(Leamy et al. 2011)."
        ),
        error_messages={"required": _("Choose a CHIME domain from the list.")},
    )
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)


class StepForm(_Form):
    text = forms.CharField(
        label=_("Next step"),
        max_length=TEXT_LIMIT,
        error_messages={"required": _("Write the step.")},
    )


class ProgressForm(_Form):
    date = _date_field(_("Date"))
    rating = forms.TypedChoiceField(
        label=_("Progress"),
        choices=ProgressRating.choices,
        coerce=int,
        error_messages={"required": _("Choose a progress rating from 1 to 5.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class CoProducedForm(_Form):
    co_produced = forms.BooleanField(label=_("Co-produced with the person"), required=False)


class BoundaryEventForm(_Form):
    occurred_on = _date_field(_("Date"))
    boundary_type = forms.ChoiceField(
        label=_("Crossing or violation"),
        choices=[("", "—")] + BoundaryType.choices,
        help_text=_(
            "A crossing can be harmless and is talked through; a violation harms or exploits "
            "the relationship."
        ),
        error_messages={"required": _("Choose crossing or violation.")},
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe what happened.")},
    )
    resolution = forms.CharField(
        label=_("Resolution (optional)"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RiskEventForm(_Form):
    """The minimum needed in a crisis: type, what is happening, the immediate response (the
    date is today unless changed). The outcome and debrief follow later on the event."""

    risk_type = forms.ChoiceField(
        label=_("Type of concern"),
        choices=[("", "—")] + RiskType.choices,
        error_messages={"required": _("Choose the type of concern from the list.")},
    )
    description = forms.CharField(
        label=_("What is happening"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe what happened.")},
    )
    response_path = forms.ChoiceField(
        label=_("Immediate response"),
        choices=[("", "—")] + ResponsePath.choices,
        error_messages={"required": _("Choose the response path from the list.")},
    )
    occurred_on = _date_field(_("Date"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"occurred_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class RiskFollowUpForm(_Form):
    outcome = forms.CharField(
        label=_("Outcome (optional)"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    debrief_done = forms.BooleanField(label=_("Debrief done"), required=False)
    debrief_notes = forms.CharField(
        label=_("Debrief notes (optional)"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BoundaryFollowUpForm(_Form):
    resolution = BoundaryEventForm.base_fields["resolution"]


class ReviewForm(_Form):
    session = forms.TypedChoiceField(
        label=_("Reviewed in the supervision session of"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Leave empty if the session is not logged here."),
    )

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = {s.pk: s for s in sessions}
        self.fields["session"].choices = [("", "—")] + [
            (s.pk, f"{s.date:%Y-%m-%d} · {s.get_session_type_display()} · {s.supervisor}")
            for s in sessions
        ]

    def chosen_session(self):
        return self.sessions.get(self.cleaned_data.get("session"))

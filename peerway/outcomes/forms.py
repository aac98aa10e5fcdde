from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.assessments.forms import InstrumentPageForm, engine_language  # noqa: F401
from peerway.core.forms import BootstrapMixin

from .models import SafetyOutcome


class GivenOnForm(BootstrapMixin, forms.Form):
    administered_on = forms.DateField(
        label=_("Date given"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["administered_on"].initial = timezone.localdate()
        self._style()

    def clean_administered_on(self):
        value = self.cleaned_data["administered_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class CloseTaskForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("What was done"), choices=SafetyOutcome.choices)
    note = forms.CharField(
        label=_("Note (optional, stored encrypted)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", _("Choose…")), *SafetyOutcome.choices]
        self._style()


class SafetyItemAnswerForm(BootstrapMixin, forms.Form):
    """The answer to a safety question that was missing, asked now on the task page."""

    answer = forms.TypedChoiceField(label=_("Answer"), coerce=float, widget=forms.RadioSelect)

    def __init__(self, *args, label: str, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].label = label
        self.fields["answer"].choices = choices
        self._style()

    def clean_answer(self):
        value = self.cleaned_data["answer"]
        return int(value) if float(value).is_integer() else value


class ProtocolForm(BootstrapMixin, forms.Form):
    safety_protocol = forms.CharField(
        label=_("Safety protocol shown on every safety task"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Leave empty to show Peerway's default text, which says to follow local protocol."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ScheduleForm(BootstrapMixin, forms.Form):
    instruments = forms.MultipleChoiceField(
        label=_("Questionnaires"), widget=forms.CheckboxSelectMultiple
    )
    time_points = forms.CharField(
        label=_("Time points (months from the start of support; 0 is intake)"), max_length=100
    )
    window_before_days = forms.IntegerField(
        label=_("Window opens (days before the due date)"), min_value=0, max_value=90
    )
    window_after_days = forms.IntegerField(
        label=_("Window closes (days after the due date)"), min_value=0, max_value=180
    )

    def __init__(self, *args, instrument_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instruments"].choices = instrument_choices
        self._style()

    def clean_time_points(self):
        raw = self.cleaned_data["time_points"]
        points = []
        for part in raw.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or int(part) > 120:
                raise forms.ValidationError(
                    _("“%(value)s” is not a number of months between 0 and 120.") % {"value": part}
                )
            points.append(int(part))
        if not points:
            raise forms.ValidationError(_("Give at least one time point."))
        return sorted(set(points))

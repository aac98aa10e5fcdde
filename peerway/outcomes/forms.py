from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.assessments.forms import InstrumentPageForm, engine_language  # noqa: F401
from peerway.core import dates
from peerway.core.dates import bounded_date_field
from peerway.core.forms import BootstrapMixin
from peerway.recovery.models import RiskType

from .models import DEFAULT_ACK_MINUTES, MAX_ACK_MINUTES, OnCallRole, SafetyOutcome


class GivenOnForm(BootstrapMixin, forms.Form):
    administered_on = bounded_date_field(
        dates.PAST, label=_("Date given"), widget=forms.DateInput(attrs={"type": "date"})
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
    outcome = forms.ChoiceField(
        label=_("What was done"),
        choices=SafetyOutcome.choices,
        error_messages={"required": _("Choose what was done.")},
    )
    note = forms.CharField(
        label=_("Note (optional, stored encrypted)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    debrief_on = bounded_date_field(
        dates.PAST,
        label=_("Date of the debrief"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a valid date (YYYY-MM-DD).")},
    )
    debrief_with = forms.CharField(
        label=_("Who took part in the debrief"),
        required=False,
        max_length=500,
        help_text=_("For example: the peer worker and their supervisor."),
    )
    debrief_notes = forms.CharField(
        label=_("Debrief notes (stored encrypted)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, needs_debrief: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", _("Choose…")), *SafetyOutcome.choices]
        if needs_debrief:
            # Checked by the service too; marked here so the form says it up front.
            for name in ("debrief_on", "debrief_with", "debrief_notes"):
                self.fields[name].widget.attrs["aria-required"] = "true"
                self.fields[name].label = f"{self.fields[name].label} *"
        self._style()


class SafetySettingsForm(BootstrapMixin, forms.Form):
    """Protocol text per risk type, minutes to acknowledge per risk type, on-call role."""

    on_call_role = forms.ChoiceField(
        label=_("On-call role for escalations"),
        choices=OnCallRole.choices,
        required=False,
        help_text=_(
            "An unacknowledged safety task escalates to the managers of the team's site and to "
            "this role."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in RiskType.choices:
            self.fields[f"ack_{code}"] = forms.IntegerField(
                label=_("Minutes to acknowledge: %(type)s") % {"type": label},
                min_value=1,
                max_value=MAX_ACK_MINUTES,
                required=False,
                help_text=_("Default: %(n)s minutes.") % {"n": DEFAULT_ACK_MINUTES[code]},
            )
            self.fields[f"protocol_{code}"] = forms.CharField(
                label=_("Protocol for: %(type)s") % {"type": label},
                required=False,
                max_length=8000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Leave empty to show the general protocol above."),
            )
        self._style()

    def ack_fields(self):
        return [self[f"ack_{code}"] for code in RiskType.values]

    def protocol_fields(self):
        return [self[f"protocol_{code}"] for code in RiskType.values]


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


class DueFilterForm(forms.Form):
    """Filters of the measures-due list, kept in the address."""

    team = forms.ChoiceField(label=_("Team"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("due", _("Due")), ("overdue", _("Overdue"))],
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("Any")), *[(str(t.pk), t.name) for t in teams]]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def apply(self, rows):
        team = self.cleaned_data.get("team")
        status = self.cleaned_data.get("status")
        if team:
            rows = [r for r in rows if str(r.person.team_id) == team]
        if status:
            rows = [r for r in rows if r.status == status]
        return rows

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.core import dates
from peerway.core.dates import bounded_date_field
from peerway.core.forms import BootstrapMixin
from peerway.instruments.engine.model import Instrument, text_in

from .models import DEFAULT_K, MIN_K, Audience

NULL_CHOICE = "na"
# "The person did not answer": offered only where a form allows it (safety questions given
# with a peer worker), and sent to the engine as no answer.
NOT_ANSWERED = "not_answered"


def engine_language(language_code: str | None) -> str:
    """Django's language (en, fr-ca) to the engine's (en, fr)."""
    return "fr" if (language_code or "").startswith("fr") else "en"


def _choice_key(value) -> str:
    if value is None:
        return NULL_CHOICE
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


class InstrumentPageForm(forms.Form):
    """One questionnaire as radio groups; every question needs an answer."""

    def __init__(
        self,
        *args,
        instrument: Instrument,
        language: str,
        audience: str,
        may_leave_unanswered: frozenset[str] | set[str] = frozenset(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self._values: dict[str, dict[str, object]] = {}
        for number, item in enumerate(instrument.items, start=1):
            options = instrument.response_sets[item.response_set].options
            choices = [(_choice_key(o.value), text_in(o.label, language) or "") for o in options]
            self._values[item.id] = {_choice_key(o.value): o.value for o in options}
            if item.id in may_leave_unanswered:
                choices.append((NOT_ANSWERED, str(_("Not answered: the person did not answer"))))
                self._values[item.id][NOT_ANSWERED] = None
            field = forms.ChoiceField(
                label=item.text_for(language, audience) or item.id,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Question %(n)s: choose an answer.") % {"n": number},
                    "invalid_choice": _("Question %(n)s: choose one of the answers shown.")
                    % {"n": number},
                },
            )
            field.number = number
            self.fields[item.id] = field

    def answers(self) -> dict[str, object]:
        return {
            item_id: self._values[item_id][key]
            for item_id, key in self.cleaned_data.items()
            if key in self._values.get(item_id, {})
        }

    @staticmethod
    def initial_from(answers: dict[str, object]) -> dict[str, str]:
        return {item_id: _choice_key(value) for item_id, value in (answers or {}).items()}


class WaveForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    instruments = forms.MultipleChoiceField(
        label=_("Questionnaires"), widget=forms.CheckboxSelectMultiple
    )
    audiences = forms.MultipleChoiceField(
        label=_("Audiences"),
        choices=Audience.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(Audience.values),
    )
    teams = forms.MultipleChoiceField(label=_("Teams"), widget=forms.CheckboxSelectMultiple)
    opens_on = bounded_date_field(
        dates.NEAR_FUTURE, label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    closes_on = bounded_date_field(
        dates.NEAR_FUTURE, label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    k = forms.IntegerField(
        label=_("Anonymity threshold (k)"),
        min_value=MIN_K,
        initial=DEFAULT_K,
        help_text=_(
            "A group's results are shown only when at least k people answered (never below 3)."
        ),
    )

    def __init__(self, *args, instrument_choices, team_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instruments"].choices = instrument_choices
        self.fields["teams"].choices = team_choices
        self._style()

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The closing date must be on or after the opening date."))
        return data


class ShortCodeForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("Survey code"),
        max_length=16,
        help_text=_("The 8-character code printed on your survey invitation."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters"}
        )

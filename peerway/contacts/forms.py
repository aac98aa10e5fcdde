from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.core import dates
from peerway.core.dates import bounded_date_field
from peerway.core.forms import BootstrapMixin
from peerway.support.models import ChimeDomain, ContactType, Modality, Setting

from .selectors import ActivityChoices
from .services import MAX_MINUTES


def _blank_first(choices):
    return [("", "—"), *choices]


class ContactForm(BootstrapMixin, forms.Form):
    """The compact contact form. Range, date and caseload checks are the service's (the
    view maps its errors back to these fields)."""

    people = forms.MultipleChoiceField(
        label=_("Who took part"), widget=forms.CheckboxSelectMultiple
    )
    date = bounded_date_field(
        dates.PAST, label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    duration_minutes = forms.IntegerField(
        label=_("Minutes"),
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_MINUTES, "step": 5}),
        error_messages={"invalid": _("Enter a whole number of minutes.")},
    )
    modality = forms.ChoiceField(label=_("How"), choices=_blank_first(Modality.choices))
    setting = forms.ChoiceField(label=_("Where"), choices=_blank_first(Setting.choices))
    contact_type = forms.ChoiceField(
        label=_("Type of contact"), choices=_blank_first(ContactType.choices)
    )
    activities = forms.MultipleChoiceField(
        label=_("Activities"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one activity."),
            "invalid_choice": _("Unknown activity: %(value)s."),
        },
    )
    chime = forms.MultipleChoiceField(
        label=_("CHIME domains addressed"),
        choices=ChimeDomain.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Stored encrypted. Read by you and your supervisors; by clinicians of the team "
            "only while the person consents to sharing notes."
        ),
    )

    def __init__(self, *args, people_choices, activities: ActivityChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = people_choices
        self.activity_groups = activities
        self.fields["activities"].choices = [*activities.in_scope, *activities.out_of_scope]
        self._style()

    def part(self, *names, errors=False):
        """Some of the fields, for ``core/_fields.html``."""
        return SimpleNamespace(
            visible_fields=[self[n] for n in names],
            hidden_fields=[],
            non_field_errors=self.non_field_errors() if errors else [],
        )

    @property
    def people_part(self):
        return self.part("people", errors=True)

    @property
    def basic_part(self):
        return self.part("date", "duration_minutes", "modality", "setting", "contact_type")

    @property
    def closing_part(self):
        return self.part("chime", "note")

    def activity_boxes(self):
        """The activity checkboxes in two groups: in the role, and outside it."""
        bound = {w.data["value"]: w for w in self["activities"]}
        in_codes = [c for c, _l in self.activity_groups.in_scope]
        out_codes = [c for c, _l in self.activity_groups.out_of_scope]
        return (
            [bound[c] for c in in_codes if c in bound],
            [bound[c] for c in out_codes if c in bound],
        )

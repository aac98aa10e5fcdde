from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import BootstrapMixin

from .capacity import (
    DEFAULT_DIRECT_HOURS_PER_FTE_MONTH,
    STARTING_CASELOAD_PER_FTE,
    STARTING_CONTACT_MINUTES,
    STARTING_CONTACTS_PER_PERSON_MONTH,
)
from .capacity_services import LABELS, TEAM_FIELDS

# Starting points offered in a new scenario's rows; every one is meant to be replaced with
# local figures (see docs/capacity.md).
STARTING_POINTS = {
    "engagement_months": Decimal("6"),
    "contacts_per_month": Decimal(STARTING_CONTACTS_PER_PERSON_MONTH),
    "contact_minutes": STARTING_CONTACT_MINUTES,
    "caseload_per_fte": Decimal(STARTING_CASELOAD_PER_FTE),
    "fte_per_worker": Decimal("0.8"),
}


class ScenarioForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Assumptions, sources of the figures, what this scenario is for."),
    )
    direct_hours_per_fte_month = forms.DecimalField(
        label=_("Direct-contact hours per full-time worker per month"),
        max_digits=5,
        decimal_places=1,
        initial=Decimal(DEFAULT_DIRECT_HOURS_PER_FTE_MONTH),
        help_text=_(
            "Hours a full-time peer worker can spend with people each month, after travel, "
            "notes, supervision, meetings, training and leave. About half of 162.5 hours "
            "(37.5 hours a week) is a common starting point."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


def _number(name: str, digits: int, places: int) -> forms.DecimalField:
    return forms.DecimalField(
        label=LABELS[name],
        required=False,
        max_digits=digits,
        decimal_places=places,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class TeamRowForm(forms.Form):
    """One team's inputs. A row without "people starting per month" is left out."""

    people_per_month = _number("people_per_month", 8, 2)
    engagement_months = _number("engagement_months", 5, 2)
    contacts_per_month = _number("contacts_per_month", 5, 2)
    contact_minutes = forms.IntegerField(
        label=LABELS["contact_minutes"], required=False, widget=forms.NumberInput()
    )
    caseload_per_fte = _number("caseload_per_fte", 6, 1)
    fte_per_worker = _number("fte_per_worker", 3, 2)
    planned_headcount = forms.IntegerField(
        label=LABELS["planned_headcount"], required=False, widget=forms.NumberInput()
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, prefix=f"team-{team.pk}", **kwargs)
        self.team = team
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"

    def add_error(self, field, error):
        # Errors found by the service arrive after validation: mark those fields too.
        super().add_error(field, error)
        for name in self.errors:
            attrs = self.fields[name].widget.attrs if name in self.fields else None
            if attrs is not None and "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = attrs.get("class", "") + " is-invalid"

    def values(self) -> dict | None:
        """The row's inputs, or None when the team is left out of the scenario."""
        data = self.cleaned_data
        if data.get("people_per_month") is None:
            return None
        return {name: data.get(name) for name in TEAM_FIELDS}

    def cells(self):
        return [self[name] for name in TEAM_FIELDS]

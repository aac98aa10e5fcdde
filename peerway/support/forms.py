"""Forms of the peer support service."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from peerway.core import dates
from peerway.core.dates import bounded_date_field
from peerway.core.forms import BootstrapMixin

from .models import (
    MAX_TARGET_HOURS,
    ConsentPurpose,
    Language,
    PreferenceAttribute,
    PreferenceStrength,
    ReferralSource,
    Urgency,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

PREFERENCE_VALUES = {
    PreferenceAttribute.GENDER: [
        ("woman", _("Woman")),
        ("man", _("Man")),
        ("non_binary", _("Non-binary")),
        ("two_spirit", _("Two-Spirit")),
    ],
    PreferenceAttribute.LIVED_EXPERIENCE: [
        ("mental_health", _("Mental health")),
        ("substance_use", _("Substance use")),
        ("family", _("Family member or caregiver")),
    ],
    PreferenceAttribute.AGE_BAND: [
        ("18-24", _("18 to 24")),
        ("25-34", _("25 to 34")),
        ("35-44", _("35 to 44")),
        ("45-54", _("45 to 54")),
        ("55-64", _("55 to 64")),
        ("65+", _("65 or over")),
    ],
    PreferenceAttribute.LANGUAGE: list(Language.choices),
}
STRENGTH_CHOICES = [("", _("No preference")), *PreferenceStrength.choices]


class PreferencesMixin:
    """One value + strength pair of fields per preference kind."""

    def _add_preference_fields(self):
        for attribute, label in PreferenceAttribute.choices:
            if attribute == PreferenceAttribute.CULTURAL_COMMUNITY:
                value_field = forms.CharField(label=label, max_length=100, required=False)
            else:
                value_field = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", "—"), *PREFERENCE_VALUES[attribute]],
                )
            self.fields[f"pref_{attribute}"] = value_field
            self.fields[f"pref_{attribute}_strength"] = forms.ChoiceField(
                label=_("%(preference)s: how important") % {"preference": label},
                required=False,
                choices=STRENGTH_CHOICES,
            )

    def clean_preferences(self, data) -> dict[str, tuple[str, str]]:
        result = {}
        for attribute in PreferenceAttribute.values:
            value = (data.get(f"pref_{attribute}") or "").strip()
            strength = data.get(f"pref_{attribute}_strength") or ""
            if value and not strength:
                self.add_error(
                    f"pref_{attribute}_strength", _("Say whether it is required or preferred.")
                )
            elif strength and not value:
                self.add_error(f"pref_{attribute}", _("Choose a value or clear the importance."))
            elif value:
                result[attribute] = (value, strength)
        return result

    @staticmethod
    def preference_initial(person) -> dict:
        initial = {}
        for p in person.preferences.all():
            initial[f"pref_{p.attribute}"] = p.value
            initial[f"pref_{p.attribute}_strength"] = p.strength
        return initial


def target_text(hours: int) -> str:
    """ "48 hours", "7 days": a response target in the unit people say it in."""
    if hours % 24 == 0 and hours >= 72:
        days = hours // 24
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def urgency_choices(target_hours: dict[str, int] | None) -> list[tuple[str, str]]:
    """Urgencies most urgent first, each with the organization's response target."""
    order = [Urgency.URGENT, Urgency.SOON, Urgency.ROUTINE]
    if not target_hours:
        return [(u.value, u.label) for u in order]
    return [
        (
            u.value,
            _("%(urgency)s (first contact within %(target)s)")
            % {"urgency": u.label, "target": target_text(target_hours[u])},
        )
        for u in order
    ]


class ConsentQuestionMixin:
    """The person's agreement to be contacted, asked on every referral."""

    def _add_consent_fields(self):
        self.fields["consent_given"] = forms.BooleanField(
            label=_("The person agreed to be contacted about peer support"),
            required=False,
            help_text=_(
                "Recorded as consent to receive peer support. Without it, the referral waits "
                "for consent and cannot be matched or offered until someone records it."
            ),
        )
        self.fields["consent_decided_on"] = bounded_date_field(
            dates.PAST,
            label=_("Date the person agreed"),
            required=False,
            widget=DATE,
            initial=timezone.localdate,
        )

    def clean_consent_decided_on(self):
        day = self.cleaned_data.get("consent_decided_on")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class ReferralForm(ConsentQuestionMixin, PreferencesMixin, BootstrapMixin, forms.Form):
    team = forms.ChoiceField(label=_("Team"))
    source = forms.ChoiceField(label=_("Source"), choices=ReferralSource.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="routine")
    reason = forms.CharField(
        label=_("Reason for referral"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A sentence is enough. Stored encrypted."),
    )
    name = forms.CharField(
        label=_("Name (optional)"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to use only the code Peerway gives the person."),
    )
    year_of_birth = forms.IntegerField(label=_("Year of birth"), required=False)
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)

    def __init__(self, *args, teams, sources, target_hours=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["urgency"].choices = urgency_choices(target_hours)
        self._add_consent_fields()
        self.fields["team"].choices = [(str(t.pk), f"{t.name} ({t.site.name})") for t in teams]
        self.fields["source"].choices = [c for c in ReferralSource.choices if c[0] in sources]
        if len(self.fields["source"].choices) == 1:
            self.fields["source"].initial = self.fields["source"].choices[0][0]
        self._add_preference_fields()
        self._style()

    def clean_year_of_birth(self):
        year = self.cleaned_data.get("year_of_birth")
        if year is not None and not (1900 <= year <= timezone.localdate().year):
            raise forms.ValidationError(_("Enter a year between 1900 and this year."))
        return year

    def clean(self):
        data = super().clean()
        data["preferences"] = self.clean_preferences(data)
        return data


class PersonForm(PreferencesMixin, BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name (optional)"), max_length=150, required=False)
    year_of_birth = forms.IntegerField(label=_("Year of birth"), required=False)
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_preference_fields()
        self._style()

    def clean_year_of_birth(self):
        year = self.cleaned_data.get("year_of_birth")
        if year is not None and not (1900 <= year <= timezone.localdate().year):
            raise forms.ValidationError(_("Enter a year between 1900 and this year."))
        return year

    def clean(self):
        data = super().clean()
        data["preferences"] = self.clean_preferences(data)
        return data


class ConsentForm(BootstrapMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    given = forms.ChoiceField(
        label=_("Decision"), choices=[("yes", _("Given")), ("no", _("Withdrawn or refused"))]
    )
    decided_on = bounded_date_field(
        dates.PAST, label=_("Date"), widget=DATE, initial=timezone.localdate
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_decided_on(self):
        day = self.cleaned_data["decided_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ReferralConsentForm(ConsentForm):
    """Record, on a referral waiting for it, that the person agreed to be contacted (the
    purpose and the decision are fixed: consent to receive peer support, given)."""

    purpose = None
    given = None
    decided_on = bounded_date_field(
        dates.PAST, label=_("Date the person agreed"), widget=DATE, initial=timezone.localdate
    )


class TriggerReferralForm(ConsentQuestionMixin, BootstrapMixin, forms.Form):
    """Confirm a referral suggested by the hospital eligibility trigger."""

    urgency = forms.ChoiceField(label=_("Urgency"), initial="routine")
    reason = forms.CharField(
        label=_("Reason for referral"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A sentence is enough. Stored encrypted."),
    )

    def __init__(self, *args, target_hours=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["urgency"].choices = urgency_choices(target_hours)
        self._add_consent_fields()
        self._style()


class ResponseTargetsForm(BootstrapMixin, forms.Form):
    urgent_hours = forms.IntegerField(
        label=_("Urgent: first contact within (hours)"),
        min_value=1,
        max_value=MAX_TARGET_HOURS,
        help_text=_("Default 48 hours."),
    )
    soon_hours = forms.IntegerField(
        label=_("Soon: first contact within (hours)"),
        min_value=1,
        max_value=MAX_TARGET_HOURS,
        help_text=_("Default 168 hours (7 days)."),
    )
    routine_hours = forms.IntegerField(
        label=_("Routine: first contact within (hours)"),
        min_value=1,
        max_value=MAX_TARGET_HOURS,
        help_text=_("Default 336 hours (14 days)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from peerway.core import dates
from peerway.core.dates import bounded_date_field
from peerway.core.forms import BootstrapMixin

from .models import (
    AccommodationStatus,
    AgeBand,
    AttributeKind,
    CompetencyArea,
    ContractType,
    Credential,
    EmploymentStatus,
    ExperienceDomain,
    Gender,
    RecordKind,
    SessionType,
    SupervisionTopic,
    Visibility,
    YesNo,
)


class EmploymentForm(BootstrapMixin, forms.Form):
    fte = forms.DecimalField(
        label=_("FTE"),
        min_value=0.05,
        max_value=1,
        decimal_places=2,
        help_text=_("Full-time equivalent, from 0.05 to 1.00."),
    )
    contract_type = forms.ChoiceField(label=_("Contract type"), choices=ContractType.choices)
    pay_band = forms.CharField(label=_("Pay band"), max_length=40, required=False)
    start_date = bounded_date_field(
        dates.NEAR_FUTURE,
        label=_("Start date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end_date = bounded_date_field(
        dates.PLANNING,
        label=_("End date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For term contracts, or when the worker has left."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=EmploymentStatus.choices)
    languages = forms.CharField(
        label=_("Languages"),
        max_length=200,
        required=False,
        help_text=_("Languages the worker offers support in, separated by commas."),
    )
    supervisors = forms.MultipleChoiceField(
        label=_("Supervisors"), required=False, widget=forms.CheckboxSelectMultiple
    )
    supervision_every_days = forms.IntegerField(
        label=_("Supervision every (days)"),
        required=False,
        min_value=7,
        max_value=180,
        help_text=_("Leave empty for the organization's default of %(days)s days."),
    )

    def __init__(self, *args, supervisor_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisors"].choices = supervisor_choices
        self.fields["supervision_every_days"].help_text = self.fields[
            "supervision_every_days"
        ].help_text % {"days": settings.PEERWAY_SUPERVISION_EVERY_DAYS}
        self._style()


VISIBILITY_HELP = _(
    "Private: only you. Matching only: used to suggest people you could support, never shown "
    "to anyone. Shared with my team: people working on your teams can see it."
)


def _visibility_field():
    return forms.ChoiceField(
        label=_("Who may see this"), choices=Visibility.choices, initial=Visibility.PRIVATE
    )


class DisclosureForm(BootstrapMixin, forms.Form):
    """Each attribute with its own visibility; every attribute is optional."""

    experience = forms.MultipleChoiceField(
        label=_("Lived experience"),
        required=False,
        choices=ExperienceDomain.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    experience_visibility = _visibility_field()
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=[("", _("Not answered")), *Gender.choices]
    )
    gender_visibility = _visibility_field()
    cultural_community = forms.CharField(
        label=_("Cultural community"), required=False, max_length=120
    )
    cultural_community_visibility = _visibility_field()
    age_band = forms.ChoiceField(
        label=_("Age group"), required=False, choices=[("", _("Not answered")), *AgeBand.choices]
    )
    age_band_visibility = _visibility_field()
    lgbtq = forms.ChoiceField(
        label=_("Are you part of the 2SLGBTQ+ community?"),
        required=False,
        choices=[("", _("Not answered")), *YesNo.choices],
    )
    lgbtq_visibility = _visibility_field()
    self_described = forms.CharField(
        label=_("In my own words"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything else about your experience that you want to use in your work."),
    )
    self_described_visibility = _visibility_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in AttributeKind.values:
            field = self.fields[f"{kind}_visibility"]
            field.label = _("Who may see: %(what)s") % {"what": self.fields[kind].label}
        self._style()

    @staticmethod
    def initial_from(entries: dict[str, tuple[str, str]]) -> dict:
        initial: dict = {}
        for kind, (value, visibility) in entries.items():
            initial[kind] = value.split(",") if kind == AttributeKind.EXPERIENCE else value
            initial[f"{kind}_visibility"] = visibility
        return initial

    def attributes(self) -> dict[str, tuple]:
        data = self.cleaned_data
        return {kind: (data[kind], data[f"{kind}_visibility"]) for kind in AttributeKind.values}


class SupervisionForm(BootstrapMixin, forms.Form):
    workers = forms.MultipleChoiceField(
        label=_("Supervisees"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Several supervisees only for a group session."),
    )
    session_type = forms.ChoiceField(label=_("Type"), choices=SessionType.choices)
    date = bounded_date_field(
        dates.NEAR_FUTURE, label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=480, initial=60
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        required=False,
        choices=SupervisionTopic.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Encrypted; readable only by you and the supervisee."),
    )

    def __init__(self, *args, worker_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workers"].choices = worker_choices
        self._style()


class SupervisorSettingsForm(BootstrapMixin, forms.Form):
    has_peer_experience = forms.BooleanField(
        label=_("I have worked as a peer support worker"),
        required=False,
        help_text=_(
            "Used only to report the share of supervision given by supervisors with peer "
            "experience, per team."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class WellbeingChoicesForm(BootstrapMixin, forms.Form):
    share = forms.BooleanField(
        label=_("Share my check-in results with my supervisor"), required=False
    )
    alert = forms.BooleanField(label=_("Alert my supervisor"), required=False)

    def __init__(self, *args, threshold, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alert"].help_text = _(
            "When a check-in scores %(n)s or more on any burnout scale, your supervisor sees "
            "an alert (not your answers or scores) so they can offer support."
        ) % {"n": threshold}
        self._style()


class SupportResourcesForm(BootstrapMixin, forms.Form):
    support_resources = forms.CharField(
        label=_("Support resources offered after a high-burnout check-in"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "For example your employee assistance programme's number and your peer network "
            "contact. Leave empty to show Peerway's default wording."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class SatisfactionForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("All in all, how satisfied are you with your job?"),
        coerce=int,
        choices=[
            ("1", _("Very dissatisfied")),
            ("2", _("Dissatisfied")),
            ("3", _("Neither satisfied nor dissatisfied")),
            ("4", _("Satisfied")),
            ("5", _("Very satisfied")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Job satisfaction: choose an answer.")},
    )


class AccommodationRequestForm(BootstrapMixin, forms.Form):
    request = forms.CharField(
        label=_("What would help you at work?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Seen only by you, your supervisor and human resources."),
        error_messages={"required": _("Say what would help you at work.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class AccommodationForm(BootstrapMixin, forms.Form):
    adjustments = forms.CharField(
        label=_("Agreed adjustments"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    review_date = bounded_date_field(
        dates.PLANNING,
        label=_("Review date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=AccommodationStatus.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class TrainingForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RecordKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    credential = forms.ChoiceField(
        label=_("Certification"),
        required=False,
        choices=[("", _("None")), *Credential.choices],
        help_text=_("For certifications only."),
    )
    provider = forms.CharField(label=_("Provider"), max_length=200, required=False)
    competency_areas = forms.MultipleChoiceField(
        label=_("Competency areas"),
        required=False,
        choices=CompetencyArea.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    hours = forms.DecimalField(
        label=_("Hours"), required=False, min_value=0.5, max_value=2000, decimal_places=1
    )
    completed_on = bounded_date_field(
        dates.PAST, label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = bounded_date_field(
        dates.PLANNING,
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty if it does not expire."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class NetworkEventForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    date = bounded_date_field(
        dates.NEAR_FUTURE, label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    attendees = forms.MultipleChoiceField(
        label=_("Peer workers who attended"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, peer_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = peer_choices
        self._style()

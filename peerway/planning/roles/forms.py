from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import BootstrapMixin
from peerway.core.roles import TeamType

from .. import taxonomy
from ..models import DEFAULT_DRIFT_THRESHOLD_PERCENT

IN, OUT = "in", "out"
SCOPE_PREFIX = "scope__"


class RoleDefinitionForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    team_type = forms.ChoiceField(
        label=_("Applies to"),
        required=False,
        help_text=_(
            "A definition for one type of team takes precedence over the one for all teams."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team_type"].choices = [("", _("All teams")), *TeamType.choices]
        self._style()


class RoleVersionForm(BootstrapMixin, forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the role"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In plain words: what peer support workers are here to do, and for whom."),
    )
    drift_threshold_percent = forms.IntegerField(
        label=_("Drift threshold (%)"),
        min_value=1,
        max_value=100,
        initial=DEFAULT_DRIFT_THRESHOLD_PERCENT,
        help_text=_(
            "Share of logged peer support minutes spent on out-of-scope tasks above which a "
            "worker, team or month is flagged for review in supervision. The default is 20%."
        ),
    )
    information_sharing = forms.CharField(
        label=_("Information-sharing rules"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What peer workers share with the care team, with whose consent, and what stays "
            "between the peer worker and the person."
        ),
    )
    documentation = forms.CharField(
        label=_("Documentation rules"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What peer workers record, where, and in whose words."),
    )
    co_producers = forms.MultipleChoiceField(
        label=_("Co-producers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Everyone who helped write this version. It can only be approved when at least "
            "one of them is a peer support worker of the organization."
        ),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_producers"].choices = [
            (
                str(user.pk),
                f"{user.display_name} ("
                + ", ".join(f"{m.get_role_display()} · {m.scope_label}" for m in memberships)
                + ")",
            )
            for user, memberships in candidates
        ]
        self._style()


class ScopeForm(forms.Form):
    """One in/out choice per taxonomy entry: every entry is classified, never both."""

    def __init__(self, *args, lang: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        for category in taxonomy.entries():
            if category.retired:
                continue
            self.fields[SCOPE_PREFIX + category.code] = forms.ChoiceField(
                label=category.label_in(lang),
                choices=[(IN, _("In scope")), (OUT, _("Out of scope"))],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                help_text=category.description_in(lang),
                error_messages={
                    "required": _("%(label)s: choose in scope or out of scope.")
                    % {"label": category.label_in(lang)}
                },
            )
            self.fields[SCOPE_PREFIX + category.code].category = category

    @staticmethod
    def initial_from(in_scope: list[str], out_of_scope: list[str]) -> dict[str, str]:
        initial = {SCOPE_PREFIX + code: IN for code in in_scope}
        initial.update({SCOPE_PREFIX + code: OUT for code in out_of_scope})
        return initial

    def groups(self):
        """(heading, bound fields) for peer activities, then non-peer tasks."""
        activities = [self[n] for n, f in self.fields.items() if f.category.is_peer_activity]
        tasks = [self[n] for n, f in self.fields.items() if not f.category.is_peer_activity]
        return [
            ("activities", _("Peer support activities"), activities),
            ("tasks", _("Tasks that are not peer support"), tasks),
        ]

    def scope(self) -> tuple[list[str], list[str]]:
        data = self.cleaned_data
        codes = [name.removeprefix(SCOPE_PREFIX) for name in self.fields]
        return (
            [c for c in codes if data.get(SCOPE_PREFIX + c) == IN],
            [c for c in codes if data.get(SCOPE_PREFIX + c) == OUT],
        )

"""Forms of the implementation plan. Services re-check everything a form checks."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.core import dates
from peerway.core.dates import bounded_date_field
from peerway.core.forms import BootstrapMixin, manageable_places, resolve_place
from peerway.core.models import User

from ..knowledge import load_knowledge_base
from ..models import ActionStatus, ImplementationPlan, PlanPhase

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _lang(language: str) -> str:
    return "fr" if language.startswith("fr") else "en"


def phase_choices(plan: ImplementationPlan):
    return [(str(p.pk), p.name) for p in plan.phases.all()]


def member_choices(organization):
    users = (
        User.objects.filter(memberships__organization=organization, is_active=True)
        .distinct()
        .order_by("display_name", "email")
    )
    return [("", _("No owner yet")), *[(str(u.pk), u.display_name or u.email) for u in users]]


class ProgressForm(BootstrapMixin, forms.Form):
    """What an action's owner may change; the full action form adds the rest."""

    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Do not write anything here about a person's health or care."),
    )
    completion_evidence = forms.CharField(
        label=_("Evidence of completion"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to mark the action done, e.g. “Policy approved by the board”."),
    )
    completed_on = bounded_date_field(
        dates.PAST,
        label=_("Completed on"),
        required=False,
        widget=DATE,
        help_text=_("Today if left empty when the action is marked done."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ActionForm(ProgressForm):
    field_order = [
        "title",
        "phase",
        "scope",
        "owner",
        "due_on",
        "status",
        "strategy",
        "factors",
        "description",
        "notes",
        "completion_evidence",
        "completed_on",
    ]
    title = forms.CharField(label=_("Action"), max_length=200)
    phase = forms.ChoiceField(label=_("Phase"))
    scope = forms.ChoiceField(label=_("Where it applies"))
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due_on = bounded_date_field(dates.PLANNING, label=_("Due date"), required=False, widget=DATE)
    strategy = forms.ChoiceField(
        label=_("Strategy from the evidence library"),
        required=False,
        help_text=_("Leave empty for an action of your own."),
    )
    factors = forms.MultipleChoiceField(
        label=_("Factors this action targets"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("After a later survey wave, the change in these factors shows beside it."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, plan, user, language="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        kb = load_knowledge_base()
        lang = _lang(language)
        self.fields["phase"].choices = phase_choices(plan)
        self.fields["scope"].choices = manageable_places(user, plan.organization)
        self.fields["owner"].choices = member_choices(plan.organization)
        self.fields["strategy"].choices = [("", "—")] + sorted(
            ((s.code, s.name.get(lang)) for s in kb.strategies), key=lambda c: c[1]
        )
        self.fields["factors"].choices = [(f.code, f.name.get(lang)) for f in kb.factors]
        self._style()

    @staticmethod
    def initial_for(action) -> dict:
        if action.team_id:
            scope = f"team:{action.team_id}"
        elif action.site_id:
            scope = f"site:{action.site_id}"
        else:
            scope = f"org:{action.plan.organization_id}"
        return {
            "title": action.title,
            "phase": str(action.phase_id),
            "scope": scope,
            "owner": str(action.owner_id or ""),
            "due_on": action.due_on,
            "status": action.status,
            "strategy": action.strategy,
            "factors": list(action.factors),
            "description": action.description,
            "notes": action.notes,
            "completion_evidence": action.completion_evidence,
            "completed_on": action.completed_on,
        }

    def values(self) -> dict:
        data = self.cleaned_data
        site, team = resolve_place(data["scope"], self.plan.organization)
        owner = None
        if data.get("owner"):
            owner = User.objects.filter(pk=int(data["owner"])).first()
        return {
            "title": data["title"].strip(),
            "phase": PlanPhase.objects.get(pk=int(data["phase"]), plan=self.plan),
            "site": site,
            "team": team,
            "owner": owner,
            "due_on": data.get("due_on"),
            "status": data["status"],
            "strategy": data.get("strategy") or "",
            "factors": list(data.get("factors") or []),
            "description": data.get("description", ""),
            "notes": data.get("notes", ""),
            "completion_evidence": data.get("completion_evidence", ""),
            "completed_on": data.get("completed_on"),
        }


class MilestoneForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    phase = forms.ChoiceField(label=_("Phase"), required=False)
    due_on = bounded_date_field(dates.PLANNING, label=_("Target date"), widget=DATE)
    achieved_on = bounded_date_field(
        dates.PAST, label=_("Achieved on"), required=False, widget=DATE
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["phase"].choices = [("", "—"), *phase_choices(plan)]
        self._style()

    def values(self) -> dict:
        data = self.cleaned_data
        phase = None
        if data.get("phase"):
            phase = PlanPhase.objects.get(pk=int(data["phase"]), plan=self.plan)
        return {
            "title": data["title"].strip(),
            "phase": phase,
            "due_on": data["due_on"],
            "achieved_on": data.get("achieved_on"),
            "notes": data.get("notes", ""),
        }


class PhaseForm(BootstrapMixin, forms.Form):
    custom_name = forms.CharField(label=_("Name of the new phase"), max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class GateForm(BootstrapMixin, forms.Form):
    gate_min_commitment = forms.DecimalField(
        label=_("Minimum change commitment (ORIC, 1 to 5)"),
        required=False,
        min_value=1,
        max_value=5,
        max_digits=2,
        decimal_places=1,
        help_text=_("Default 3.5. Leave empty to leave this criterion out."),
    )
    gate_min_efficacy = forms.DecimalField(
        label=_("Minimum change efficacy (ORIC, 1 to 5)"),
        required=False,
        min_value=1,
        max_value=5,
        max_digits=2,
        decimal_places=1,
        help_text=_("Default 3.5. Leave empty to leave this criterion out."),
    )
    gate_require_leadership = forms.BooleanField(
        label=_("Leadership commitment must be recorded"), required=False
    )
    gate_require_role_definition = forms.BooleanField(
        label=_("An approved peer role definition must cover the team"), required=False
    )
    gate_require_supervision = forms.BooleanField(
        label=_("A peer supervisor must be assigned to the team"), required=False
    )
    gate_min_peers = forms.IntegerField(
        label=_("Minimum peer workers planned per team"),
        min_value=0,
        max_value=20,
        help_text=_("Default 2, so that no peer worker is alone on a team. 0 leaves it out."),
    )
    capacity_scenario = forms.ChoiceField(
        label=_("Capacity scenario the plan adopts"),
        required=False,
        help_text=_("Its planned head counts count as peer workers planned."),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["capacity_scenario"].choices = [
            ("", _("None")),
            *[(str(s.pk), s.name) for s in plan.organization.capacity_scenarios.all()],
        ]
        self._style()

    @staticmethod
    def initial_for(plan) -> dict:
        return {
            "gate_min_commitment": plan.gate_min_commitment,
            "gate_min_efficacy": plan.gate_min_efficacy,
            "gate_require_leadership": plan.gate_require_leadership,
            "gate_require_role_definition": plan.gate_require_role_definition,
            "gate_require_supervision": plan.gate_require_supervision,
            "gate_min_peers": plan.gate_min_peers,
            "capacity_scenario": str(plan.capacity_scenario_id or ""),
        }

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        pk = data.pop("capacity_scenario")
        data["capacity_scenario"] = (
            self.plan.organization.capacity_scenarios.filter(pk=int(pk)).first() if pk else None
        )
        return data


class LeadershipForm(BootstrapMixin, forms.Form):
    leadership_commitment_on = bounded_date_field(
        dates.PLANNING,
        label=_("Date of the commitment"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty to withdraw a recorded commitment."),
    )
    leadership_commitment_note = forms.CharField(
        label=_("How leadership committed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: board motion, signed charter, budget line approved."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from . import dates
from .dates import bounded_date_field
from .models import Organization, Site, Team
from .permissions import roles_over
from .roles import Role


def manageable_places(user, organization: Organization) -> list[tuple[str, str]]:
    """Places (as 'org:ID', 'site:ID', 'team:ID') where the user is manager or admin."""
    choices: list[tuple[str, str]] = []
    if roles_over(user, organization) & {Role.MANAGER, Role.ADMIN}:
        choices.append(
            (f"org:{organization.pk}", _("Whole organization: %(name)s") % {"name": organization})
        )
    for site in Site.objects.filter(organization=organization).order_by("name"):
        if roles_over(user, site) & {Role.MANAGER, Role.ADMIN}:
            choices.append((f"site:{site.pk}", _("Site: %(name)s") % {"name": site}))
    teams = Team.objects.filter(site__organization=organization).select_related("site")
    for team in teams.order_by("site__name", "name"):
        if roles_over(user, team) & {Role.MANAGER, Role.ADMIN}:
            choices.append(
                (
                    f"team:{team.pk}",
                    _("Team: %(team)s (%(site)s)") % {"team": team, "site": team.site},
                )
            )
    return choices


def resolve_place(value: str, organization: Organization) -> tuple[Site | None, Team | None]:
    kind, _sep, raw_id = value.partition(":")
    if kind == "org":
        return None, None
    if kind == "site":
        return Site.objects.get(pk=int(raw_id), organization=organization), None
    if kind == "team":
        return None, Team.objects.get(pk=int(raw_id), site__organization=organization)
    raise ValueError(value)


class BootstrapMixin:
    """Give widgets Bootstrap classes so every form looks and behaves the same."""

    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"


class PlaceRoleForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    place = forms.ChoiceField(
        label=_("Where"), help_text=_("The role applies to this place and everything in it.")
    )

    def __init__(self, *args, user, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["place"].choices = manageable_places(user, organization)
        held = roles_over(user, organization)
        if Role.ADMIN not in held:
            # Only administrators hand out the administrator role.
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.ADMIN]
        self._style()

    def clean(self):
        data = super().clean()
        if "place" in data:
            data["site"], data["team"] = resolve_place(data["place"], self.organization)
        return data


class InviteForm(PlaceRoleForm):
    display_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    field_order = ["display_name", "email", "role", "place"]


class GrantForm(PlaceRoleForm):
    pass


class MfaRolesForm(BootstrapMixin, forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles that must use two-factor authentication"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class AcceptInvitationForm(BootstrapMixin, forms.Form):
    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; avoid common passwords."),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self._style()

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        if p1:
            from .models import User

            probe = User(email=self.invitation.email, display_name=self.invitation.display_name)
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class AuditFilterForm(BootstrapMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    action = forms.CharField(label=_("Action"), required=False)
    object_type = forms.CharField(label=_("Record type"), required=False)
    actor = forms.CharField(label=_("Actor e-mail"), required=False)
    date_from = bounded_date_field(
        dates.FILTER,
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = bounded_date_field(
        dates.FILTER, label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

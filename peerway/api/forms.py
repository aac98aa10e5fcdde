from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import BootstrapMixin, PlaceRoleForm
from peerway.core.roles import Role

from .services import DEFAULT_DAYS, MAX_DAYS, SERVICE_ROLES


class TokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use it, e.g. “regional referral feed”."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"), min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ServiceAccountForm(PlaceRoleForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("The system that will use the account, e.g. “regional data warehouse”."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"), min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS
    )
    field_order = ["name", "role", "place", "expires_in_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [c for c in Role.choices if c[0] in SERVICE_ROLES]

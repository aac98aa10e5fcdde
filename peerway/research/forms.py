from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import BootstrapMixin

from .services import PURPOSE_MAX_CHARS, clean_purpose


class ExportRequestForm(BootstrapMixin, forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the export"),
        help_text=_(
            "Why the data are needed (e.g. the evaluation question or approved protocol). "
            "Kept encrypted with the export record and shown in the export log."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=PURPOSE_MAX_CHARS,
        required=False,  # clean_purpose gives the message
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_purpose(self):
        from django.core.exceptions import ValidationError

        try:
            return clean_purpose(self.cleaned_data.get("purpose"))
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["purpose"]) from exc

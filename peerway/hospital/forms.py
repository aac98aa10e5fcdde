from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import BootstrapMixin

from .models import TriggerRule

MAX_UPLOAD_MB = 200


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file of hospital events"),
        help_text=_(
            "UTF-8 CSV with the columns person_code or hospital_id, event, date, "
            "admission_date (optional) and facility. Nothing is saved if any row is wrong."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(max)d MB: import it with the command line.")
                % {"max": MAX_UPLOAD_MB}
            )
        return upload


class TriggerForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = TriggerRule
        fields = ["enabled", "min_admissions", "min_emergency_visits", "window_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class HospitalIdForm(BootstrapMixin, forms.Form):
    hospital_id = forms.CharField(
        label=_("Hospital identifier"),
        max_length=64,
        required=False,
        help_text=_(
            "For example the medical record number used in the hospital's files. Only a keyed "
            "fingerprint is kept, so it cannot be shown again; leave empty to remove it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

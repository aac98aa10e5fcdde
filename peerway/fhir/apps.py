from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FhirConfig(AppConfig):
    name = "peerway.fhir"
    label = "fhir"
    verbose_name = _("FHIR R4 interface")

    def ready(self) -> None:
        from . import permissions  # noqa: F401

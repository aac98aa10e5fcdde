from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HospitalConfig(AppConfig):
    name = "peerway.hospital"
    label = "hospital"
    verbose_name = _("Hospital events")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - register rules

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "peerway.workforce"
    label = "workforce"
    verbose_name = _("Workforce")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - register rules

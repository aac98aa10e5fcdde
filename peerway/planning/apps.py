from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "peerway.planning"
    label = "planning"
    verbose_name = _("Planning")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - register rules

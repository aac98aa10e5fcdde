from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "peerway.assessments"
    label = "assessments"
    verbose_name = _("Readiness surveys")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - register rules

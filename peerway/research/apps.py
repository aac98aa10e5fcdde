from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "peerway.research"
    label = "research"
    verbose_name = _("De-identified exports")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - register rules

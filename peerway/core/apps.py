from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "peerway.core"
    label = "core"
    verbose_name = _("Organization and access")

    def ready(self) -> None:
        from . import permissions, signals  # noqa: F401 - register rules and receivers

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "peerway.support"
    label = "support"
    verbose_name = _("Peer support service")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - registers the rules

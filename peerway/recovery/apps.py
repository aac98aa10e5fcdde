from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "peerway.recovery"
    label = "recovery"
    verbose_name = _("Recovery plans and safety events")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - registers the rules

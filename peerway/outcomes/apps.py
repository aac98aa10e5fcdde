from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "peerway.outcomes"
    label = "outcomes"
    verbose_name = _("Outcome measures")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - registers the rules

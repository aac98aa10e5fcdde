from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "peerway.core"
    label = "core"
    verbose_name = _("Organization and access")

    def ready(self) -> None:
        from django.core.cache import caches

        from peerway.insights import charts

        from . import permissions, signals  # noqa: F401 - register rules and receivers

        charts.use_cache(caches["charts"])

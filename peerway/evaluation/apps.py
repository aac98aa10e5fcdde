from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "peerway.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation and reports")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - registers the rules

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "peerway.contacts"
    label = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - register rules

from django.contrib.admin.apps import AdminConfig


class SystemAdminConfig(AdminConfig):
    """Django's admin, served by Peerway's own site class (superusers, two-factor, audit)."""

    default_site = "peerway.core.system_admin.SystemAdminSite"

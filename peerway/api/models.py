"""API tokens: a secret shown once, kept only as its SHA-256, looked up by a short public
prefix (docs/api.md, "Tokens")."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.models import Organization, User


class ApiToken(models.Model):
    """A bearer token acting with exactly its user's roles and places."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # Public part of the token ("pw_<prefix>_<secret>"), for lookup and for lists.
    prefix = models.CharField(max_length=16, unique=True)
    # SHA-256 (hex) of the whole token; the token itself is never stored.
    token_hash = models.CharField(max_length=64)
    # A service account's token (created by an administrator for an account bound to one
    # role and place), as opposed to a person's own token.
    service_account = models.BooleanField(default=False)
    # The organization of a service account (for the administrators' list).
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} (pw_{self.prefix}_…)"

    @property
    def display_prefix(self) -> str:
        return f"pw_{self.prefix}_…"

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired() and self.user.is_active

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.is_expired():
            return "expired"
        return "active"

    def get_status_display(self) -> str:
        return {"revoked": _("Revoked"), "expired": _("Expired"), "active": _("Active")}[
            self.status
        ]

"""Organization structure, accounts, memberships, invitations and the audit trail."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
    _user_has_module_perms,
    _user_has_perm,
)
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role, TeamType


def default_mfa_roles() -> list[str]:
    return list(settings.PEERWAY_DEFAULT_MFA_ROLES)


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Shows a 'demo data' banner on every page.")
    )
    mfa_required_roles = models.JSONField(
        _("roles that must use two-factor authentication"), default=default_mfa_roles, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="site_name_unique")
        ]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=200)
    team_type = models.CharField(_("type"), max_length=30, choices=TeamType.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="team_name_unique")]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    @property
    def organization(self) -> Organization:
        return self.site.organization


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. What they may do comes from their memberships."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the system admin site"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email

    # Django lets an active superuser pass every permission check. Peerway does not:
    # its `rules` predicates decide for every account, superuser or not, so the
    # superuser flag opens the system admin site (peerway.core.system_admin) and nothing
    # else. See docs/permissions.md, "No one is above the matrix".
    def has_perm(self, perm: str, obj=None) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser and getattr(self, "_peerway_system_admin", False):
            return True  # a model permission checked by the system admin site, nothing else
        return _user_has_perm(self, perm, obj)

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser and getattr(self, "_peerway_system_admin", False):
            return True
        return _user_has_module_perms(self, app_label)


class Membership(models.Model):
    """A role held by a user over a place: the whole organization, one site, or one team."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "role"]
        constraints = [
            # One role per place: partial constraints, as NULLs never compare equal.
            models.UniqueConstraint(
                fields=["user", "role", "organization"],
                condition=models.Q(site__isnull=True, team__isnull=True),
                name="membership_unique_org",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "site"],
                condition=models.Q(site__isnull=False, team__isnull=True),
                name="membership_unique_site",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "team"],
                condition=models.Q(team__isnull=False),
                name="membership_unique_team",
            ),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.scope_label}"

    @property
    def scope(self) -> str:
        if self.team_id:
            return "team"
        if self.site_id:
            return "site"
        return "organization"

    @property
    def scope_label(self) -> str:
        return str(self.team or self.site or self.organization)

    def clean(self) -> None:
        if self.team_id and self.site_id and self.team.site_id != self.site_id:
            raise ValidationError({"team": _("This team is not at the chosen site.")})
        if self.site_id and self.site.organization_id != self.organization_id:
            raise ValidationError({"site": _("This site belongs to another organization.")})
        if self.team_id and self.team.site.organization_id != self.organization_id:
            raise ValidationError({"team": _("This team belongs to another organization.")})

    def covers_team(self, team: Team) -> bool:
        if self.organization_id != team.site.organization_id:
            return False
        if self.team_id:
            return self.team_id == team.pk
        if self.site_id:
            return self.site_id == team.site_id
        return True


def memberships_covering(memberships, teams) -> dict[int, list[Membership]]:
    """For each team, the memberships among ``memberships`` that cover it (exactly
    ``Membership.covers_team``), found in one pass over each list instead of testing every
    membership against every team. Teams need their site loaded."""
    by_team: dict[int, list[Membership]] = {}
    by_site: dict[int, list[Membership]] = {}
    whole: dict[int, list[Membership]] = {}
    for m in memberships:
        if m.team_id:
            by_team.setdefault(m.team_id, []).append(m)
        elif m.site_id:
            by_site.setdefault(m.site_id, []).append(m)
        else:
            whole.setdefault(m.organization_id, []).append(m)
    covering = {}
    for team in teams:
        org_id = team.site.organization_id
        found = by_team.get(team.pk, []) + by_site.get(team.site_id, []) + whole.get(org_id, [])
        covering[team.pk] = [m for m in found if m.organization_id == org_id]
    return covering


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """A link that lets a person create their account and receive one membership."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    display_name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True)
    # Only a hash of the token is stored: a database reader cannot use a pending link.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @staticmethod
    def new_token() -> str:
        return _invitation_token()

    @staticmethod
    def default_expiry():
        return timezone.now() + timedelta(hours=settings.PEERWAY_INVITATION_HOURS)

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def scope_label(self) -> str:
        return str(self.team or self.site or self.organization)


class Submission(models.Model):
    """A create form sent with a one-time token (``peerway.core.idempotency``): the same
    token sent again by the same user (a double click, a replayed request) creates nothing
    and leads to the record the first one created. Holds no content of the form."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="one_submission_per_token")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"submission {self.token[:6]}… → {self.url}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only and cannot be changed.")

    def delete(self):
        raise PermissionError("Audit events are append-only and cannot be deleted.")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only and cannot be changed.")


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit trail.

    Rows are written only by ``peerway.core.audit.record``. Each row's hash is an
    HMAC-SHA256, keyed with a secret held outside the database (``key_id`` names which of
    PEERWAY_AUDIT_KEYS), over its own fields and the previous row's hash, so editing or
    deleting any stored row breaks the chain from that row on, and recomputing the chain
    needs the key (``peerway audit verify``; signed checkpoints catch a cut tail).
    """

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(editable=False, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    actor_label = models.CharField(max_length=254, blank=True, editable=False)
    action = models.CharField(max_length=80, editable=False, db_index=True)
    object_type = models.CharField(max_length=80, blank=True, editable=False, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, editable=False)
    organization_id = models.BigIntegerField(null=True, blank=True, editable=False)
    site_id = models.BigIntegerField(null=True, blank=True, editable=False)
    team_id = models.BigIntegerField(null=True, blank=True, editable=False)
    request_id = models.CharField(max_length=64, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    details = models.JSONField(default=dict, blank=True, editable=False)
    previous_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    key_id = models.CharField(max_length=32, blank=True, default="", editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only and cannot be deleted.")


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers extend one chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"audit chain head #{self.last_sequence}"

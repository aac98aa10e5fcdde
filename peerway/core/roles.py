"""Roles a membership can carry, and the order in which homes list them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    SUPERVISOR = "supervisor", _("Peer supervisor")
    PEER_WORKER = "peer_worker", _("Peer support worker")
    CLINICIAN = "clinician", _("Clinician")
    EVALUATOR = "evaluator", _("Evaluator")
    ADMIN = "admin", _("Administrator")
    HR = "hr", _("Human resources")


class TeamType(models.TextChoices):
    INPATIENT = "inpatient", _("Inpatient unit")
    CRISIS = "crisis", _("Crisis service")
    COMMUNITY = "community", _("Community mental health team")
    TRANSITION = "transition", _("Post-discharge transition")
    TELEPHONE = "telephone", _("Telephone line")
    NAVIGATION = "navigation", _("Peer navigation")
    FAMILY_SUPPORT = "family_support", _("Family support")


# Roles that may administer users and memberships within their scope.
USER_ADMIN_ROLES = frozenset({Role.MANAGER, Role.ADMIN})

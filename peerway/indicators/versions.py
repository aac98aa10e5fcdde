"""Each organization's data version: the counter cached dashboards are keyed by (decision 32:
Dashboards cached under a data version).

Every write of a record a dashboard reads raises the version of its organization **in the
same transaction**, through model signals connected here for every model of the apps that
feed the indicators (people, referrals, relationships, consent and contacts; workforce;
role definitions and plans; safety events and outcomes; surveys; the organization's own
sites, teams, memberships and users). A reader takes the version *before* it computes, so
what it stores under a version is never older than that version; a write committed after
it raises the version, and every entry stored under the old one is never read again.

What signals do not see (``QuerySet.update``, ``bulk_create``, raw SQL) must call
``bump`` itself: the rollup rebuild does; the contact rollups themselves are only
written beside a contact's own ``save`` or ``delete``, which is signalled. A record whose
organization cannot be found raises every organization's version: too wide, never too
narrow.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.db.models.signals import m2m_changed, post_delete, post_save

log = logging.getLogger(__name__)

# Apps whose every model may feed a dashboard, and the models of those apps that do not
# (written on every request or in bulk: audit events and their chain head, form tokens,
# invitations; the contact rollups, written only beside a signalled contact write).
FEEDING_APPS = (
    "core",
    "support",
    "contacts",
    "workforce",
    "planning",
    "recovery",
    "outcomes",
    "assessments",
)
NOT_FEEDING = {
    "core.auditevent",
    "core.auditchainhead",
    "core.submission",
    "core.invitation",
    "contacts.contactrollup",
    "contacts.contactmonthlyrollup",
    "workforce.notification",
}
# A user signing in writes only this; it changes no figure.
_SIGN_IN_FIELDS = frozenset({"last_login"})


def current(organization) -> tuple[str, int]:
    """The organization's version now: (epoch, number). Made on first use."""
    from .models import DataVersion

    row = DataVersion.objects.filter(organization_id=organization.pk).values_list("epoch", "number")
    found = row.first()
    if found is None:
        try:
            with transaction.atomic():
                created = DataVersion.objects.create(organization_id=organization.pk)
            found = (created.epoch, created.number)
        except IntegrityError:  # made at the same moment by another request
            found = row.first()
    return str(found[0]), found[1]


def bump(organization_ids: Iterable[int] | None) -> None:
    """Raise the version of these organizations (``None``: of every organization), in the
    caller's transaction. An organization without a row yet needs none: its first reader
    makes one, after this write."""
    from .models import DataVersion

    rows = DataVersion.objects.all()
    if organization_ids is not None:
        ids = {pk for pk in organization_ids if pk is not None}
        if not ids:
            return
        rows = rows.filter(organization_id__in=ids)
    rows.update(number=F("number") + 1)


# --- Which organization a record belongs to ------------------------------------------------


def _organization_id(obj: Model, depth: int = 0) -> int | None:
    """The organization of a record: its own ``organization_id``, else through the first
    foreign key that leads to one (person, team, site, wave, referral, plan…)."""
    from peerway.core.models import Organization, User

    if isinstance(obj, Organization):
        return obj.pk
    found = getattr(obj, "organization_id", None)
    if found is not None or depth >= 3:
        return found
    for field in obj._meta.concrete_fields:
        if not field.many_to_one or field.related_model in (User, Organization):
            continue
        if getattr(obj, field.attname, None) is None:
            continue
        try:
            parent = getattr(obj, field.name)
        except field.related_model.DoesNotExist:  # deleted with it (a cascade)
            continue
        found = _organization_id(parent, depth + 1)
        if found is not None:
            return found
    return None


def organizations_of(obj: Model) -> set[int] | None:
    """The organizations whose figures a write of ``obj`` may change (None: unknown, so
    every one)."""
    from peerway.core.models import Membership, User

    if isinstance(obj, User):
        return set(
            Membership.objects.filter(user_id=obj.pk).values_list("organization_id", flat=True)
        )
    found = _organization_id(obj)
    return None if found is None else {found}


# --- Signals ---------------------------------------------------------------------------------


def _changed(sender, instance, **kwargs) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields and frozenset(update_fields) <= _SIGN_IN_FIELDS:
        return
    if kwargs.get("raw"):  # loading fixtures: nothing cached can depend on it yet
        return
    bump(organizations_of(instance))


def _m2m_changed(sender, instance, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        bump(organizations_of(instance))


def feeding_models() -> list[type[Model]]:
    return [
        model
        for label in FEEDING_APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label_lower not in NOT_FEEDING
    ]


def connect() -> None:
    """Connect the signals (``IndicatorsConfig.ready``). Per model, never for every sender:
    a listener on a model turns its bulk deletes into row-by-row ones, so the rollups
    (deleted in bulk by a rebuild) are left out."""
    for model in feeding_models():
        uid = f"indicators-version-{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + "-delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _m2m_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}"
            )

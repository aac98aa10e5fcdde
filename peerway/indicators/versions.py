"""Each organization's data versions: the counters cached dashboards are keyed by
(decision 32: Dashboards cached under a data version).

There is one counter per organization and **kind** of record (``KINDS``). Every write of a
record a dashboard reads raises the counter of its organization and kind **in the same
transaction**, through model signals connected here for every model of the apps that feed
the indicators. A reader takes the versions *before* it computes, so what it stores under
a version is never older than that version; a write committed after it raises the
version, and every entry stored under the old one is never read again. Each cached part of
a dashboard is keyed by the kinds it reads (always ``core`` among them), so logging a
contact recomputes the contact figures, not the workforce.

What signals do not see (``QuerySet.update``, ``bulk_create``, raw SQL) must call
``bump`` itself: the rollup rebuild does; the contact rollups themselves are only written
beside a contact's own ``save`` or ``delete``, which is signalled. A record whose
organization cannot be found raises every organization's version: too wide, never too
narrow.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.db.models.signals import m2m_changed, post_delete, post_save

# The kinds of record, by what the dashboards read from them.
CORE = "core"  # the organization, its sites, teams, users and memberships
CONTACTS = "contacts"  # contacts (and with them the contact rollups)
PEOPLE = "people"  # people supported, referrals, relationships, consent, matches
WORKFORCE = "workforce"  # worker profiles, supervision, training, check-ins…
PLANNING = "planning"  # role definitions (drift scopes), implementation plans
SAFETY = "safety"  # safety and boundary events, outcomes and safety tasks
SURVEYS = "surveys"  # readiness waves, responses and their releases
KINDS = (CORE, CONTACTS, PEOPLE, WORKFORCE, PLANNING, SAFETY, SURVEYS)

APP_KINDS = {
    "core": CORE,
    "support": PEOPLE,
    "contacts": CONTACTS,
    "workforce": WORKFORCE,
    "planning": PLANNING,
    "recovery": SAFETY,
    "outcomes": SAFETY,
    "assessments": SURVEYS,
}
MODEL_KINDS = {"support.contact": CONTACTS}
# Models of those apps that feed no dashboard and are written on every request or in
# bulk: audit events and their chain head, form tokens, invitations, notifications; the
# contact rollups, written only beside a signalled contact write (a listener would also
# turn the rebuild's bulk delete into one delete per row).
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


def kind_of(model: type[Model]) -> str:
    label = model._meta.label_lower
    return MODEL_KINDS.get(label) or APP_KINDS[model._meta.app_label]


def current(organization) -> dict[str, tuple[str, int]]:
    """The organization's versions now: {kind: (epoch, number)}; missing rows are made."""
    from .models import DataVersion

    def read():
        return {
            kind: (str(epoch), number)
            for kind, epoch, number in DataVersion.objects.filter(
                organization_id=organization.pk
            ).values_list("kind", "epoch", "number")
        }

    found = read()
    missing = [kind for kind in KINDS if kind not in found]
    if missing:
        _make(organization.pk, missing)
        found = read()
    return found


def _make(organization_id: int, kinds: Iterable[str]) -> None:
    from .models import DataVersion

    for kind in kinds:
        try:
            with transaction.atomic():
                DataVersion.objects.get_or_create(organization_id=organization_id, kind=kind)
        except IntegrityError:  # made at the same moment by someone else
            pass


# Bumps held back by ``deferred``: {kind: organization ids, or None for every one}.
_pending: contextvars.ContextVar[dict[str, set[int] | None] | None] = contextvars.ContextVar(
    "peerway_versions_pending", default=None
)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold back the bumps of the writes inside and make them once when the block ends
    without an error, still in the caller's transaction (use it inside ``atomic``): a write
    that saves several records of one kind raises the version once, and the version rows
    stay locked from the end of the block to the commit, not through the whole write."""
    pending: dict[str, set[int] | None] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for kind, ids in pending.items():
        bump(ids, [kind])


def bump(organization_ids: Iterable[int] | None, kinds: Iterable[str] = KINDS) -> None:
    """Raise the versions of these kinds of these organizations (``None``: of every
    organization), in the caller's transaction. A missing row is made first: a reader who
    made it while this write was under way must not keep its number."""
    from peerway.core.models import Organization

    pending = _pending.get()
    if pending is not None:
        wanted = None if organization_ids is None else {pk for pk in organization_ids if pk}
        for kind in kinds:
            if kind in pending and pending[kind] is None:
                continue
            pending[kind] = None if wanted is None else (pending.get(kind) or set()) | wanted
        return

    from .models import DataVersion

    kinds = list(kinds)
    if organization_ids is None:
        ids = set(Organization.objects.values_list("pk", flat=True))
    else:
        ids = {pk for pk in organization_ids if pk is not None}
    if not ids:
        return
    rows = DataVersion.objects.filter(organization_id__in=ids, kind__in=kinds)
    if rows.update(number=F("number") + 1) < len(ids) * len(kinds):
        existing = set(rows.values_list("organization_id", "kind"))
        # An organization being deleted has no versions to keep.
        for pk in Organization.objects.filter(pk__in=ids).values_list("pk", flat=True):
            missing = [kind for kind in kinds if (pk, kind) not in existing]
            if missing:
                _make(pk, missing)
                DataVersion.objects.filter(organization_id=pk, kind__in=missing).update(
                    number=F("number") + 1
                )


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
    bump(organizations_of(instance), [kind_of(sender)])


def _m2m_receiver(kind: str):
    def changed(sender, instance, action, reverse=False, model=None, pk_set=None, **kw) -> None:
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        found = organizations_of(instance)
        if reverse and found is not None:
            # Changed from the other side (``user.supervised_profiles.add(profile)``): the
            # records of the declaring model are in ``pk_set``, and theirs are the
            # organizations whose figures change. Cleared from that side, which records were
            # linked is no longer known: every organization.
            if pk_set is None:
                found = None
            else:
                for obj in model.objects.filter(pk__in=pk_set):
                    theirs = organizations_of(obj)
                    if theirs is None:
                        found = None
                        break
                    found |= theirs
        bump(found, [kind])

    return changed


_receivers: list = []  # signals hold receivers weakly


def feeding_models() -> list[type[Model]]:
    return [
        model
        for label in APP_KINDS
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
            # Either side may change the link: the kind is the declaring model's.
            receiver = _m2m_receiver(kind_of(model))
            _receivers.append(receiver)
            m2m_changed.connect(
                receiver, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}"
            )

"""Reads of the service, scoped to what each user may see. Anything outside is a 404."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from peerway.core.permissions import team_filter_for
from peerway.core.roles import Role

from .models import (
    DEFAULT_TARGET_HOURS,
    URGENCY_RANK,
    WAITING_STATES,
    ConsentPurpose,
    ConsentRecord,
    Person,
    Referral,
    ReferralSettings,
)

STAFF_ROLES = {Role.MANAGER, Role.SUPERVISOR, Role.CLINICIAN}


def people_visible_q(user) -> Q:
    """People the user may open (same rule as ``support.view_person``)."""
    staff_teams = team_filter_for(user, STAFF_ROLES)
    peer_teams = team_filter_for(user, {Role.PEER_WORKER})
    from peerway.core.models import Team

    staff_ids = Team.objects.filter(staff_teams).values("pk")
    peer_ids = Team.objects.filter(peer_teams).values("pk")
    own = Q(relationships__worker=user, relationships__ended_on__isnull=True) | Q(created_by=user)
    return Q(team__in=staff_ids) | (Q(team__in=peer_ids) & own)


def people_for(user, organization) -> QuerySet[Person]:
    return (
        Person.objects.filter(people_visible_q(user), organization=organization)
        .select_related("team__site")
        .distinct()
    )


def get_person(user, organization, pk: int) -> Person:
    person = people_for(user, organization).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def find_by_name(user, organization, name: str) -> QuerySet[Person]:
    """Exact (case- and accent-insensitive) name search through the blind index."""
    return people_for(user, organization).filter(name_index=Person.name_lookup(name))


NAME_STAFF_ROLES = {Role.SUPERVISOR, Role.CLINICIAN}


def names_visible_q(user) -> Q:
    """People whose name the user may see (same rule as ``support.see_names``): a subset
    of ``people_visible_q``."""
    from peerway.core.models import Team

    staff_ids = Team.objects.filter(team_filter_for(user, NAME_STAFF_ROLES)).values("pk")
    peer_ids = Team.objects.filter(team_filter_for(user, {Role.PEER_WORKER})).values("pk")
    own = Q(relationships__worker=user, relationships__ended_on__isnull=True) | Q(created_by=user)
    return Q(team__in=staff_ids) | (Q(team__in=peer_ids) & own)


def named_ids(user, people: QuerySet[Person]) -> set[int]:
    """Of ``people`` (already scoped), the ids whose name the user may see (one query)."""
    return set(people.filter(names_visible_q(user)).values_list("pk", flat=True).distinct())


def search_by_partial_name(user, people: QuerySet[Person], text: str) -> QuerySet[Person]:
    """People of ``people`` (already scoped) whose name contains every word of ``text``
    (capitals and accents do not matter), among those whose name the user may see.

    Names stay encrypted at rest: they are decrypted here, in memory, only for the rows the
    user may already see by name (decision 28: Partial name search within the user's own
    scope); nothing about a name is ever sent to the database. A user who may see no name
    finds nobody, whatever they type.
    """
    from peerway.core.crypto import normalize_for_index

    words = normalize_for_index(text).split()
    if not words:
        return people.none()
    candidates = (
        people.filter(names_visible_q(user))
        .exclude(name_index="")
        .values_list("pk", "name")
        .distinct()
    )
    found = []
    for pk, name in candidates:
        folded = normalize_for_index(name or "")
        if all(w in folded for w in words):
            found.append(pk)
    return people.filter(pk__in=found)


def current_consents(person: Person) -> dict[str, ConsentRecord | None]:
    """The latest decision per purpose (None: never asked)."""
    latest: dict[str, ConsentRecord | None] = dict.fromkeys(ConsentPurpose.values)
    for record in person.consents.order_by("purpose", "-decided_on", "-recorded_at", "-pk"):
        if latest.get(record.purpose) is None:
            latest[record.purpose] = record
    return latest


def has_consent(person: Person, purpose: str) -> bool:
    record = (
        person.consents.filter(purpose=purpose)
        .order_by("-decided_on", "-recorded_at", "-pk")
        .first()
    )
    return bool(record and record.given)


def consenting_people_q(purpose: str) -> Q:
    """People whose latest decision for ``purpose`` is 'given' (for statistics and exports)."""
    from django.db.models import OuterRef, Subquery

    latest = (
        ConsentRecord.objects.filter(person=OuterRef("pk"), purpose=purpose)
        .order_by("-decided_on", "-recorded_at", "-pk")
        .values("given")[:1]
    )
    return Q(pk__in=Person.objects.annotate(_c=Subquery(latest)).filter(_c=True).values("pk"))


def referrals_for(user, organization) -> QuerySet[Referral]:
    """Referrals the user may follow: leads over the team, the referring clinician's own,
    and those of people in a peer worker's caseload."""
    from peerway.core.models import Team

    lead_ids = Team.objects.filter(team_filter_for(user, {Role.MANAGER, Role.SUPERVISOR}))
    clinician_ids = Team.objects.filter(team_filter_for(user, {Role.CLINICIAN}))
    q = Q(team__in=lead_ids.values("pk")) | Q(team__in=clinician_ids.values("pk"))
    q |= Q(person__relationships__worker=user, person__relationships__ended_on__isnull=True)
    return (
        Referral.objects.filter(q, person__organization=organization)
        .select_related("person", "team__site", "referred_by")
        .distinct()
    )


def get_referral(user, organization, pk: int) -> Referral:
    referral = referrals_for(user, organization).filter(pk=pk).first()
    if referral is None:
        raise Http404
    return referral


# --- response targets, due times and overdue referrals (docs/service.md) -------------------


def target_hours(organization) -> dict[str, int]:
    """Hours allowed from referral to first contact, per urgency (the defaults when the
    organization has set nothing)."""
    row = ReferralSettings.objects.filter(organization=organization).first()
    return row.hours() if row is not None else dict(DEFAULT_TARGET_HOURS)


def response_targets(organization) -> dict[str, dt.timedelta]:
    return {u: dt.timedelta(hours=h) for u, h in target_hours(organization).items()}


def due_at(referral: Referral, targets: dict[str, dt.timedelta]) -> dt.datetime:
    """A referral is due for its first contact at its creation + its urgency's target."""
    return referral.created_at + targets[referral.urgency]


def overdue_q(targets: dict[str, dt.timedelta], now: dt.datetime | None = None) -> Q:
    """Referrals past their due time with no first contact yet and not closed."""
    now = now or timezone.now()
    late = Q(pk__in=[])
    for urgency, target in targets.items():
        late |= Q(urgency=urgency, created_at__lt=now - target)
    return Q(state__in=WAITING_STATES) & late


def by_urgency(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Most urgent first, then the earliest due (within one urgency, the oldest)."""
    rank = Case(
        *[When(urgency=u, then=Value(r)) for u, r in URGENCY_RANK.items()],
        default=Value(len(URGENCY_RANK)),
        output_field=IntegerField(),
    )
    return referrals.annotate(urgency_rank=rank).order_by("urgency_rank", "created_at", "pk")


def with_due_times(
    referrals, targets: dict[str, dt.timedelta], now: dt.datetime | None = None
) -> list[Referral]:
    """Set ``due_at``, ``is_waiting`` (no first contact yet, not closed) and ``is_overdue``
    on each referral, for the templates."""
    now = now or timezone.now()
    rows = list(referrals)
    for r in rows:
        r.due_at = due_at(r, targets)
        r.is_waiting = r.state in WAITING_STATES
        r.is_overdue = r.is_waiting and r.due_at < now
    return rows


def referral_list(referrals: QuerySet[Referral], organization, limit: int = 300) -> list:
    """A referral list: those still waiting for a first contact first, most urgent and
    earliest due at the top; then the others (in contact or closed), newest first."""
    targets = response_targets(organization)
    waiting = list(by_urgency(referrals.filter(state__in=WAITING_STATES))[:limit])
    rest = list(
        referrals.exclude(state__in=WAITING_STATES).order_by("-created_at", "-pk")[
            : max(limit - len(waiting), 0)
        ]
    )
    return with_due_times(waiting + rest, targets)


def names_visible_q_exists(user, organization) -> bool:
    """Whether the user holds a role that may see names somewhere in the organization
    (supervisor or clinician anywhere there, or a peer worker): decides whether the people
    list offers a name search at all."""
    from peerway.core.permissions import roles_anywhere_in

    return bool(roles_anywhere_in(user, organization) & (NAME_STAFF_ROLES | {Role.PEER_WORKER}))

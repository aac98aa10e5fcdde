"""Matching in the service: build the solver's input from the database, store its proposals,
and record a supervisor's decision and the worker's acceptance (docs/service.md).

The solver (``peerway.support.matching``) never sees a private attribute: workers'
identity attributes come from the workforce app with their visibility (matching only or
shared with the team); private ones are left out here. Stored reasons are the solver's
reason codes, which never name a matching-only value (see docs/matching.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.models import Membership, User
from peerway.core.roles import Role

from . import matching
from .models import (
    OPEN_STATES,
    ConsentPurpose,
    Match,
    MatchStatus,
    PeerRelationship,
    PersonStatus,
    Referral,
    ReferralEvent,
    ReferralState,
)
from .services import require_consent

# People a full-time peer worker supports at once, by default (the capacity planner's
# starting point, docs/capacity.md). A worker's capacity is this × their FTE.
CASELOAD_PER_FTE = Decimal("15")
VISIBILITY = {"matching": "matching_only", "team": "shared"}
ATTRIBUTE = {
    "experience": "lived_experience",
    "gender": "gender",
    "cultural_community": "cultural_community",
    "age_band": "age_band",
}


# Workers write their languages in words ("English, French"); people carry codes.
LANGUAGE_NAMES = {
    "english": "en",
    "anglais": "en",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "spanish": "es",
    "espagnol": "es",
    "español": "es",
    "arabic": "ar",
    "arabe": "ar",
    "chinese": "zh",
    "chinois": "zh",
    "mandarin": "zh",
    "cantonese": "zh",
    "punjabi": "pa",
    "pendjabi": "pa",
    "cree": "cr",
    "cri": "cr",
}


def language_code(text: str) -> str:
    folded = text.strip().casefold()
    return LANGUAGE_NAMES.get(folded, folded)


@dataclass(frozen=True)
class Proposal:
    matches: list[Match]
    unassigned: list[tuple[Referral, list[dict]]]


def _worker_memberships(organization) -> dict[int, list[Membership]]:
    grouped: dict[int, list[Membership]] = {}
    for m in Membership.objects.filter(
        organization=organization, role=Role.PEER_WORKER, user__is_active=True, team__isnull=False
    ).select_related("team", "user"):
        grouped.setdefault(m.user_id, []).append(m)
    return grouped


def solver_workers(organization) -> tuple[list[matching.Worker], dict[str, User]]:
    from peerway.workforce.models import DisclosedAttribute, WorkerProfile

    memberships = _worker_memberships(organization)
    profiles = {
        p.user_id: p
        for p in WorkerProfile.objects.filter(organization=organization, user_id__in=memberships)
    }
    open_counts = dict(
        PeerRelationship.objects.filter(worker_id__in=memberships, ended_on__isnull=True)
        .values_list("worker_id")
        .annotate(n=Count("pk"))
        .values_list("worker_id", "n")
    )
    attributes: dict[int, list[matching.WorkerAttribute]] = {}
    for attribute in DisclosedAttribute.objects.filter(
        profile__in=profiles.values(), visibility__in=list(VISIBILITY)
    ).select_related("profile"):
        name = ATTRIBUTE.get(attribute.kind)
        if name is None or not attribute.value:
            continue
        values = attribute.value.split(",") if name == "lived_experience" else [attribute.value]
        for value in (v.strip() for v in values):
            if value:
                attributes.setdefault(attribute.profile.user_id, []).append(
                    matching.WorkerAttribute(name, value, VISIBILITY[attribute.visibility])
                )
    workers, users = [], {}
    for user_id, ms in memberships.items():
        profile = profiles.get(user_id)
        fte = profile.fte if profile is not None and profile.fte else Decimal("1")
        capacity = int(CASELOAD_PER_FTE * fte) - open_counts.get(user_id, 0)
        languages = (
            tuple(language_code(x) for x in profile.language_list()) if profile is not None else ()
        )
        workers.append(
            matching.Worker(
                id=str(user_id),
                team_ids=tuple(sorted({str(m.team_id) for m in ms})),
                site_ids=tuple(sorted({str(m.team.site_id) for m in ms})),
                languages=languages or ("en",),
                remaining_capacity=max(capacity, 0),
                attributes=tuple(attributes.get(user_id, ())),
            )
        )
        users[str(user_id)] = ms[0].user
    return workers, users


def solver_referral(referral: Referral) -> matching.Referral:
    person = referral.person
    previous = (
        PeerRelationship.objects.filter(person=person, ended_on__isnull=False)
        .order_by("-ended_on")
        .values_list("worker_id", flat=True)
        .first()
    )
    return matching.Referral(
        id=str(referral.pk),
        team_id=str(referral.team_id),
        site_id=str(referral.team.site_id),
        language=person.language if person.language != "other" else None,
        preferences=tuple(
            matching.Preference(p.attribute, p.value, p.strength) for p in person.preferences.all()
        ),
        previous_worker_id=str(previous) if previous else None,
        conflict_worker_ids=tuple(
            str(w) for w in person.conflicts.values_list("worker_id", flat=True)
        ),
    )


def solver_referrals(referrals: list[Referral]) -> list[matching.Referral]:
    """``solver_referral`` for many referrals, in a fixed number of queries."""
    from .models import DeclaredConflict, PersonPreference

    referrals = list(
        Referral.objects.filter(pk__in=[r.pk for r in referrals])
        .select_related("person", "team")
        .order_by("pk")
    )
    people = {r.person_id for r in referrals}
    previous: dict[int, int] = {}
    for person_id, worker_id in (
        PeerRelationship.objects.filter(person_id__in=people, ended_on__isnull=False)
        .order_by("person_id", "-ended_on", "-pk")
        .values_list("person_id", "worker_id")
    ):
        previous.setdefault(person_id, worker_id)  # the latest ended relationship
    preferences: dict[int, list[matching.Preference]] = {}
    for p in PersonPreference.objects.filter(person_id__in=people):
        preferences.setdefault(p.person_id, []).append(
            matching.Preference(p.attribute, p.value, p.strength)
        )
    conflicts: dict[int, list[str]] = {}
    for person_id, worker_id in DeclaredConflict.objects.filter(person_id__in=people).values_list(
        "person_id", "worker_id"
    ):
        conflicts.setdefault(person_id, []).append(str(worker_id))
    return [
        matching.Referral(
            id=str(r.pk),
            team_id=str(r.team_id),
            site_id=str(r.team.site_id),
            language=r.person.language if r.person.language != "other" else None,
            preferences=tuple(preferences.get(r.person_id, ())),
            previous_worker_id=str(previous[r.person_id]) if r.person_id in previous else None,
            conflict_worker_ids=tuple(conflicts.get(r.person_id, ())),
        )
        for r in referrals
    ]


@transaction.atomic
def propose(*, actor: User, organization, referrals: Iterable[Referral]) -> Proposal:
    """Run the solver for these open referrals; store one proposed match per assignment
    (replacing earlier undecided proposals for them)."""
    # Locked and read again: a referral approved meanwhile is no longer open.
    referrals = list(
        Referral.objects.select_for_update().filter(pk__in=[r.pk for r in referrals]).order_by("pk")
    )
    for referral in referrals:
        if not actor.has_perm("support.manage_referrals", referral):
            raise PermissionDenied
        # Consent first: a referral waiting for it never reaches the solver.
        require_consent(referral)
        if referral.state not in OPEN_STATES:
            raise ValidationError({"referral": _("Only new or triaged referrals can be matched.")})
    workers, users = solver_workers(organization)
    solution = matching.solve(solver_referrals(referrals), workers)
    by_id = {str(r.pk): r for r in referrals}
    Match.objects.filter(referral__in=referrals, status=MatchStatus.PROPOSED).delete()
    matches = [
        Match.objects.create(
            referral=by_id[a.referral_id],
            worker=users[a.worker_id],
            score=a.score,
            reasons=[dict(r) for r in a.reasons],
        )
        for a in solution.assignments
    ]
    audit.record(
        actor=actor,
        action="support.matches_proposed",
        obj=organization,
        details={"referrals": len(referrals), "proposed": len(matches)},
    )
    return Proposal(
        matches, [(by_id[u.referral_id], [dict(r) for r in u.reasons]) for u in solution.unassigned]
    )


def _move(referral: Referral, state: str, actor: User, reason: str = "") -> None:
    referral.state = state
    referral.updated_at = timezone.now()
    referral.save(update_fields=["state", "updated_at"])
    ReferralEvent.objects.create(referral=referral, state=state, actor=actor, reason=reason)


def eligible_workers(referral: Referral) -> list[User]:
    """Peer workers a supervisor may pick by hand: those placed on the referral's team or
    at its site."""
    ids = Membership.objects.filter(
        Q(team=referral.team) | Q(team__site_id=referral.team.site_id),
        role=Role.PEER_WORKER,
        user__is_active=True,
    ).values_list("user_id", flat=True)
    conflicts = referral.person.conflicts.values_list("worker_id", flat=True)
    return list(User.objects.filter(pk__in=ids).exclude(pk__in=conflicts).order_by("display_name"))


@transaction.atomic
def approve(*, actor: User, match: Match, worker: User | None = None, reason: str = "") -> Match:
    """Approve a proposal, or edit it by choosing another worker (a reason is required).
    The referral is then offered to the person through that worker."""
    if not actor.has_perm("support.manage_referrals", match.referral):
        raise PermissionDenied
    # The referral first, then its match: the order ``propose`` locks them in too.
    referral = Referral.objects.select_for_update().get(pk=match.referral_id)
    match = Match.objects.select_for_update().get(pk=match.pk)
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError({"match": _("This proposal was already decided.")})
    require_consent(referral, field="match")
    if referral.state not in OPEN_STATES:
        raise ValidationError({"match": _("This referral is no longer waiting for a match.")})
    if worker is not None and worker.pk != match.worker_id:
        if worker not in eligible_workers(referral):
            raise ValidationError({"worker": _("Choose a peer worker of this team or site.")})
        if not reason.strip():
            raise ValidationError({"reason": _("Say why you chose another peer worker.")})
        match.worker = worker
        match.edited = True
        match.reasons = []  # the solver's reasons were about the worker it proposed
        match.score = None
    match.status = MatchStatus.APPROVED
    match.decided_by = actor
    match.decided_at = timezone.now()
    match.decision_reason = reason.strip()
    match.save()
    if referral.state == ReferralState.NEW:
        _move(referral, ReferralState.TRIAGED, actor)
    _move(referral, ReferralState.OFFERED, actor)
    audit.record(
        actor=actor,
        action="support.match_approved",
        obj=match.referral,
        details={"match": match.pk, "edited": match.edited},
    )
    return match


@transaction.atomic
def reject(*, actor: User, match: Match, reason: str) -> Match:
    if not actor.has_perm("support.manage_referrals", match.referral):
        raise PermissionDenied
    match = Match.objects.select_for_update().get(pk=match.pk)  # decided meanwhile?
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError({"match": _("This proposal was already decided.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    match.status = MatchStatus.REJECTED
    match.decided_by = actor
    match.decided_at = timezone.now()
    match.decision_reason = reason.strip()
    match.save()
    audit.record(
        actor=actor,
        action="support.match_rejected",
        obj=match.referral,
        details={"match": match.pk},
    )
    return match


def offers_for(user) -> list[Match]:
    """Approved matches waiting for this peer worker's answer."""
    return list(
        Match.objects.filter(
            worker=user, status=MatchStatus.APPROVED, referral__state=ReferralState.OFFERED
        ).select_related("referral__person", "referral__team")
    )


@transaction.atomic
def accept(*, actor: User, match: Match) -> PeerRelationship:
    """The worker takes the person on (after the person said yes to the offer)."""
    if match.worker_id != actor.pk or match.status != MatchStatus.APPROVED:
        raise PermissionDenied
    referral = Referral.objects.select_for_update().get(pk=match.referral_id)
    if referral.state != ReferralState.OFFERED:
        raise ValidationError({"match": _("This offer is no longer open.")})
    require_consent(referral, field="match")
    _move(referral, ReferralState.ACCEPTED, actor)
    relationship = PeerRelationship.objects.create(
        person=referral.person, worker=actor, referral=referral
    )
    person = referral.person
    person.status = PersonStatus.ACTIVE
    person.save(update_fields=["status", "name_index"])
    audit.record(
        actor=actor, action="support.offer_accepted", obj=referral, details={"match": match.pk}
    )
    return relationship


@transaction.atomic
def decline(*, actor: User, match: Match, reason: str) -> Referral:
    """The offer did not go ahead (the person or the worker declined), with the reason."""
    if match.worker_id != actor.pk or match.status != MatchStatus.APPROVED:
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    referral = Referral.objects.select_for_update().get(pk=match.referral_id)
    if referral.state != ReferralState.OFFERED:
        raise ValidationError({"match": _("This offer is no longer open.")})
    _move(referral, ReferralState.DECLINED, actor, reason.strip())
    audit.record(
        actor=actor, action="support.offer_declined", obj=referral, details={"match": match.pk}
    )
    return referral


def record_first_contact(*, actor: User, person) -> list[Referral]:
    """Called when a worker logs a contact: an accepted referral of the person moves to
    first contact and then active. If the person has since withdrawn their consent to
    receive peer support, the contact stays logged (it happened) but the referral does not
    move on; the hold is audited. Returns the referrals held."""
    return record_first_contacts(actor=actor, people=[person])


def record_first_contacts(*, actor: User, people) -> list[Referral]:
    """``record_first_contact`` for every person of one contact, their accepted referrals
    with the worker read (and locked) in one query."""
    from .selectors import has_consent

    held = []
    by_pk = {p.pk: p for p in people}
    for referral in (
        Referral.objects.select_for_update()
        .filter(person__in=list(by_pk), state=ReferralState.ACCEPTED, relationship__worker=actor)
        .order_by("pk")
    ):
        person = by_pk[referral.person_id]
        referral.person = person
        if not has_consent(person, ConsentPurpose.PEER_SUPPORT):
            held.append(referral)
            audit.record(
                actor=actor,
                action="support.first_contact_held",
                obj=referral,
                details={"reason": "no_consent"},
            )
            continue
        _move(referral, ReferralState.FIRST_CONTACT, actor)
        _move(referral, ReferralState.ACTIVE, actor)
    return held

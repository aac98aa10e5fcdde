"""Reads for contact logging: the caseload, contacts scoped to the reader, form defaults,
the activity choices of a team, and drift from the rollups."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from peerway.core.models import Organization, Team, User
from peerway.core.permissions import team_filter_for
from peerway.core.roles import Role
from peerway.planning import taxonomy
from peerway.planning.roles.selectors import approved_version_for_team, scope_codes
from peerway.support.models import Contact, ContactType, PeerRelationship, Person

TEAM_READER_ROLES = {Role.MANAGER, Role.SUPERVISOR, Role.CLINICIAN}
DEFAULT_MINUTES = 30


def caseload(user: User, organization: Organization) -> QuerySet[PeerRelationship]:
    """The user's open peer relationships, with the team where each can be logged."""
    peer_teams = Team.objects.filter(team_filter_for(user, {Role.PEER_WORKER})).values("pk")
    return (
        PeerRelationship.objects.filter(
            worker=user,
            ended_on__isnull=True,
            person__organization=organization,
            person__team__in=peer_teams,
        )
        .select_related("person__team__site")
        .order_by("person__team__name", "person__code")
    )


def caseload_people(user: User, team: Team) -> QuerySet[Person]:
    """People the user may log a contact with on a team: their open caseload there."""
    return Person.objects.filter(
        team=team, relationships__worker=user, relationships__ended_on__isnull=True
    ).distinct()


def last_contact_dates(user: User, people) -> dict[int, object]:
    rows = Contact.objects.filter(worker=user, people__in=people).values_list("people", "date")
    latest: dict[int, object] = {}
    for person_id, day in rows:
        if person_id not in latest or day > latest[person_id]:
            latest[person_id] = day
    return latest


def contacts_visible_q(user) -> Q:
    """Contacts the user may open: their own, and those of teams they read as staff."""
    staff = Team.objects.filter(team_filter_for(user, TEAM_READER_ROLES)).values("pk")
    return Q(worker=user) | Q(team__in=staff)


def get_contact(user: User, organization: Organization, pk: int) -> Contact:
    contact = (
        Contact.objects.filter(contacts_visible_q(user), organization=organization, pk=pk)
        .select_related("team__site__organization", "worker", "organization")
        .first()
    )
    if contact is None:
        raise Http404
    return contact


def history(person: Person) -> QuerySet[Contact]:
    """A person's contacts (the caller has checked ``contacts.view_history``)."""
    return (
        person.contacts.select_related("worker", "team__site", "organization")
        .prefetch_related("people")
        .order_by("-date", "-pk")
    )


def form_defaults(user: User) -> dict:
    """Today, the worker's last modality, setting and type, 30 minutes."""
    last = Contact.objects.filter(worker=user).order_by("-created_at", "-pk").first()
    defaults = {
        "date": timezone.localdate(),
        "duration_minutes": DEFAULT_MINUTES,
        "contact_type": ContactType.ONE_TO_ONE,
    }
    if last is not None:
        defaults.update(
            modality=last.modality, setting=last.setting, contact_type=last.contact_type
        )
    return defaults


@dataclass(frozen=True)
class ActivityChoices:
    in_scope: list[tuple[str, str]]
    out_of_scope: list[tuple[str, str]]
    approved: bool  # False: no approved role definition, the full taxonomy is offered
    version: object = None

    @property
    def codes(self) -> set[str]:
        return {c for c, _l in self.in_scope} | {c for c, _l in self.out_of_scope}


def activity_choices(team: Team, lang: str, keep: tuple[str, ...] = ()) -> ActivityChoices:
    """In-scope activities and out-of-scope tasks of the team's approved role definition
    (else the whole taxonomy, split by its default scope). ``keep``: codes already on a
    contact being corrected, offered even if the definition changed since."""
    version = approved_version_for_team(team)
    in_codes, out_codes = scope_codes(version, team.team_type)
    known = set(in_codes) | set(out_codes)
    extra = [c for c in keep if c not in known]
    return ActivityChoices(
        in_scope=[(c, taxonomy.label(c, lang)) for c in in_codes],
        out_of_scope=[(c, taxonomy.label(c, lang)) for c in [*out_codes, *extra]],
        approved=version is not None,
        version=version,
    )

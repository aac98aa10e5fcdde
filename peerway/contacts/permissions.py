"""Who may log, see and correct contacts (docs/permissions.md, docs/contacts.md).

Objects checked: a team (logging there), a person (their contact history), a contact.

- Log: a peer worker over the team (the people offered are their own caseload there).
- A person's contact history: the person's peer worker (caseload), and managers,
  supervisors and clinicians over the person's team. Evaluators and administrators never.
- A contact: its author, and managers, supervisors and clinicians over its team.
- Its note: the author, and the author's supervisors; clinicians over the team only while
  every person in the contact consents to sharing notes with the clinical team. Managers
  see contacts without notes.
- Correct or delete: the author alone, within the edit window.
"""

from __future__ import annotations

from datetime import timedelta

import rules
from django.conf import settings
from django.utils import timezone

from peerway.core.permissions import has_role_in_org, has_role_over, roles_over
from peerway.core.roles import Role
from peerway.support.permissions import in_caseload

DEFAULT_EDIT_WINDOW_HOURS = 72


def edit_window() -> timedelta:
    return timedelta(
        hours=getattr(settings, "PEERWAY_CONTACT_EDIT_HOURS", DEFAULT_EDIT_WINDOW_HOURS)
    )


def _is_contact(obj) -> bool:
    from peerway.support.models import Contact

    return isinstance(obj, Contact)


@rules.predicate
def is_author(user, contact=None) -> bool:
    return _is_contact(contact) and user.is_authenticated and contact.worker_id == user.pk


@rules.predicate
def within_edit_window(user, contact=None) -> bool:
    return _is_contact(contact) and timezone.now() - contact.created_at <= edit_window()


@rules.predicate
def is_authors_supervisor(user, contact=None) -> bool:
    """The worker's supervisors, as the workforce pages define them: those assigned on the
    worker's profile, or, when none is assigned, peer supervisors over one of the worker's
    teams. A supervisor over the contact's team counts too when none is assigned."""
    if not _is_contact(contact) or not user.is_authenticated:
        return False
    cache = user.__dict__.setdefault("_peerway_supervised", {})
    key = (contact.worker_id, contact.organization_id)
    if key not in cache:
        from peerway.workforce.selectors import load_worker, worker_supervisor_ids

        worker = load_worker(contact.worker, contact.organization)
        cache[key] = worker_supervisor_ids(worker)
    if user.pk in cache[key]:
        return True
    return not cache[key] and Role.SUPERVISOR in roles_over(user, contact.team)


@rules.predicate
def clinician_with_consent(user, contact=None) -> bool:
    """A clinician over the team, while every attendee consents to note sharing."""
    if not _is_contact(contact) or Role.CLINICIAN not in roles_over(user, contact.team):
        return False
    from peerway.support.selectors import has_consent

    people = list(contact.people.all())
    return bool(people) and all(has_consent(p, "share_notes") for p in people)


team_readers = has_role_over(Role.MANAGER, Role.SUPERVISOR, Role.CLINICIAN)
peer_over = has_role_over(Role.PEER_WORKER)

rules.add_perm("contacts.view_caseload", has_role_in_org(Role.PEER_WORKER))
rules.add_perm("contacts.log_contact", peer_over)
rules.add_perm("contacts.view_history", team_readers | (peer_over & in_caseload))
rules.add_perm("contacts.view_contact", is_author | team_readers)
rules.add_perm("contacts.read_note", is_author | is_authors_supervisor | clinician_with_consent)
rules.add_perm("contacts.change_contact", is_author & within_edit_window)

"""Two requests on the same contact at the same moment: the rollups still equal the raw
contacts afterwards, and a contact deleted twice is deleted (and audited) once.

Each writer is a thread with its own database connection; both load the contact first
(as a view does), wait at a barrier, then call the service together. The services lock
the contact's row and read its "before" state inside their transaction, so the second
writer waits for the first and works from its result.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peerway.contacts import rollups, services
from peerway.core.models import AuditEvent, User
from peerway.support.models import Contact, Person
from tests.concurrency import at_once

from .conftest import log
from .rollup_rows import daily_rows, monthly_rows, months_of

pytestmark = pytest.mark.django_db(transaction=True)

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def edit(contact_pk, actor_pk, **changes):
    def prepare():
        actor = User.objects.get(pk=actor_pk)
        contact = Contact.objects.get(pk=contact_pk)
        people = changes.pop("people", None)
        if people is not None:
            people = list(Person.objects.filter(pk__in=[p.pk for p in people]))
        return lambda: services.update_contact(
            actor=actor, contact=contact, people=people, **changes
        )

    return prepare


def delete(contact_pk, actor_pk):
    def prepare():
        actor = User.objects.get(pk=actor_pk)
        contact = Contact.objects.get(pk=contact_pk)
        return lambda: services.delete_contact(actor=actor, contact=contact)

    return prepare


def create(world, people, **overrides):
    def prepare():
        actor = User.objects.get(pk=world.peer_a.pk)
        chosen = list(Person.objects.filter(pk__in=[p.pk for p in people]))
        return lambda: log(world, chosen, actor=actor, **overrides)

    return prepare


def assert_rollups_equal_raw_contacts():
    incremental = (daily_rows(), monthly_rows())
    assert incremental[1] == months_of(incremental[0])
    rollups.rebuild()
    assert (daily_rows(), monthly_rows()) == incremental


def test_two_simultaneous_edits_of_one_contact_keep_rollups_equal_to_contacts(world, service):
    contact = log(world, [service.ana], duration_minutes=30)
    results = at_once(
        edit(contact.pk, world.peer_a.pk, duration_minutes=60, activities=["advocacy"]),
        edit(
            contact.pk,
            world.peer_a.pk,
            duration_minutes=45,
            date=YESTERDAY - dt.timedelta(days=40),
            people=[service.ana, service.ben],
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert_rollups_equal_raw_contacts()
    assert Contact.objects.get().duration_minutes in (60, 45)


def test_two_simultaneous_deletes_remove_the_contact_once(world, service):
    contact = log(world, [service.ana, service.ben], contact_type="group")
    log(world, [service.ana], duration_minutes=20)  # the day keeps another contact
    results = at_once(delete(contact.pk, world.peer_a.pk), delete(contact.pk, world.peer_a.pk))
    assert sorted(results) == [False, True]
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert AuditEvent.objects.filter(action="contacts.contact_deleted").count() == 1
    assert_rollups_equal_raw_contacts()
    assert daily_rows()  # the other contact is still counted


def test_an_edit_and_a_delete_at_once_never_bring_the_contact_back(world, service):
    contact = log(world, [service.ana])
    results = at_once(
        edit(contact.pk, world.peer_a.pk, duration_minutes=50, people=[service.ben]),
        delete(contact.pk, world.peer_a.pk),
    )
    edited, deleted = results
    assert deleted is True
    # Either the edit ran first (then the delete), or it found the contact gone.
    assert edited == ["duration_minutes", "people"] or isinstance(edited, ValidationError)
    assert not Contact.objects.exists()
    assert_rollups_equal_raw_contacts()
    assert daily_rows() == [] and monthly_rows() == []


def test_two_contacts_logged_at_once_on_a_new_day_share_one_rollup_row(world, service):
    day = YESTERDAY - dt.timedelta(days=3)
    results = at_once(
        create(world, [service.ana], date=day, duration_minutes=30),
        create(world, [service.ben], date=day, duration_minutes=40),
    )
    assert all(isinstance(r, Contact) for r in results)
    assert_rollups_equal_raw_contacts()
    totals = [row for row in daily_rows() if row[0] == day and row[3] == "*"]
    assert [(c, m, a) for *_key, c, m, a in totals] == [(2, 70, 2)]


def test_a_stale_edit_reads_the_contact_as_it_is_now(world, service):
    """Sequential version of the race: the object loaded earlier is out of date."""
    contact = log(world, [service.ana], duration_minutes=30)
    stale = Contact.objects.get(pk=contact.pk)
    services.update_contact(actor=world.peer_a, contact=contact, duration_minutes=90)
    assert services.update_contact(actor=world.peer_a, contact=stale, duration_minutes=90) == []
    assert_rollups_equal_raw_contacts()


def test_deleting_a_contact_already_deleted_changes_nothing(world, service):
    contact = log(world, [service.ana])
    stale = Contact.objects.get(pk=contact.pk)
    assert services.delete_contact(actor=world.peer_a, contact=contact) is True
    before = AuditEvent.objects.count()
    assert services.delete_contact(actor=world.peer_a, contact=stale) is False
    assert AuditEvent.objects.count() == before
    with pytest.raises(ValidationError) as exc:
        services.update_contact(actor=world.peer_a, contact=stale, duration_minutes=10)
    assert "deleted" in str(exc.value)
    assert daily_rows() == []

"""Logging, correcting and deleting contacts: validation by field, edit window, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from peerway.contacts import services
from peerway.contacts.models import ContactRollup
from peerway.core.models import AuditEvent
from peerway.support.models import Contact

from .conftest import NOTE, log


def test_peer_logs_a_group_contact_with_rollups_and_an_audit_event_without_the_note(world, service):
    contact = log(world, [service.ana, service.ben], contact_type="group", duration_minutes=45)
    assert set(contact.people.all()) == {service.ana, service.ben}
    assert contact.organization == world.org and contact.team == world.team_a
    assert Contact.objects.get(pk=contact.pk).note == NOTE
    totals = ContactRollup.objects.get(activity="*")
    assert (totals.contacts, totals.minutes, totals.attendances) == (1, 45, 2)
    event = AuditEvent.objects.get(action="contacts.contact_logged")
    assert event.object_id == str(contact.pk)
    assert "cedar" not in str(event.details)
    assert event.details["people"] == 2


def test_the_note_is_stored_encrypted(world, service):
    from django.db import connection

    contact = log(world, [service.ana])
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM support_contact WHERE id = %s", [contact.pk])
        raw = cursor.fetchone()[0]
    assert "cedar" not in raw


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 721}, "duration_minutes"),
        ({"date": timezone.localdate() + dt.timedelta(days=1)}, "date"),
        ({"activities": ["made_up_task"]}, "activities"),
        ({"activities": []}, "activities"),
        ({"modality": "carrier_pigeon"}, "modality"),
        ({"chime": ["luck"]}, "chime"),
    ],
)
def test_bad_input_is_named_by_field_and_nothing_is_written(world, service, overrides, field):
    with pytest.raises(ValidationError) as exc:
        log(world, [service.ana], **overrides)
    assert field in exc.value.message_dict
    assert not Contact.objects.exists()
    assert not ContactRollup.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="contacts.").exists()


def test_only_people_in_the_workers_caseload_on_the_team_can_attend(world, service):
    with pytest.raises(ValidationError) as exc:
        log(world, [service.cy])  # Quinn's person, team B
    assert "people" in exc.value.message_dict
    with pytest.raises(ValidationError):
        log(world, [])


@pytest.mark.parametrize("who", ["peer_b", "supervisor", "clinician", "evaluator", "admin"])
def test_only_a_peer_worker_over_the_team_can_log(world, service, who):
    with pytest.raises(PermissionDenied):
        log(world, [service.ana], actor=getattr(world, who))
    assert not Contact.objects.exists()


def test_author_corrects_within_the_window_and_the_audit_names_fields_only(world, service):
    contact = log(world, [service.ana])
    changed = services.update_contact(
        actor=world.peer_a,
        contact=contact,
        duration_minutes=60,
        note="A new private sentence about pottery",
    )
    assert changed == ["duration_minutes", "note"]
    event = AuditEvent.objects.get(action="contacts.contact_edited")
    assert event.details == {"fields": ["duration_minutes", "note"]}
    assert "pottery" not in str(event.details)
    assert ContactRollup.objects.get(activity="*").minutes == 60


def test_after_the_edit_window_the_contact_is_read_only(world, service, settings):
    settings.PEERWAY_CONTACT_EDIT_HOURS = 72
    contact = log(world, [service.ana])
    Contact.objects.filter(pk=contact.pk).update(created_at=timezone.now() - dt.timedelta(hours=73))
    contact.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.update_contact(actor=world.peer_a, contact=contact, duration_minutes=60)
    with pytest.raises(PermissionDenied):
        services.delete_contact(actor=world.peer_a, contact=contact)
    settings.PEERWAY_CONTACT_EDIT_HOURS = 100  # the window is configurable
    services.update_contact(actor=world.peer_a, contact=contact, duration_minutes=60)


def test_nobody_but_the_author_corrects_a_contact(world, service):
    contact = log(world, [service.ana])
    for user in (world.supervisor, world.manager, world.peer_b, world.clinician):
        with pytest.raises(PermissionDenied):
            services.update_contact(actor=user, contact=contact, duration_minutes=10)


def test_a_correction_with_bad_input_changes_nothing(world, service):
    contact = log(world, [service.ana])
    with pytest.raises(ValidationError) as exc:
        services.update_contact(actor=world.peer_a, contact=contact, duration_minutes=900)
    assert "duration_minutes" in exc.value.message_dict
    contact.refresh_from_db()
    assert contact.duration_minutes == 30
    assert not AuditEvent.objects.filter(action="contacts.contact_edited").exists()


def test_deleting_removes_the_contact_and_its_rollups(world, service):
    contact = log(world, [service.ana])
    services.delete_contact(actor=world.peer_a, contact=contact)
    assert not Contact.objects.exists()
    assert not ContactRollup.objects.exists()
    assert AuditEvent.objects.filter(action="contacts.contact_deleted").exists()


def test_a_person_who_left_the_caseload_stays_on_a_corrected_contact(world, service):
    from peerway.support.models import PeerRelationship

    contact = log(world, [service.ana])
    PeerRelationship.objects.filter(person=service.ana).update(ended_on=timezone.localdate())
    assert services.update_contact(actor=world.peer_a, contact=contact, duration_minutes=50) == [
        "duration_minutes"
    ]
    with pytest.raises(ValidationError):
        services.update_contact(actor=world.peer_a, contact=contact, people=[service.cy])

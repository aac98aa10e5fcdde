"""Contact screens: the caseload, the 30-second form, corrections, a person's history;
who may open what, who reads notes, and consent withdrawal hiding notes at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.support.models import ConsentRecord, Contact

from .conftest import NOTE, log


def caseload_url():
    return reverse("contacts:caseload", args=["northwind"])


def log_url(team, person=None):
    url = reverse("contacts:log", args=["northwind", team.pk])
    return f"{url}?person={person.pk}" if person else url


def history_url(person):
    return reverse("contacts:history", args=["northwind", person.pk])


def contact_url(contact, suffix=""):
    name = {"": "contacts:contact", "edit": "contacts:edit", "delete": "contacts:delete"}[suffix]
    return reverse(name, args=["northwind", contact.pk])


def form_data(people, **overrides):
    data = {
        "people": [str(p.pk) for p in people],
        "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "duration_minutes": "30",
        "modality": "phone",
        "setting": "remote",
        "contact_type": "phone_follow_up",
        "activities": ["coping_skills", "clerical_cover"],
        "chime": ["hope"],
        "note": NOTE,
    }
    data.update(overrides)
    return data


def test_caseload_lists_the_workers_people_with_a_log_link(world, service, login):
    page = login(world.peer_a).get(caseload_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "P-ANA2345" in html and "P-BEN2345" in html
    assert "P-CYY2345" not in html  # Quinn's person
    assert log_url(world.team_a, service.ana).replace("&", "&amp;") in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("supervisor", 403),
        ("clinician", 403),
        ("evaluator", 403),
        ("admin", 403),
        ("outsider", 404),
    ],
)
def test_caseload_is_for_peer_workers(world, service, login, who, status):
    assert login(getattr(world, who)).get(caseload_url()).status_code == status


def test_form_opens_with_sensible_defaults(world, service, approved_role, login):
    client = login(world.peer_a)
    page = client.get(log_url(world.team_a, service.ana))
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["duration_minutes"] == 30
    assert form.initial["date"] == timezone.localdate()
    assert form.initial["people"] == [str(service.ana.pk)]
    html = page.content.decode()
    assert "Outside the peer role (counts toward drift)" in html
    assert "Clerical cover" in html or "clerical_cover" in html
    assert "From the approved peer role definition of this team." in html
    assert 'data-peerway-draft="peerway-draft:contact:' in html
    # The last contact's modality, setting and type become the next defaults.
    log(world, [service.ben], modality="video", setting="remote", contact_type="phone_follow_up")
    form = client.get(log_url(world.team_a, service.ana)).context["form"]
    assert (form.initial["modality"], form.initial["setting"]) == ("video", "remote")
    assert form.initial["contact_type"] == "phone_follow_up"


def test_without_an_approved_role_the_full_taxonomy_is_offered_and_said(world, service, login):
    html = login(world.peer_a).get(log_url(world.team_a, service.ana)).content.decode()
    assert "has no approved peer role definition yet" in html


def test_peer_logs_a_contact_and_returns_to_the_caseload(world, service, login):
    client = login(world.peer_a)
    response = client.post(log_url(world.team_a, service.ana), form_data([service.ana]))
    assert response.status_code == 302
    assert response["Location"].startswith(caseload_url())
    contact = Contact.objects.get()
    assert contact.activities == ["clerical_cover", "coping_skills"]
    assert contact.note == NOTE
    # The caseload page tells the draft script to forget the draft.
    html = client.get(caseload_url()).content.decode()
    assert "data-peerway-clear-draft=" in html


def test_peer_logs_a_group_session_with_several_attendees(world, service, login):
    client = login(world.peer_a)
    page = client.get(log_url(world.team_a))
    assert page.context["form"].initial["contact_type"] == "group"
    data = form_data([service.ana, service.ben], contact_type="group", modality="in_person")
    assert client.post(log_url(world.team_a), data).status_code == 302
    assert Contact.objects.get().people.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_minutes", "0", "Enter a duration from 1 to 720 minutes."),
        ("duration_minutes", "721", "Enter a duration from 1 to 720 minutes."),
        ("date", "2999-01-01", "The date cannot be in the future."),
        ("activities", ["made_up_task"], "Unknown activity: made_up_task."),
    ],
)
def test_bad_input_is_named_by_field(world, service, login, field, value, message):
    response = login(world.peer_a).post(
        log_url(world.team_a, service.ana), form_data([service.ana], **{field: value})
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert "Nothing was saved. Please correct:" in html
    assert message in html
    assert not Contact.objects.exists()


def test_bad_input_is_named_in_french(world, service, login):
    client = login(world.peer_a)
    client.cookies["django_language"] = "fr-ca"
    response = client.post(
        log_url(world.team_a, service.ana),
        form_data([service.ana], duration_minutes="0"),
        HTTP_ACCEPT_LANGUAGE="fr-CA",
    )
    html = response.content.decode()
    assert 'lang="fr-CA"' in html
    assert "Durée" in html or "minutes" in html
    assert "Enter a duration from 1 to 720 minutes." not in html


def test_a_person_outside_the_caseload_cannot_be_slipped_in(world, service, login):
    response = login(world.peer_a).post(
        log_url(world.team_a, service.ana), form_data([service.ana, service.cy])
    )
    assert response.status_code == 200
    assert "people" in response.context["form"].errors
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("peer_b", 404),  # another team's peer: the team is not theirs to see
        ("supervisor", 403),
        ("clinician", 403),
        ("manager", 403),
        ("evaluator", 403),
        ("admin", 403),
        ("outsider", 404),
    ],
)
def test_only_the_teams_peer_workers_open_the_log_form(world, service, login, who, status):
    client = login(getattr(world, who))
    assert client.get(log_url(world.team_a, service.ana)).status_code == status
    assert client.post(log_url(world.team_a), form_data([service.ana])).status_code == status
    assert not Contact.objects.exists()


def test_correction_within_the_window_then_read_only(world, service, login):
    contact = log(world, [service.ana])
    client = login(world.peer_a)
    assert client.get(contact_url(contact, "edit")).status_code == 200
    data = form_data([service.ana], duration_minutes="45")
    assert client.post(contact_url(contact, "edit"), data).status_code == 302
    contact.refresh_from_db()
    assert contact.duration_minutes == 45
    event = AuditEvent.objects.get(action="contacts.contact_edited")
    assert "duration_minutes" in event.details["fields"]
    Contact.objects.filter(pk=contact.pk).update(created_at=timezone.now() - dt.timedelta(days=4))
    assert client.get(contact_url(contact, "edit")).status_code == 403
    assert client.post(contact_url(contact, "delete")).status_code == 403
    page = client.get(contact_url(contact))
    assert "The correction window has closed" in page.content.decode()


@pytest.mark.parametrize("who", ["peer_b", "supervisor", "manager", "clinician"])
def test_nobody_else_corrects_or_deletes(world, service, login, who):
    contact = log(world, [service.ana])
    client = login(getattr(world, who))
    assert client.get(contact_url(contact, "edit")).status_code in (403, 404)
    assert client.post(contact_url(contact, "delete")).status_code in (403, 404)
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_author_deletes_within_the_window(world, service, login):
    contact = log(world, [service.ana])
    assert login(world.peer_a).post(contact_url(contact, "delete")).status_code == 302
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("who", "status", "sees_note"),
    [
        ("peer_a", 200, True),  # the author
        ("supervisor", 200, True),  # the author's supervisor
        ("clinician", 200, True),  # over the team, Ana consents
        ("manager", 200, False),  # contacts without notes
        ("peer_b", 404, False),
        ("evaluator", 404, False),
        ("admin", 404, False),
        ("outsider", 404, False),
    ],
)
def test_who_reads_a_persons_contact_history_and_notes(
    world, service, login, who, status, sees_note
):
    log(world, [service.ana])
    response = login(getattr(world, who)).get(history_url(service.ana))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert (NOTE in html) is sees_note
        assert "Hope and role modelling" in html
        event = AuditEvent.objects.filter(action="contacts.history_viewed").last()
        assert event.object_id == str(service.ana.pk)
        assert event.actor_id == getattr(world, who).pk


def test_every_view_of_a_history_and_a_contact_is_audited(world, service, login):
    contact = log(world, [service.ana])
    client = login(world.supervisor)
    client.get(history_url(service.ana))
    client.get(history_url(service.ana))
    client.get(contact_url(contact))
    assert AuditEvent.objects.filter(action="contacts.history_viewed").count() == 2
    assert AuditEvent.objects.filter(action="contacts.contact_viewed").count() == 1


def test_withdrawing_note_sharing_hides_notes_from_clinicians_at_once(world, service, login):
    contact = log(world, [service.ana])
    client = login(world.clinician)
    assert NOTE in client.get(contact_url(contact)).content.decode()
    ConsentRecord.objects.create(
        person=service.ana, purpose="share_notes", given=False, decided_on=timezone.localdate()
    )
    assert NOTE not in client.get(contact_url(contact)).content.decode()
    assert NOTE not in client.get(history_url(service.ana)).content.decode()
    # The author and the supervisor still read it.
    assert NOTE in login(world.peer_a).get(contact_url(contact)).content.decode()
    assert NOTE in login(world.supervisor).get(contact_url(contact)).content.decode()


def test_a_group_note_reaches_clinicians_only_if_every_attendee_consents(world, service, login):
    contact = log(world, [service.ana, service.ben], contact_type="group")
    assert NOTE not in login(world.clinician).get(contact_url(contact)).content.decode()
    ConsentRecord.objects.create(
        person=service.ben, purpose="share_notes", given=True, decided_on=timezone.localdate()
    )
    assert NOTE in login(world.clinician).get(contact_url(contact)).content.decode()


def test_a_peer_sees_their_caseload_persons_history_but_not_another_workers_notes(
    world, service, login
):
    from peerway.support.models import PeerRelationship

    PeerRelationship.objects.create(person=service.cy, worker=world.peer_a)
    contact = log(world, [service.cy], actor=world.peer_b, team=world.team_b)
    # Pat is not on team B: not a peer over Cy's team, so no history there.
    assert login(world.peer_a).get(history_url(service.cy)).status_code in (403, 404)
    assert login(world.peer_a).get(contact_url(contact)).status_code == 404


def test_french_caseload_and_form(world, service, login):
    client = login(world.peer_a)
    client.cookies["django_language"] = "fr-ca"
    html = client.get(log_url(world.team_a, service.ana)).content.decode()
    assert 'lang="fr-CA"' in html
    assert "Espoir et modèle de rétablissement" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("peer_a", 200),
        ("supervisor", 200),
        ("manager", 200),
        ("clinician", 200),
        ("peer_b", 404),
        ("evaluator", 404),
        ("admin", 404),
        ("outsider", 404),
    ],
)
def test_who_opens_a_single_contact(world, service, login, who, status):
    contact = log(world, [service.ana])
    response = login(getattr(world, who)).get(contact_url(contact))
    assert response.status_code == status
    viewed = AuditEvent.objects.filter(action="contacts.contact_viewed")
    assert viewed.count() == (1 if status == 200 else 0)
    if status == 200:
        assert "P-ANA2345" in response.content.decode()


def test_history_sorts_filters_and_downloads_without_notes(world, service, approved_role, login):
    log(world, [service.ana], modality="phone", note="=1+1")
    log(world, [service.ana], date=timezone.localdate() - dt.timedelta(days=5))
    client = login(world.peer_a)
    base = f"/o/{world.org.slug}/contacts/people/{service.ana.pk}/"
    page = client.get(base + "?sort=date").content.decode()
    assert 'aria-sort="ascending"' in page and NOTE in page
    page = client.get(base + "?modality=phone")
    assert [c.modality for c in page.context["table"].data] == ["phone"]
    response = client.get(base + "?format=csv")
    body = response.content.decode()
    assert body.splitlines()[0].startswith("Date,Peer worker,Type of contact,How,Where")
    assert NOTE not in body and "=1+1" not in body
    assert len(body.splitlines()) == 3
    assert AuditEvent.objects.filter(action="contacts.history_exported").exists()
    # Another team's peer worker cannot open the history, nor its CSV.
    assert login(world.peer_b).get(base + "?format=csv").status_code in (403, 404)

"""Every page that shows a person's record, or a worker's protected record, writes a read
event; the declaration sits on the view's permission line (peerway.core.access)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils import timezone

from peerway.contacts import services as contact_services
from peerway.core.access import requires
from peerway.core.models import AuditEvent
from peerway.recovery import services as recovery_services
from peerway.support.models import (
    ConsentRecord,
    PeerRelationship,
    Person,
    Referral,
    ReferralSource,
)
from peerway.workforce import selectors as workforce_selectors
from peerway.workforce import services as workforce_services


@pytest.fixture
def records(world):
    """Robin, supported by Pat (peer_a) on team A for 100 days, with one contact and a
    recovery plan; one supervision session of Pat's."""
    robin = Person.objects.create(
        organization=world.org, team=world.team_a, name="Robin Example", created_by=world.clinician
    )
    PeerRelationship.objects.create(
        person=robin, worker=world.peer_a, started_on=timezone.localdate() - dt.timedelta(days=100)
    )
    ConsentRecord.objects.create(
        person=robin, purpose="share_notes", given=True, decided_on=timezone.localdate()
    )
    contact = contact_services.log_contact(
        actor=world.peer_a,
        team=world.team_a,
        people=[robin],
        date=timezone.localdate() - dt.timedelta(days=1),
        duration_minutes=30,
        modality="in_person",
        setting="hospital",
        contact_type="one_to_one",
        activities=["hope_role_modelling"],
        chime=["hope"],
        note="Talked about the walking group",
    )
    [session] = workforce_services.log_supervision(
        actor=world.supervisor,
        workers=[workforce_selectors.load_worker(world.peer_a, world.org)],
        session=workforce_services.SessionInput(
            session_type="peer_practice",
            date=timezone.localdate() - dt.timedelta(days=2),
            duration_minutes=60,
            topics=["boundaries"],
            notes="A boundary with a former neighbour",
        ),
    )
    referral = Referral.objects.create(
        person=robin, team=world.team_a, source=ReferralSource.values[0], referred_by=world.manager
    )
    plan = recovery_services.start_plan(actor=world.peer_a, person=robin, co_produced=True)
    return {
        "robin": robin,
        "contact": contact,
        "session": session,
        "plan": plan,
        "referral": referral,
    }


def read_pages(world, records):
    """(viewer, address, read event, record type, record id): the pages the probe found
    unaudited, and the person pages that were audited by hand before."""
    slug = world.org.slug
    robin, contact, session = records["robin"], records["contact"], records["session"]
    peer = world.peer_a.pk
    return [
        ("peer_a", f"/o/{slug}/contacts/{contact.pk}/edit/", "contacts.contact_edit_viewed",
         "support.contact", contact.pk),
        ("peer_a", f"/o/{slug}/contacts/{contact.pk}/", "contacts.contact_viewed",
         "support.contact", contact.pk),
        ("peer_a", f"/o/{slug}/contacts/people/{robin.pk}/", "contacts.history_viewed",
         "support.person", robin.pk),
        ("supervisor", f"/o/{slug}/workforce/supervision/{session.pk}/",
         "workforce.supervision_notes_viewed", "workforce.supervisionsession", session.pk),
        ("manager", f"/o/{slug}/workforce/people/{peer}/employment/",
         "workforce.employment_viewed", "core.user", peer),
        ("manager", f"/o/{slug}/workforce/staff/{peer}/training/", "workforce.training_viewed",
         "core.user", peer),
        ("manager", f"/o/{slug}/workforce/people/{peer}/", "workforce.profile_viewed",
         "core.user", peer),
        ("manager", f"/o/{slug}/people/{peer}/", "core.member_viewed", "core.user", peer),
        ("peer_a", f"/o/{slug}/supported/{robin.pk}/", "support.person_viewed",
         "support.person", robin.pk),
        ("peer_a", f"/o/{slug}/supported/{robin.pk}/edit/", "support.person_edit_viewed",
         "support.person", robin.pk),
        ("peer_a", f"/o/{slug}/outcomes/people/{robin.pk}/give/phq9/3/", "outcomes.form_viewed",
         "support.person", robin.pk),
        ("peer_a", f"/o/{slug}/outcomes/people/{robin.pk}/", "outcomes.person_viewed",
         "support.person", robin.pk),
        ("peer_a", f"/o/{slug}/recovery/people/{robin.pk}/plan/", "recovery.plan_viewed",
         "recovery.recoveryplan", records["plan"].pk),
        ("peer_a", f"/o/{slug}/recovery/people/{robin.pk}/plan/print/", "recovery.plan_printed",
         "recovery.recoveryplan", records["plan"].pk),
        ("peer_a", f"/o/{slug}/recovery/people/{robin.pk}/plan/goals/new/",
         "recovery.goal_form_viewed", "support.person", robin.pk),
        ("manager", f"/o/{slug}/referrals/{records['referral'].pk}/", "support.referral_viewed",
         "support.referral", records["referral"].pk),
        ("manager", f"/o/{slug}/hospital/people/{robin.pk}/hospital-id/",
         "hospital.hospital_id_form_viewed", "support.person", robin.pk),
        ("manager", f"/o/{slug}/workforce/teams/{world.team_a.pk}/",
         "workforce.team_profiles_viewed", "core.team", world.team_a.pk),
        ("manager", f"/o/{slug}/workforce/teams/{world.team_a.pk}/compliance/",
         "workforce.compliance_viewed", "core.team", world.team_a.pk),
        ("manager", f"/o/{slug}/dashboards/teams/{world.team_a.pk}/",
         "indicators.dashboard_viewed", "core.team", world.team_a.pk),
        ("manager", f"/o/{slug}/dashboards/sites/{world.north.pk}/",
         "indicators.dashboard_viewed", "core.site", world.north.pk),
        # Recorded by the view itself, naming the worker in its details.
        ("manager", f"/o/{slug}/dashboards/workers/{peer}/",
         "indicators.worker_dashboard_viewed", "core.organization", world.org.pk),
    ]  # fmt: skip


def test_each_page_showing_a_record_writes_one_read_event(world, records, login):
    for who, url, action, object_type, object_id in read_pages(world, records):
        viewer = getattr(world, who)
        before = AuditEvent.objects.filter(action=action).count()
        response = login(viewer).get(url)
        assert response.status_code == 200, (who, url, response.status_code)
        events = list(AuditEvent.objects.filter(action=action).order_by("sequence")[before:])
        assert len(events) == 1, f"{url}: expected one {action} event, found {len(events)}"
        assert events[0].actor_id == viewer.pk, url
        assert (events[0].object_type, events[0].object_id) == (object_type, str(object_id)), url


def test_a_refused_or_missing_page_writes_no_read_event(world, records, login):
    slug = world.org.slug
    contact = records["contact"]
    # Another team's peer worker may not open the contact; an outsider is told it does not exist.
    assert login(world.peer_b).get(f"/o/{slug}/contacts/{contact.pk}/edit/").status_code in {
        403,
        404,
    }
    assert login(world.evaluator).get(f"/o/{slug}/people/{world.peer_a.pk}/").status_code == 403
    assert login(world.peer_a).get(f"/o/{slug}/contacts/999999/edit/").status_code == 404
    assert not AuditEvent.objects.filter(
        action__in=["contacts.contact_edit_viewed", "core.member_viewed"]
    ).exists()


def test_submitting_a_form_is_audited_as_the_write_not_as_a_read(world, records, login):
    robin = records["robin"]
    login(world.peer_a).post(f"/o/{world.org.slug}/supported/{robin.pk}/edit/", {})
    assert not AuditEvent.objects.filter(action="support.person_edit_viewed").exists()


def test_a_view_that_forgets_to_declare_still_audits_a_record_it_shows(world, records):
    """The safety net: a record-loading view without audit_read or no_record records
    ``<app>.<model>_viewed`` rather than nothing."""
    robin = records["robin"]

    @requires("support.view_person", obj=lambda request, pk: robin)
    def forgetful(request, pk):
        from django.http import HttpResponse

        return HttpResponse("Robin Example")

    request = RequestFactory().get("/anything/")
    request.user = world.peer_a
    assert forgetful(request, pk=robin.pk).status_code == 200
    event = AuditEvent.objects.get(action="support.person_viewed")
    assert (event.object_type, event.object_id) == ("support.person", str(robin.pk))

    request.user = world.outsider
    with pytest.raises(PermissionDenied):
        forgetful(request, pk=robin.pk)
    assert AuditEvent.objects.filter(action="support.person_viewed").count() == 1


def test_a_view_cannot_both_audit_and_declare_it_shows_no_record():
    with pytest.raises(ValueError):
        requires("support.view_person", audit_read="x.viewed", no_record="nothing")
    with pytest.raises(ValueError):
        requires("support.view_person", no_record="  ")

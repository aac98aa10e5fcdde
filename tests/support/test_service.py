"""People supported, consent, referrals and matching: the happy paths and the denials."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from peerway.core.models import AuditEvent, Membership
from peerway.core.roles import Role
from peerway.support import matching_service, selectors, services
from peerway.support.models import (
    ConsentPurpose,
    Match,
    PeerRelationship,
    Person,
    Referral,
    ReferralEvent,
    ReferralState,
)
from peerway.workforce.models import DisclosedAttribute, WorkerProfile


def refer_data(world, **kw):
    data = {
        "team": str(world.team_a.pk),
        "source": "clinician",
        "urgency": "routine",
        "reason": "Third admission this year; asks for someone who has been there.",
        "name": "Ariane Fortier",
        "year_of_birth": "1984",
        "language": "fr",
        "consent_given": "on",
    }
    data.update(kw)
    return data


def url(world, rest):
    return f"/o/{world.org.slug}/{rest}"


def refer(world, user=None, team=None, **kw):
    """A referral of someone who agreed to be contacted (unless told otherwise)."""
    return services.create_referral(
        actor=user or world.clinician,
        team=team or world.team_a,
        source=kw.pop("source", "clinician"),
        reason=kw.pop("reason", "Needs support after discharge"),
        consent_given=kw.pop("consent_given", True),
        **kw,
    )


# --- referring ----------------------------------------------------------------------------


def test_a_clinician_refers_in_one_step_and_the_name_is_only_stored_encrypted(world, login):
    response = login(world.clinician).post(url(world, "refer/"), refer_data(world))
    assert response.status_code == 302
    referral = Referral.objects.get()
    person = referral.person
    assert person.code.startswith("P-") and person.name == "Ariane Fortier"
    assert (referral.state, referral.referred_by, person.language) == ("new", world.clinician, "fr")
    assert ReferralEvent.objects.get(referral=referral).state == "new"
    assert selectors.has_consent(person, ConsentPurpose.PEER_SUPPORT)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, reason FROM support_person p JOIN support_referral r "
            "ON r.person_id = p.id"
        )
        stored_name, stored_reason = cursor.fetchone()
    assert "Ariane" not in stored_name and "admission" not in stored_reason
    details = str(list(AuditEvent.objects.values_list("details", flat=True)))
    assert "Ariane" not in details and "admission" not in details


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("year_of_birth", "1800", "Enter a year between 1900 and this year"),
        ("team", "999999", "Select a valid choice"),
        ("reason", "", "This field is required"),
        ("urgency", "whenever", "Select a valid choice"),
    ],
)
def test_bad_referrals_name_the_field_and_write_nothing(world, login, field, value, message):
    page = login(world.clinician).post(url(world, "refer/"), refer_data(world, **{field: value}))
    assert page.status_code == 200 and message in page.content.decode()
    assert not Person.objects.exists() and not Referral.objects.exists()


def test_a_clinician_cannot_refer_to_a_team_outside_their_places(world, login):
    page = login(world.clinician).post(
        url(world, "refer/"), refer_data(world, team=str(world.team_c.pk))
    )
    assert "Select a valid choice" in page.content.decode()
    assert not Referral.objects.exists()


def test_peer_workers_record_self_and_family_referrals_only(world, login):
    client = login(world.peer_a)
    page = client.post(url(world, "refer/"), refer_data(world, source="clinician"))
    assert "Select a valid choice" in page.content.decode()
    assert client.post(url(world, "refer/"), refer_data(world, source="self")).status_code == 302
    assert Referral.objects.get().referred_by is None


@pytest.mark.parametrize("who", ["evaluator", "admin"])
def test_evaluators_and_admins_have_no_service_screens(world, login, who):
    client = login(getattr(world, who))
    for rest in ("refer/", "supported/", "referrals/", "matching/"):
        assert client.get(url(world, rest)).status_code == 403


# --- seeing people ------------------------------------------------------------------------


def test_who_opens_a_person_and_every_view_is_audited(world, login):
    person = refer(world).person
    target = url(world, f"supported/{person.pk}/")
    assert login(world.clinician).get(target).status_code == 200
    assert login(world.supervisor).get(target).status_code == 200
    assert login(world.manager).get(target).status_code == 200
    assert AuditEvent.objects.filter(action="support.person_viewed").count() == 3
    assert login(world.peer_a).get(target).status_code == 404  # not in their caseload
    assert login(world.peer_b).get(target).status_code == 404  # another team
    assert login(world.site_manager).get(target).status_code == 404
    assert login(world.outsider).get(target).status_code == 404
    assert login(world.evaluator).get(target).status_code == 404
    PeerRelationship.objects.create(person=person, worker=world.peer_a)
    assert login(world.peer_a).get(target).status_code == 200


def test_exact_name_search_goes_through_the_blind_index(world, login):
    refer(world, name="Élodie Martin")
    refer(world, name="Someone Else")
    assert list(selectors.find_by_name(world.clinician, world.org, "elodie MARTIN")) == [
        Person.objects.get(name_index=Person.name_lookup("Élodie Martin"))
    ]
    assert not selectors.find_by_name(world.clinician, world.org, "Élodie").exists()
    page = login(world.clinician).get(url(world, "supported/?q=%C3%A9lodie+martin"))
    assert "People supported · 1 row<" in page.content.decode()


# --- consent --------------------------------------------------------------------------------


def test_withdrawing_consent_takes_effect_at_once(world, login):
    person = refer(world, consent_given=False).person
    services.record_consent(actor=world.clinician, person=person, purpose="evaluation", given=True)
    assert person in Person.objects.filter(selectors.consenting_people_q("evaluation"))
    login(world.clinician).post(
        url(world, f"supported/{person.pk}/consent/"),
        {"purpose": "evaluation", "given": "no", "decided_on": timezone.localdate().isoformat()},
    )
    assert not selectors.has_consent(person, "evaluation")
    assert person not in Person.objects.filter(selectors.consenting_people_q("evaluation"))
    assert person.consents.count() == 2  # history kept
    # A "given" dated before the withdrawal does not override it.
    services.record_consent(
        actor=world.clinician,
        person=person,
        purpose="evaluation",
        given=True,
        decided_on=timezone.localdate() - timedelta(days=30),
    )
    assert not selectors.has_consent(person, "evaluation")
    page = login(world.clinician).post(
        url(world, f"supported/{person.pk}/consent/"),
        {"purpose": "evaluation", "given": "yes", "decided_on": "2999-01-01"},
        follow=True,
    )
    assert "cannot be in the future" in page.content.decode()
    assert person.consents.count() == 3


# --- referral states ------------------------------------------------------------------------


def test_referrals_move_only_along_allowed_states_with_reasons(world, login):
    referral = refer(world)
    client = login(world.supervisor)
    target = url(world, f"referrals/{referral.pk}/move/")
    page = client.post(target, {"state": "active"}, follow=True)
    assert "cannot go from" in page.content.decode()
    page = client.post(target, {"state": "closed", "reason": ""}, follow=True)
    assert "Give the reason" in page.content.decode()
    client.post(target, {"state": "triaged"})
    referral.refresh_from_db()
    assert referral.state == "triaged"
    assert list(referral.events.values_list("state", flat=True)) == ["new", "triaged"]
    assert (
        login(world.clinician).post(target, {"state": "closed", "reason": "x"}).status_code == 403
    )


def test_a_clinician_follows_their_referrals(world, login):
    refer(world)
    page = login(world.clinician).get(url(world, "referrals/?mine=1")).content.decode()
    assert "New" in page and Referral.objects.get().person.code in page


# --- matching -------------------------------------------------------------------------------


def profile(world, user, **attributes):
    p = WorkerProfile.objects.create(organization=world.org, user=user, languages="English, French")
    for kind, (value, visibility) in attributes.items():
        DisclosedAttribute.objects.create(profile=p, kind=kind, value=value, visibility=visibility)
    return p


def test_matching_proposes_approves_and_the_worker_accepts(world, login):
    second = world.peer_b
    Membership.objects.create(
        user=second, role=Role.PEER_WORKER, organization=world.org, team=world.team_a
    )
    profile(world, world.peer_a, experience=("substance_use", "matching"))
    profile(world, second, experience=("mental_health", "private"))
    referral = refer(
        world, preferences={"lived_experience": ("substance_use", "preferred")}, language="fr"
    )
    client = login(world.supervisor)
    client.post(url(world, "matching/"), {"referral": [referral.pk]})
    match = Match.objects.get()
    assert match.worker == world.peer_a and match.status == "proposed"
    page = client.get(url(world, "matching/")).content.decode()
    assert "matches a preference you recorded" in page
    assert "substance" not in page.lower()  # a matching-only value is never named
    client.post(url(world, f"matches/{match.pk}/decide/"), {"decision": "approve"})
    referral.refresh_from_db()
    assert referral.state == "offered"
    assert [m.pk for m in matching_service.offers_for(world.peer_a)] == [match.pk]
    peer = login(world.peer_a)
    assert "people offered" in peer.get(url(world, "offers/")).content.decode().lower()
    peer.post(url(world, f"matches/{match.pk}/answer/"), {"answer": "accept"})
    referral.refresh_from_db()
    assert referral.state == "accepted"
    relationship = PeerRelationship.objects.get()
    assert (relationship.worker, relationship.person.status) == (world.peer_a, "active")
    assert peer.get(url(world, f"supported/{referral.person.pk}/")).status_code == 200
    matching_service.record_first_contact(actor=world.peer_a, person=referral.person)
    referral.refresh_from_db()
    assert referral.state == ReferralState.ACTIVE


def test_a_private_attribute_is_never_used_for_matching(world):
    profile(world, world.peer_a, experience=("substance_use", "private"))
    workers, _users = matching_service.solver_workers(world.org)
    assert all(not w.attributes for w in workers)


def test_changing_the_proposed_worker_or_rejecting_needs_a_reason(world, login):
    Membership.objects.create(
        user=world.peer_b, role=Role.PEER_WORKER, organization=world.org, team=world.team_a
    )
    referral = refer(world)
    client = login(world.supervisor)
    client.post(url(world, "matching/"), {"referral": [referral.pk]})
    match = Match.objects.get()
    other = world.peer_b if match.worker == world.peer_a else world.peer_a
    page = client.post(
        url(world, f"matches/{match.pk}/decide/"),
        {"decision": "approve", "worker": other.pk},
        follow=True,
    )
    assert "Say why you chose another peer worker" in page.content.decode()
    page = client.post(
        url(world, f"matches/{match.pk}/decide/"), {"decision": "reject"}, follow=True
    )
    assert "Give the reason" in page.content.decode()
    match.refresh_from_db()
    assert match.status == "proposed"
    client.post(
        url(world, f"matches/{match.pk}/decide/"),
        {"decision": "approve", "worker": other.pk, "reason": "Continuity with family"},
    )
    match.refresh_from_db()
    assert (match.worker, match.edited, match.status) == (other, True, "approved")


def test_only_leads_match_and_only_the_offered_worker_answers(world, login):
    referral = refer(world)
    assert login(world.clinician).get(url(world, "matching/")).status_code == 403
    assert (
        login(world.peer_a).post(url(world, "matching/"), {"referral": [referral.pk]}).status_code
        == 403
    )
    login(world.supervisor).post(url(world, "matching/"), {"referral": [referral.pk]})
    match = Match.objects.get()
    assert (
        login(world.peer_a)
        .post(url(world, f"matches/{match.pk}/decide/"), {"decision": "approve"})
        .status_code
        == 403
    )
    login(world.supervisor).post(url(world, f"matches/{match.pk}/decide/"), {"decision": "approve"})
    assert (
        login(world.peer_b)
        .post(url(world, f"matches/{match.pk}/answer/"), {"answer": "accept"})
        .status_code
        == 403
    )
    assert (
        login(world.outsider)
        .post(url(world, f"matches/{match.pk}/answer/"), {"answer": "accept"})
        .status_code
        == 404
    )
    assert not PeerRelationship.objects.exists()


def test_the_worker_declines_with_a_reason(world, login):
    referral = refer(world)
    login(world.supervisor).post(url(world, "matching/"), {"referral": [referral.pk]})
    match = Match.objects.get()
    login(world.supervisor).post(url(world, f"matches/{match.pk}/decide/"), {"decision": "approve"})
    peer = login(world.peer_a)
    page = peer.post(url(world, f"matches/{match.pk}/answer/"), {"answer": "decline"}, follow=True)
    assert "Give the reason" in page.content.decode()
    peer.post(
        url(world, f"matches/{match.pk}/answer/"),
        {"answer": "decline", "reason": "The person chose the warm line instead"},
    )
    referral.refresh_from_db()
    assert referral.state == "declined"


def test_the_person_page_links_to_the_records_the_reader_may_open(world, login):
    person = refer(world).person
    page = login(world.clinician).get(url(world, f"supported/{person.pk}/")).content.decode()
    assert f"/hospital/people/{person.pk}/hospital-id/" in page
    assert f"/outcomes/people/{person.pk}/" not in page  # clinicians see no scores
    PeerRelationship.objects.create(person=person, worker=world.peer_a)
    page = login(world.peer_a).get(url(world, f"supported/{person.pk}/")).content.decode()
    assert f"/outcomes/people/{person.pk}/" in page and f"/contacts/people/{person.pk}/" in page


def test_the_peer_home_lists_people_not_contacted_for_two_weeks(world, login):
    from datetime import date

    from peerway.support.homes import people_to_log
    from peerway.support.models import Contact

    quiet = refer(world).person
    recent = refer(world).person
    never = refer(world).person
    for person in (quiet, recent, never):
        PeerRelationship.objects.create(person=person, worker=world.peer_a)
    today = timezone.localdate()
    for person, days in ((quiet, 20), (recent, 3)):
        contact = Contact.objects.create(
            organization=world.org,
            team=world.team_a,
            worker=world.peer_a,
            date=today - timedelta(days=days),
            duration_minutes=30,
            modality="phone",
            setting="remote",
            contact_type="one_to_one",
            activities=["coping_skills"],
        )
        contact.people.set([person])
    due = people_to_log(world.peer_a, world.org)
    assert [p for p, _last in due] == [never, quiet]
    assert isinstance(due[1][1], date)
    page = login(world.peer_a).get("/").content.decode()
    assert "2 people not contacted for two weeks" in page and never.code in page
    assert 'id="pw-drafts-hint"' in page and "support/drafts-hint" in page


def test_a_declared_conflict_keeps_a_worker_out_of_matching(world, login):
    Membership.objects.create(
        user=world.peer_b, role=Role.PEER_WORKER, organization=world.org, team=world.team_a
    )
    referral = refer(world)
    client = login(world.clinician)
    client.post(
        url(world, f"supported/{referral.person.pk}/conflicts/"),
        {"worker": world.peer_a.pk, "reason": "Neighbour"},
    )
    assert referral.person.conflicts.get().worker == world.peer_a
    login(world.supervisor).post(url(world, "matching/"), {"referral": [referral.pk]})
    assert Match.objects.get().worker == world.peer_b
    assert world.peer_a not in matching_service.eligible_workers(referral)
    assert "Neighbour" not in str(list(AuditEvent.objects.values_list("details", flat=True)))
    assert (
        login(world.peer_b)
        .post(url(world, f"supported/{referral.person.pk}/conflicts/"), {"worker": world.peer_b.pk})
        .status_code
        == 404
    )


def test_solver_referrals_read_in_bulk_say_what_one_at_a_time_says(world):
    """Propose reads every referral's preferences, conflicts and previous worker in a fixed
    number of queries; the solver gets exactly what the one-referral reader builds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from peerway.support.models import (
        DeclaredConflict,
        PeerRelationship,
        Person,
        PersonPreference,
        Referral,
    )

    def make(n):
        referrals = []
        for i in range(n):
            person = Person.objects.create(
                organization=world.org, team=world.team_a, language="fr" if i % 2 else "other"
            )
            PersonPreference.objects.create(
                person=person, attribute="gender", value="woman", strength="required"
            )
            PersonPreference.objects.create(person=person, attribute="age_band", value="18-25")
            DeclaredConflict.objects.create(person=person, worker=world.peer_b)
            today = timezone.localdate()
            PeerRelationship.objects.create(
                person=person,
                worker=world.peer_a,
                started_on=today - timedelta(days=90),
                ended_on=today - timedelta(days=30),
            )
            PeerRelationship.objects.create(
                person=person,
                worker=world.peer_b,
                started_on=today - timedelta(days=20),
                ended_on=today - timedelta(days=10),
            )
            referrals.append(Referral.objects.create(person=person, team=world.team_a))
        return referrals

    few, many = make(2), make(12)
    assert matching_service.solver_referrals(many) == [
        matching_service.solver_referral(r) for r in many
    ]
    assert matching_service.solver_referrals(many)[0].previous_worker_id == str(world.peer_b.pk)
    with CaptureQueriesContext(connection) as small:
        matching_service.solver_referrals(few)
    with CaptureQueriesContext(connection) as large:
        matching_service.solver_referrals(many)
    assert len(small) == len(large)

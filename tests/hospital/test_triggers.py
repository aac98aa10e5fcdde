"""The eligibility trigger: boundary values, exclusions, the one-click referral, and the
admissions and discharges handed to the readmission statistics."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peerway.core.models import AuditEvent
from peerway.hospital import selectors, services
from peerway.hospital.models import EventKind, HospitalEvent, TriggerRule
from peerway.insights.stats.survival import Episode
from peerway.support.models import (
    ConsentPurpose,
    ConsentRecord,
    PeerRelationship,
    Person,
    Referral,
    ReferralSource,
    ReferralState,
)

from .conftest import TODAY

START = date(2024, 12, 30)  # 18 months before TODAY (2026-06-30): the first day counted


def add(person, kind, *days, facility="Harbourview"):
    for day in days:
        HospitalEvent.objects.create(
            organization=person.organization, person=person, kind=kind, date=day, facility=facility
        )


def suggested(world, user="manager"):
    return {p.code for p in selectors.suggestions_for(getattr(world, user), world.org, TODAY)}


def test_window_start_is_the_same_day_months_earlier():
    assert selectors.window_start(TODAY, 18) == START
    assert selectors.window_start(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert selectors.window_start(date(2026, 1, 15), 13) == date(2024, 12, 15)


def test_the_default_rule_follows_oconnell_2018(world):
    rule = selectors.trigger_for(world.org)
    assert (rule.min_admissions, rule.min_emergency_visits, rule.window_months) == (2, 4, 18)
    assert rule.enabled and rule.pk is None


@pytest.mark.parametrize(
    ("admissions", "expected"),
    [((START,), False), ((START, TODAY), True), ((START - timedelta(days=1), TODAY), False)],
)
def test_two_admissions_within_eighteen_months_trigger(world, people, admissions, expected):
    add(people["ada"], EventKind.ADMISSION, *admissions)
    assert ("P-ADA2345" in suggested(world)) is expected


@pytest.mark.parametrize(
    ("visits", "expected"),
    [
        ((START, START + timedelta(days=1), TODAY), False),  # three: not more than three
        ((START, START + timedelta(days=1), START + timedelta(days=2), TODAY), True),
        (
            (START - timedelta(days=1), START + timedelta(days=1), START + timedelta(2), TODAY),
            False,
        ),
    ],
)
def test_more_than_three_emergency_visits_trigger(world, people, visits, expected):
    add(people["ada"], EventKind.EMERGENCY_VISIT, *visits)
    assert ("P-ADA2345" in suggested(world)) is expected


def test_discharges_do_not_count_and_kinds_are_not_mixed(world, people):
    add(people["ada"], EventKind.ADMISSION, TODAY)
    add(people["ada"], EventKind.DISCHARGE, TODAY)
    add(people["ada"], EventKind.EMERGENCY_VISIT, TODAY, facility="ED")
    assert suggested(world) == set()


def test_the_rule_is_configurable_per_organization(world, people):
    add(people["ada"], EventKind.ADMISSION, TODAY)
    services.update_trigger(
        actor=world.manager,
        organization=world.org,
        enabled=True,
        min_admissions=1,
        min_emergency_visits=4,
        window_months=6,
    )
    assert suggested(world) == {"P-ADA2345"}
    rule = TriggerRule.objects.get(organization=world.org)
    rule.enabled = False
    rule.save()
    assert suggested(world) == set()
    event = AuditEvent.objects.get(action="hospital.trigger_updated")
    assert event.details == {
        "enabled": True,
        "min_admissions": 1,
        "min_emergency_visits": 4,
        "window_months": 6,
    }


def test_bad_trigger_values_are_refused_by_name(world):
    with pytest.raises(ValidationError) as exc:
        services.update_trigger(
            actor=world.manager,
            organization=world.org,
            enabled=True,
            min_admissions=0,
            min_emergency_visits=4,
            window_months=61,
        )
    assert set(exc.value.message_dict) == {"min_admissions", "window_months"}


@pytest.mark.parametrize(
    "who", ["site_manager", "supervisor", "peer_a", "clinician", "evaluator", "admin"]
)
def test_only_organization_wide_managers_change_the_trigger(world, who):
    with pytest.raises(PermissionDenied):
        services.update_trigger(
            actor=getattr(world, who),
            organization=world.org,
            enabled=False,
            min_admissions=2,
            min_emergency_visits=4,
            window_months=18,
        )


def test_open_referrals_and_peer_workers_remove_a_suggestion(world, people):
    ada = people["ada"]
    add(ada, EventKind.ADMISSION, TODAY, TODAY - timedelta(days=40))
    referral = Referral.objects.create(person=ada, team=world.team_a, source="clinician")
    assert suggested(world) == set()
    Referral.objects.filter(pk=referral.pk).update(state=ReferralState.DECLINED)
    assert suggested(world) == set()  # a declined offer may still be triaged again
    Referral.objects.filter(pk=referral.pk).update(state=ReferralState.CLOSED)
    assert suggested(world) == {"P-ADA2345"}
    PeerRelationship.objects.create(person=ada, worker=world.peer_a)
    assert suggested(world) == set()
    PeerRelationship.objects.filter(person=ada).update(ended_on=TODAY)
    assert suggested(world) == {"P-ADA2345"}


def test_leads_see_suggestions_only_for_the_teams_they_lead(world, people):
    add(people["ada"], EventKind.ADMISSION, TODAY, TODAY - timedelta(days=40))  # team A, North
    add(people["ben"], EventKind.ADMISSION, TODAY, TODAY - timedelta(days=40))  # team C, South
    add(people["cy"], EventKind.ADMISSION, TODAY, TODAY - timedelta(days=40))  # elsewhere
    assert suggested(world, "manager") == {"P-ADA2345", "P-BEN2345"}
    assert suggested(world, "supervisor") == {"P-ADA2345"}
    assert suggested(world, "site_manager") == {"P-BEN2345"}
    for who in ("peer_a", "clinician", "evaluator", "admin", "outsider"):
        assert suggested(world, who) == set(), who


def test_refer_creates_a_trigger_referral_once_and_is_audited(world, people):
    ada = people["ada"]
    add(ada, EventKind.ADMISSION, TODAY, TODAY - timedelta(days=40))
    referral = services.refer_from_trigger(
        actor=world.supervisor,
        person=ada,
        urgency="soon",
        reason="Two admissions since the summer",
        consent_given=True,
        today=TODAY,
    )
    assert (referral.source, referral.team, referral.state, referral.urgency) == (
        ReferralSource.TRIGGER,
        world.team_a,
        ReferralState.NEW,
        "soon",
    )
    assert referral.reason == "Two admissions since the summer"
    event = AuditEvent.objects.get(action="hospital.suggestion_referred")
    assert event.details == {"referral_id": referral.pk, "admissions": 2, "emergency_visits": 0}
    assert event.object_id == str(ada.pk) and event.actor_id == world.supervisor.pk
    with pytest.raises(ValidationError):  # a second click
        services.refer_from_trigger(actor=world.supervisor, person=ada, today=TODAY)
    assert Referral.objects.filter(person=ada).count() == 1


def test_a_trigger_referral_without_the_persons_agreement_waits_for_consent(world, people):
    ada = people["ada"]
    add(ada, EventKind.ADMISSION, TODAY, TODAY - timedelta(days=40))
    referral = services.refer_from_trigger(
        actor=world.supervisor, person=ada, urgency="urgent", reason="Readmitted", today=TODAY
    )
    assert referral.state == ReferralState.AWAITING_CONSENT
    # Waiting for consent is an open referral: the trigger no longer suggests Ada.
    with pytest.raises(ValidationError):
        services.refer_from_trigger(actor=world.supervisor, person=ada, today=TODAY)


def test_someone_who_does_not_meet_the_trigger_cannot_be_referred_from_it(world, people):
    add(people["ada"], EventKind.ADMISSION, TODAY)
    with pytest.raises(ValidationError):
        services.refer_from_trigger(actor=world.manager, person=people["ada"], today=TODAY)
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "who", ["site_manager", "peer_a", "clinician", "evaluator", "admin", "outsider"]
)
def test_refer_from_trigger_is_refused_outside_the_teams_led(world, people, who):
    add(people["ada"], EventKind.ADMISSION, TODAY, TODAY - timedelta(days=40))
    with pytest.raises(PermissionDenied):
        services.refer_from_trigger(actor=getattr(world, who), person=people["ada"], today=TODAY)


# --- hospital identifier ---------------------------------------------------------------


def test_a_hospital_identifier_is_stored_only_as_a_keyed_hash(world, people):
    ben = people["ben"]
    services.set_hospital_id(actor=world.manager, person=ben, hospital_id="  MRN-777 ")
    ben.refresh_from_db()
    assert ben.hospital_id_index == Person.hospital_id_lookup("MRN-777")
    assert "MRN-777" not in ben.hospital_id_index
    event = AuditEvent.objects.get(action="hospital.hospital_id_set")
    assert event.details == {} and event.object_id == str(ben.pk)
    services.set_hospital_id(actor=world.manager, person=ben, hospital_id="")
    ben.refresh_from_db()
    assert ben.hospital_id_index == ""


def test_one_hospital_identifier_per_person_in_an_organization(world, people):
    with pytest.raises(ValidationError) as exc:
        services.set_hospital_id(actor=world.manager, person=people["ben"], hospital_id="MRN-001")
    assert "hospital_id" in exc.value.message_dict


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("manager", True),
        ("site_manager", False),  # Ada is at North
        ("supervisor", True),
        ("clinician", True),
        ("peer_a", False),
        ("evaluator", False),
        ("admin", False),
        ("outsider", False),
    ],
)
def test_who_may_record_a_hospital_identifier(world, people, who, allowed):
    call = lambda: services.set_hospital_id(  # noqa: E731
        actor=getattr(world, who), person=people["ada"], hospital_id="MRN-555"
    )
    if allowed:
        call()
    else:
        with pytest.raises(PermissionDenied):
            call()


# --- for the readmission statistics -----------------------------------------------------


def _consent(person):
    ConsentRecord.objects.create(
        person=person, purpose=ConsentPurpose.EVALUATION, given=True, decided_on=TODAY
    )


def test_admissions_and_discharges_in_date_order_per_person(world, people):
    ada, ben = people["ada"], people["ben"]
    d = date(2026, 1, 1)
    add(ada, EventKind.DISCHARGE, d + timedelta(days=30))
    add(ada, EventKind.ADMISSION, d + timedelta(days=20), d)
    add(ada, EventKind.DISCHARGE, d + timedelta(days=5))
    add(ada, EventKind.EMERGENCY_VISIT, d + timedelta(days=2))
    add(ben, EventKind.ADMISSION, d)
    _consent(ada)
    assert selectors.admissions_and_discharges(world.org) == {
        ada.pk: [
            (d, "admission"),
            (d + timedelta(days=5), "discharge"),
            (d + timedelta(days=20), "admission"),
            (d + timedelta(days=30), "discharge"),
        ]
    }
    everyone = selectors.admissions_and_discharges(world.org, evaluation_consent_only=False)
    assert everyone[ben.pk] == [(d, "admission")]


def test_hospital_stays_pair_admissions_with_discharges(world, people):
    ada, ben = people["ada"], people["ben"]
    d = date(2026, 1, 1)
    add(ada, EventKind.ADMISSION, d, d + timedelta(days=20), d + timedelta(days=50))
    add(ada, EventKind.DISCHARGE, d + timedelta(days=5), d + timedelta(days=30))
    HospitalEvent.objects.create(
        organization=world.org,
        person=ben,
        kind=EventKind.DISCHARGE,
        date=d + timedelta(days=3),
        admitted_on=d - timedelta(days=4),
        facility="H",
    )
    add(ben, EventKind.DISCHARGE, d + timedelta(days=9), facility="no admission known")
    stays = selectors.hospital_stays(world.org, evaluation_consent_only=False)
    a, b = str(ada.pk), str(ben.pk)
    assert stays == [
        Episode(a, d, d + timedelta(days=5)),
        Episode(a, d + timedelta(days=20), d + timedelta(days=30)),
        Episode(a, d + timedelta(days=50), None),
        Episode(b, d - timedelta(days=4), d + timedelta(days=3)),
    ]
    assert selectors.hospital_stays(world.org) == []  # nobody consented to evaluation use


def test_a_transfer_between_facilities_is_one_hospital_episode(world, people):
    ada = people["ada"]
    d = date(2026, 1, 1)
    add(ada, EventKind.ADMISSION, d, facility="North")
    add(ada, EventKind.ADMISSION, d + timedelta(days=6), facility="South")
    add(ada, EventKind.DISCHARGE, d + timedelta(days=6), facility="North")
    add(ada, EventKind.EMERGENCY_VISIT, d + timedelta(days=8), facility="South")
    add(ada, EventKind.DISCHARGE, d + timedelta(days=15), facility="South")
    add(ada, EventKind.ADMISSION, d + timedelta(days=40), facility="North")
    add(ada, EventKind.DISCHARGE, d + timedelta(days=44), facility="North")
    a = str(ada.pk)
    assert selectors.hospital_stays(world.org, evaluation_consent_only=False) == [
        Episode(a, d, d + timedelta(days=6)),
        Episode(a, d + timedelta(days=6), d + timedelta(days=15)),
        Episode(a, d + timedelta(days=40), d + timedelta(days=44)),
    ]
    assert selectors.hospital_episodes_of(world.org, evaluation_consent_only=False) == [
        Episode(a, d, d + timedelta(days=15)),
        Episode(a, d + timedelta(days=40), d + timedelta(days=44)),
    ]


def test_a_transfer_is_one_admission_for_the_trigger(world, people):
    ada, ben = people["ada"], people["ben"]
    # Ada: one hospitalization with a transfer (two admission rows); Ben: two stays.
    add(ada, EventKind.ADMISSION, START + timedelta(days=10), facility="North")
    add(ada, EventKind.DISCHARGE, START + timedelta(days=20), facility="North")
    add(ada, EventKind.ADMISSION, START + timedelta(days=20), facility="South")
    add(ben, EventKind.ADMISSION, START + timedelta(days=10), START + timedelta(days=60))
    assert suggested(world) == {ben.code}
    rows = {
        p.code: p.admissions for p in selectors.suggestions_for(world.manager, world.org, TODAY)
    }
    assert rows == {ben.code: 2}
    rule = selectors.trigger_for(world.org)
    rule.min_admissions = 1
    rule.save()
    rows = {
        p.code: p.admissions for p in selectors.suggestions_for(world.manager, world.org, TODAY)
    }
    assert rows == {ada.code: 1, ben.code: 2}

"""Wellbeing check-ins (Copenhagen Burnout Inventory) and accommodations."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from peerway.core.models import AuditEvent
from peerway.core.roles import Role
from peerway.instruments.library import current_library
from peerway.workforce import services
from peerway.workforce.models import Accommodation, WellbeingCheckIn

from ..conftest import grant, make_user
from .conftest import worker

REQUEST = "A quiet room after crisis calls and a later start on Mondays"


def cbi_answers(raw: int) -> dict:
    return dict.fromkeys(current_library()["cbi"].item_ids, raw)


def check_in(world, raw=3, satisfaction=4):
    return services.record_checkin(
        actor=world.peer_a,
        worker=worker(world, world.peer_a),
        answers=cbi_answers(raw),
        satisfaction=satisfaction,
    )


def choose(world, *, share=False, alert=False):
    services.set_wellbeing_choices(
        actor=world.peer_a, worker=worker(world, world.peer_a), share=share, alert=alert
    )


def profile_html(client, world):
    url = reverse("workforce:profile", args=[world.org.slug, world.peer_a.pk])
    return client.get(url).content.decode()


def test_worker_completes_a_check_in_and_sees_results_and_trend(world, login):
    client = login(world.peer_a)
    url = reverse("workforce:checkin", args=[world.org.slug])
    page = client.get(url)
    assert "How often do you feel tired?" in page.content.decode()
    data = dict.fromkeys(current_library()["cbi"].item_ids, "2")
    incomplete = client.post(url, {})
    assert "Question 1: choose an answer." in incomplete.content.decode()
    assert "Job satisfaction: choose an answer." in incomplete.content.decode()
    assert client.post(url, {**data, "satisfaction": "4"}).status_code == 302
    checkin = WellbeingCheckIn.objects.get()
    results = json.loads(checkin.results)
    assert results["personal"] == 75 and results["satisfaction"] == 4
    check_in(world, raw=4, satisfaction=5)
    html = client.get(reverse("workforce:wellbeing", args=[world.org.slug])).content.decode()
    assert "<td>75</td>" in html and "<td>25</td>" in html
    event = AuditEvent.objects.filter(action="workforce.checkin_completed").first()
    assert event.details == {}


def test_scores_are_encrypted_at_rest(world):
    check_in(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT results FROM workforce_wellbeingcheckin")
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:")


def test_supervisor_sees_only_completion_unless_the_worker_shares(world, login):
    check_in(world, raw=1)  # all "always": 100 on every scale
    client = login(world.supervisor)
    html = profile_html(client, world)
    assert "Last completed" in html
    assert "<td>100</td>" not in html and "crossed the alert threshold" not in html
    choose(world, share=True)
    assert "<td>100</td>" in profile_html(client, world)
    choose(world, share=False)
    assert "<td>100</td>" not in profile_html(client, world)


def test_alert_reaches_the_supervisor_only_when_opted_in_and_threshold_crossed(
    world, login, settings
):
    settings.PEERWAY_WELLBEING_ALERT_THRESHOLD = 50
    client = login(world.supervisor)
    check_in(world, raw=2)  # 75: crosses, but no opt-in
    assert "crossed the alert threshold" not in profile_html(client, world)
    choose(world, alert=True)
    check_in(world, raw=4)  # 25: below the threshold
    assert "crossed the alert threshold" not in profile_html(client, world)
    check_in(world, raw=3)  # 50: at the threshold
    html = profile_html(client, world)
    assert "crossed the alert threshold" in html
    assert "<td>50</td>" not in html  # the alert carries no score
    choose(world, alert=False)
    assert "crossed the alert threshold" not in profile_html(client, world)


def test_managers_and_others_see_nothing_of_wellbeing(world, login):
    check_in(world)
    choose(world, share=True, alert=True)
    for who in ("manager", "clinician"):
        html = profile_html(login(getattr(world, who)), world)
        assert "Wellbeing check-in" not in html and "Last completed" not in html, who
    # "My wellbeing" is always one's own: people who are not peer workers have none.
    for who in ("manager", "supervisor", "admin", "outsider"):
        for name in ("wellbeing", "checkin"):
            url = reverse(f"workforce:{name}", args=[world.org.slug])
            assert login(getattr(world, who)).get(url).status_code in (403, 404), (who, name)
    own = login(world.peer_b).get(reverse("workforce:wellbeing", args=[world.org.slug]))
    assert "No check-in yet." in own.content.decode()
    with pytest.raises(PermissionDenied):
        services.record_checkin(
            actor=world.supervisor,
            worker=worker(world, world.peer_a),
            answers=cbi_answers(3),
            satisfaction=3,
        )


def test_a_check_in_needs_enough_answers_and_a_satisfaction(world):
    with pytest.raises(ValidationError) as exc:
        check_in(world, satisfaction=9)
    assert "satisfaction" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.record_checkin(
            actor=world.peer_a,
            worker=worker(world, world.peer_a),
            answers={"cbi_p1": 1},
            satisfaction=3,
        )


def test_worker_sets_wellbeing_choices_through_the_form(world, login):
    client = login(world.peer_a)
    url = reverse("workforce:wellbeing", args=[world.org.slug])
    assert client.post(url, {"share": "on"}).status_code == 302
    profile = worker(world, world.peer_a).profile
    assert profile.share_wellbeing and not profile.wellbeing_alert


# --- Accommodations ----------------------------------------------------------------------


def test_accommodation_is_seen_by_worker_and_supervisor_only(world, login):
    client = login(world.peer_a)
    url = reverse("workforce:accommodation_request", args=[world.org.slug])
    assert "Say what would help you at work." in client.post(url, {"request": " "}).content.decode()
    assert client.post(url, {"request": REQUEST}).status_code == 302
    accommodation = Accommodation.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT request FROM workforce_accommodation")
        assert cursor.fetchone()[0].startswith("fernet:")
    assert REQUEST in profile_html(client, world)
    assert REQUEST in profile_html(login(world.supervisor), world)
    for who in ("manager", "clinician"):
        assert REQUEST not in profile_html(login(getattr(world, who)), world), who
    edit = reverse(
        "workforce:accommodation_edit", args=[world.org.slug, world.peer_a.pk, accommodation.pk]
    )
    for who in ("manager", "clinician", "peer_a", "admin"):
        assert login(getattr(world, who)).get(edit).status_code == 403, who
    assert login(world.outsider).get(edit).status_code == 404
    sup = login(world.supervisor)
    bad = sup.post(edit, {"status": "agreed", "adjustments": ""})
    assert "Write down the adjustments you agreed." in bad.content.decode()
    assert (
        sup.post(
            edit,
            {"status": "agreed", "adjustments": "Quiet room booked", "review_date": "2030-01-01"},
        ).status_code
        == 302
    )
    accommodation.refresh_from_db()
    assert accommodation.status == "agreed" and accommodation.adjustments == "Quiet room booked"
    details = json.dumps(
        [e.details for e in AuditEvent.objects.filter(action__contains="accommodation")]
    )
    assert REQUEST not in details and "Quiet room" not in details


def test_an_unassigned_supervisor_loses_sight_once_another_is_assigned(world, login):
    services.request_accommodation(
        actor=world.peer_a, worker=worker(world, world.peer_a), request=REQUEST
    )
    other = make_user("sup2@northwind.test", "Sky Supervisor")
    grant(other, Role.SUPERVISOR, world.org, team=world.team_a)
    services.update_employment(
        actor=world.manager,
        worker=worker(world, world.peer_a),
        employment=services.Employment(fte=1, contract_type="permanent", supervisors=(other,)),
    )
    assert REQUEST in profile_html(login(other), world)
    assert REQUEST not in profile_html(login(world.supervisor), world)


def test_unticking_every_wellbeing_choice_is_saved(world, login):
    choose(world, share=True, alert=True)
    client = login(world.peer_a)
    assert client.post(reverse("workforce:wellbeing", args=[world.org.slug]), {}).status_code == 302
    profile = worker(world, world.peer_a).profile
    assert not profile.share_wellbeing and not profile.wellbeing_alert

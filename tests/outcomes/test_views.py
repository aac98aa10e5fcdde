"""Screens: giving a measure, the one-time link page, safety tasks, denials, French."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.outcomes import services
from peerway.outcomes.models import Administration, OutcomeLink, SafetyTask

from .conftest import PHQ9_CALM, PHQ9_ITEM9, share_with_clinicians


def post_answers(answers, **extra):
    return {**{k: str(v) for k, v in answers.items()}, **extra}


def give_url(person, code="phq9", point=3):
    return reverse("outcomes:give", args=["northwind", person.pk, code, point])


def person_url(person):
    return reverse("outcomes:person", args=["northwind", person.pk])


def today():
    return timezone.localdate().isoformat()


def test_worker_gives_phq9_with_item9_and_lands_on_the_safety_task(world, person, login):
    client = login(world.peer_a)
    page = client.get(give_url(person))
    assert page.status_code == 200
    assert "Little interest or pleasure in doing things" in page.content.decode()
    response = client.post(give_url(person), post_answers(PHQ9_ITEM9, administered_on=today()))
    task = SafetyTask.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("outcomes:safety_task", args=["northwind", task.pk])
    page = client.get(response.url).content.decode()
    assert "follow your organization&#x27;s local safety protocol" in page.lower()
    assert "Sam Supervisor" in page and "Pat Peer" in page


def test_configured_protocol_text_is_shown_on_the_task(world, person, login):
    services.update_protocol(
        actor=world.manager, organization=world.org, text="Call the North crisis team: 555-0100."
    )
    services.record_administration(
        actor=world.peer_a,
        person=person,
        instrument_code="phq9",
        time_point=3,
        answers=PHQ9_ITEM9,
        administered_on=timezone.localdate(),
    )
    task = SafetyTask.objects.get()
    page = login(world.supervisor).get(reverse("outcomes:safety_task", args=["northwind", task.pk]))
    assert "Call the North crisis team: 555-0100." in page.content.decode()
    assert AuditEvent.objects.filter(action="outcomes.safety_task_viewed").exists()


def test_missing_answers_show_an_error_summary_and_save_nothing(world, person, login):
    client = login(world.peer_a)
    response = client.post(give_url(person), {"phq9_1": "1", "administered_on": "2999-01-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in html
    assert "Question 2: choose an answer." in html
    assert "The date cannot be in the future." in html
    assert not Administration.objects.exists()


def test_french_form_and_error_summary(world, person, login):
    client = login(world.peer_a)
    client.cookies["django_language"] = "fr-ca"
    page = client.get(give_url(person), HTTP_ACCEPT_LANGUAGE="fr-CA").content.decode()
    assert "Peu d&#x27;intérêt ou de plaisir à faire les choses" in page
    response = client.post(
        give_url(person), {"phq9_1": "1", "administered_on": today()}, HTTP_ACCEPT_LANGUAGE="fr-CA"
    )
    html = response.content.decode()
    assert "Rien n'a été enregistré" in html
    assert "Question 2 : choisissez une réponse." in html


def test_unscheduled_time_point_or_instrument_is_404(world, person, login):
    client = login(world.peer_a)
    assert client.get(give_url(person, point=5)).status_code == 404
    assert client.get(give_url(person, code="oric")).status_code == 404


@pytest.mark.parametrize(
    "who,status",
    [
        ("peer_b", 404),
        ("site_manager", 404),
        ("evaluator", 404),
        ("outsider", 404),
        ("clinician", 403),
        ("admin", 404),
    ],
)
def test_give_is_refused_outside_the_caseload_and_leads(world, person, login, who, status):
    response = login(getattr(world, who)).get(give_url(person))
    assert response.status_code == status


def test_peer_not_matched_with_the_person_is_refused(world, person, login):
    person.relationships.update(ended_on=timezone.localdate())
    person.created_by = world.peer_a
    person.save()
    assert login(world.peer_a).get(give_url(person)).status_code == 403


def test_person_page_views_are_audited(world, person, login):
    assert login(world.supervisor).get(person_url(person)).status_code == 200
    event = AuditEvent.objects.get(action="outcomes.person_viewed")
    assert event.object_id == str(person.pk) and event.details == {}


def test_clinician_sees_totals_only_while_the_person_shares(world, person, login):
    services.record_administration(
        actor=world.peer_a,
        person=person,
        instrument_code="phq9",
        time_point=3,
        answers=PHQ9_ITEM9,
        administered_on=timezone.localdate(),
    )
    administration = Administration.objects.get()
    client = login(world.clinician)
    assert client.get(person_url(person)).status_code == 403
    share_with_clinicians(world, person)
    page = client.get(person_url(person)).content.decode()
    assert "PHQ-9" in page and ">4<" in page
    detail = reverse("outcomes:administration", args=["northwind", administration.pk])
    assert client.get(detail).status_code == 403
    task_url = reverse("outcomes:safety_task", args=["northwind", administration.safety_task.pk])
    assert client.get(task_url).status_code == 404


def test_evaluator_never_reaches_individual_results(world, person, login):
    services.record_administration(
        actor=world.peer_a,
        person=person,
        instrument_code="phq9",
        time_point=3,
        answers=PHQ9_ITEM9,
        administered_on=timezone.localdate(),
    )
    administration = Administration.objects.get()
    client = login(world.evaluator)
    for url in (
        person_url(person),
        reverse("outcomes:administration", args=["northwind", administration.pk]),
        reverse("outcomes:safety_task", args=["northwind", administration.safety_task.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.get(reverse("outcomes:due", args=["northwind"])).status_code == 403
    assert (
        login(world.clinician).get(reverse("outcomes:due", args=["northwind"])).status_code == 403
    )


def test_worker_sees_answers_item_by_item(world, person, login):
    administration = services.record_administration(
        actor=world.peer_a,
        person=person,
        instrument_code="phq9",
        time_point=3,
        answers=PHQ9_CALM,
        administered_on=timezone.localdate(),
    )
    url = reverse("outcomes:administration", args=["northwind", administration.pk])
    page = login(world.peer_a).get(url).content.decode()
    assert "Not at all" in page and "Pfizer" in page
    assert login(world.peer_b).get(url).status_code == 404


def test_due_list_shows_the_three_month_measures_for_the_worker(world, person, login):
    page = login(world.peer_a).get(reverse("outcomes:due", args=["northwind"])).content.decode()
    assert person.code in page and "3 months" in page and "Overdue" in page
    other = login(world.peer_b).get(reverse("outcomes:due", args=["northwind"])).content.decode()
    assert person.code not in other


def test_safety_task_acknowledge_and_close_screens(world, person, login):
    services.record_administration(
        actor=world.peer_a,
        person=person,
        instrument_code="phq9",
        time_point=3,
        answers=PHQ9_ITEM9,
        administered_on=timezone.localdate(),
    )
    task = SafetyTask.objects.get()
    client = login(world.peer_a)
    ack = reverse("outcomes:safety_acknowledge", args=["northwind", task.pk])
    close = reverse("outcomes:safety_close", args=["northwind", task.pk])
    assert client.post(ack).status_code == 302
    response = client.post(close, {"outcome": "", "note": ""})
    assert 'id="error-summary"' in response.content.decode()
    # A self-harm task (PHQ-9 item 9) is not closed without its debrief, named field by field.
    page = client.post(
        close, {"outcome": "clinician_involved", "note": "Spoke with the nurse"}
    ).content.decode()
    assert "Who took part in the debrief *: Say who took part in the debrief." in page
    task.refresh_from_db()
    assert task.status == "acknowledged"
    client.post(
        close,
        {
            "outcome": "clinician_involved",
            "note": "Spoke with the nurse",
            "debrief_on": timezone.localdate().isoformat(),
            "debrief_with": "Pat and Sam",
            "debrief_notes": "Talked it through",
        },
    )
    task.refresh_from_db()
    assert task.status == "closed" and task.outcome_note == "Spoke with the nurse"
    assert task.debrief_with == "Pat and Sam"
    assert login(world.peer_b).post(ack).status_code == 404


def test_protocol_screen_only_for_org_wide_managers(world, login):
    url = reverse("outcomes:protocol", args=["northwind"])
    for user in (world.site_manager, world.supervisor, world.peer_a, world.admin):
        assert login(user).get(url).status_code == 403
    client = login(world.manager)
    assert client.get(url).status_code == 200
    client.post(url, {"safety_protocol": "Our steps."})
    assert "Our steps." in client.get(url).content.decode()


def test_schedule_screens(world, login):
    url = reverse("outcomes:schedule_edit", args=["northwind", world.team_a.pk])
    assert login(world.supervisor).get(url).status_code == 403
    assert login(world.site_manager).get(url).status_code == 403
    client = login(world.manager)
    response = client.post(
        url,
        {
            "instruments": ["phq9"],
            "time_points": "0, 3, x",
            "window_before_days": "7",
            "window_after_days": "14",
        },
    )
    assert "“x” is not a number of months" in response.content.decode()
    client.post(
        url,
        {
            "instruments": ["phq9", "k10"],
            "time_points": "0, 6",
            "window_before_days": "7",
            "window_after_days": "14",
        },
    )
    listing = login(world.peer_a).get(reverse("outcomes:schedules", args=["northwind"]))
    assert "Kessler" in listing.content.decode()


# --- The one-time link page ---------------------------------------------------------------


def make_link(world, person):
    client_url = reverse("outcomes:create_link", args=["northwind", person.pk, "phq9", 3])
    return client_url


def test_link_page_works_once_and_shows_nothing_about_the_person(world, person, login, client):
    response = login(world.peer_a).post(make_link(world, person))
    html = response.content.decode()
    url = re.search(r'value="(http[^"]+/m/[^"]+/)"', html).group(1)
    path = url.split("testserver", 1)[1]
    client.logout()
    page = client.get(path)
    text = page.content.decode()
    assert page.status_code == 200
    assert person.code not in text and "Robin" not in text and "Team A" not in text
    assert "no-store" in page.get("Cache-Control", "") or "no-cache" in page.get(
        "Cache-Control", ""
    )
    done = client.post(path, post_answers(PHQ9_ITEM9))
    assert done.status_code == 200
    assert "988" in done.content.decode()
    assert SafetyTask.objects.count() == 1
    again = client.get(path)
    assert again.status_code == 410
    assert "already used" in again.content.decode()


def test_link_page_error_summary_and_unknown_token(world, person, client):
    _link, token = services.create_link(
        actor=world.peer_a, person=person, instrument_code="phq9", time_point=3
    )
    path = reverse("measure:answer", args=[token])
    response = client.post(path, {"phq9_1": "1"})
    assert 'id="error-summary"' in response.content.decode()
    assert OutcomeLink.objects.get().used_at is None
    assert client.get(reverse("measure:answer", args=["not-a-token"])).status_code == 404


def test_link_page_in_french(world, person, client):
    _link, token = services.create_link(
        actor=world.peer_a, person=person, instrument_code="phq9", time_point=3
    )
    client.cookies["django_language"] = "fr-ca"
    page = client.get(reverse("measure:answer", args=[token]), HTTP_ACCEPT_LANGUAGE="fr-CA")
    html = page.content.decode()
    assert "Plus de la moitié des jours" in html
    assert "Envoyer mes réponses" in html


def test_creating_a_link_needs_the_caseload(world, person, login):
    assert login(world.peer_b).post(make_link(world, person)).status_code == 404
    assert login(world.clinician).post(make_link(world, person)).status_code == 403
    assert login(world.peer_a).get(make_link(world, person)).status_code == 405


def test_link_page_opens_in_the_persons_language_unless_changed(world, person, client):
    person.language = "fr"
    person.save()
    _link, token = services.create_link(
        actor=world.peer_a, person=person, instrument_code="phq9", time_point=3
    )
    url = reverse("measure:answer", args=[token])
    html = client.get(url).content.decode()
    assert 'lang="fr-CA"' in html and "Plus de la moitié des jours" in html
    client.cookies["django_language"] = "en"
    html = client.get(url).content.decode()
    assert 'lang="en-CA"' in html and "More than half the days" in html


def test_link_page_offers_copy_and_a_qr_code_drawn_locally(world, person, login):
    from pathlib import Path

    import segno
    from django.contrib.staticfiles import finders

    response = login(world.peer_a).post(make_link(world, person))
    html = response.content.decode()
    url = re.search(r'value="(http[^"]+/m/[^"]+/)"', html).group(1)
    # The QR code is an inline SVG of exactly this link (same modules as segno draws).
    svg = re.search(r"<svg [^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title>QR code of the one-time link</title>" in svg
    expected = segno.make(url, error="m").svg_inline(scale=5, border=4)
    draw = re.compile(r'd="(M[^"]+)"')
    assert draw.findall(expected)[-1] in draw.findall(svg)
    # Nothing external: no image or script from another host, no inline script.
    assert "http" not in svg
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert re.search(r'<script src="/static/outcomes/copy-link\.js" defer>', html)
    assert "unsafe-inline" not in response.get("Content-Security-Policy", "")
    # The copy button targets the link field and reports in a live region.
    button = re.search(r"<button[^>]*data-copy-target=\"link-url\"[^>]*>", html).group(0)
    assert "hidden" in button and 'data-copy-status="copy-status"' in button
    assert 'id="copy-status"' in html and 'role="status"' in html
    script = Path(finders.find("outcomes/copy-link.js")).read_text(encoding="utf-8")
    assert "navigator.clipboard.writeText" in script and "button.hidden = false" in script


def test_link_page_in_french_has_a_french_copy_button_and_qr_title(world, person, login):
    client = login(world.peer_a)
    client.post("/i18n/setlang/", {"language": "fr-ca"})
    html = client.post(make_link(world, person)).content.decode()
    assert "Copier le lien" in html
    assert "<title>Code QR du lien à usage unique</title>" in html

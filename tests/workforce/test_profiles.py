"""Peer worker profiles: employment, placements, and disclosure only the worker controls."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from peerway.core.models import AuditEvent
from peerway.core.roles import Role
from peerway.workforce import selectors, services
from peerway.workforce.models import Visibility

from ..conftest import grant, make_user
from .conftest import MATCHING_SECRET, PRIVATE_SECRET, TEAM_AGE, disclose, worker

# Words that only appear on a page if a private or matching-only attribute leaked.
HIDDEN = [PRIVATE_SECRET, MATCHING_SECRET, "Substance use", "2SLGBTQ+"]


def profile_url(world, user=None):
    return reverse("workforce:profile", args=[world.org.slug, (user or world.peer_a).pk])


def pages_seen_by_others(world):
    """Every page where another person could meet Pat: (viewer, url)."""
    slug = world.org.slug
    return [
        *[
            (who, profile_url(world))
            for who in ("manager", "supervisor", "clinician", "admin", "evaluator")
        ],
        *[(who, f"/o/{slug}/workforce/") for who in ("manager", "supervisor")],
        *[
            (who, reverse("workforce:team", args=[slug, world.team_a.pk]))
            for who in ("manager", "supervisor")
        ],
        *[(who, f"/o/{slug}/workforce/supervision/") for who in ("manager", "supervisor")],
        *[(who, f"/teams/{world.team_a.pk}/") for who in ("manager", "clinician", "admin")],
        *[(who, f"/o/{slug}/people/{world.peer_a.pk}/") for who in ("manager", "admin")],
        *[(who, "/") for who in ("manager", "supervisor", "clinician", "admin")],
        ("admin", f"/o/{slug}/audit/"),
        ("admin", f"/o/{slug}/audit/export.csv"),
        *[
            (who, reverse("workforce:compliance", args=[slug, world.team_a.pk]))
            for who in ("manager", "supervisor", "hr")
        ],
        *[
            (who, reverse("workforce:training", args=[slug, world.peer_a.pk]))
            for who in ("manager", "supervisor", "hr")
        ],
        *[(who, f"/o/{slug}/workforce/network/") for who in ("manager", "peer_b", "hr")],
        *[(who, profile_url(world)) for who in ("hr",)],
        *[(who, f"/o/{slug}/workforce/") for who in ("hr",)],
        *[(who, "/") for who in ("hr", "peer_b", "evaluator")],
    ]


def test_worker_sees_every_own_attribute_with_its_visibility(world, disclosed, login):
    html = login(world.peer_a).get(profile_url(world)).content.decode()
    for text in (PRIVATE_SECRET, MATCHING_SECRET, "Substance use", TEAM_AGE):
        assert text in html
    assert "Matching only" in html and "Private: only me" in html


def test_private_and_matching_only_attributes_never_reach_anyone_else(
    world, hr, disclosed, employed, client, caplog
):
    caplog.set_level(logging.DEBUG)
    seen = []
    for who, url in pages_seen_by_others(world):
        client.force_login(hr if who == "hr" else getattr(world, who))
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode()
        seen.append((who, url, response.status_code))
        for secret in HIDDEN:
            assert secret not in text, f"{secret!r} leaked to {who} on {url}"
    # The pages were really served (not all refused), so the check means something.
    assert ("manager", profile_url(world), 200) in seen
    assert ("admin", f"/o/{world.org.slug}/audit/", 200) in seen
    assert ("admin", f"/o/{world.org.slug}/audit/export.csv", 200) in seen
    assert ("hr", profile_url(world), 200) in seen
    # Nor in any log line or audit event detail.
    for secret in HIDDEN[:2]:
        assert secret not in caplog.text
    details = json.dumps([e.details for e in AuditEvent.objects.all()], ensure_ascii=False)
    for secret in (PRIVATE_SECRET, MATCHING_SECRET, "substance_use", "45-54"):
        assert secret not in details


def test_attributes_shared_with_the_team_are_seen_by_people_on_the_team_only(
    world, disclosed, login
):
    for who in ("manager", "supervisor", "clinician"):
        html = login(getattr(world, who)).get(profile_url(world)).content.decode()
        assert TEAM_AGE in html, who
    # Administrators and evaluators are not part of the team's practice.
    assert login(world.admin).get(profile_url(world)).status_code == 403
    assert login(world.evaluator).get(profile_url(world)).status_code == 403
    # A colleague on another team does not find Pat at all.
    assert login(world.peer_b).get(profile_url(world)).status_code == 404
    assert selectors.visible_attributes(world.peer_b, disclosed) == []
    assert selectors.visible_attributes(world.admin, disclosed) == []


def test_changing_visibility_takes_effect_at_once(world, disclosed, login):
    client = login(world.clinician)
    assert PRIVATE_SECRET not in client.get(profile_url(world)).content.decode()
    disclose(world, self_described=(PRIVATE_SECRET, Visibility.TEAM))
    assert PRIVATE_SECRET in client.get(profile_url(world)).content.decode()
    disclose(world, self_described=(PRIVATE_SECRET, Visibility.MATCHING))
    assert PRIVATE_SECRET not in client.get(profile_url(world)).content.decode()
    assert selectors.attributes_for_matching(worker(world, world.peer_a))["self_described"] == (
        PRIVATE_SECRET
    )
    disclose(world, self_described=(PRIVATE_SECRET, Visibility.PRIVATE))
    assert "self_described" not in selectors.attributes_for_matching(worker(world, world.peer_a))


def test_matching_engine_gets_matching_only_and_shared_attributes_never_private(world, disclosed):
    assert selectors.attributes_for_matching(disclosed) == {
        "cultural_community": MATCHING_SECRET,
        "experience": ["substance_use"],
        "age_band": "45-54",
    }


def test_attribute_values_are_encrypted_at_rest(world, disclosed):
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM workforce_disclosedattribute")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all(v.startswith("fernet:") for v in stored)
    assert not any(PRIVATE_SECRET in v or MATCHING_SECRET in v for v in stored)


def test_only_the_worker_sets_their_disclosure(world, disclosed, login):
    with pytest.raises(PermissionDenied):
        services.set_disclosure(
            actor=world.manager,
            worker=worker(world, world.peer_a),
            attributes={"self_described": ("x", Visibility.TEAM)},
        )
    url = reverse("workforce:disclosure", args=[world.org.slug])
    # The disclosure page is always one's own: others have none to open.
    for who in ("manager", "admin", "supervisor", "evaluator"):
        assert login(getattr(world, who)).get(url).status_code in (403, 404), who
    assert login(world.outsider).get(url).status_code == 404


def test_worker_sets_disclosure_through_the_form(world, login):
    client = login(world.peer_a)
    url = reverse("workforce:disclosure", args=[world.org.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "experience": ["mental_health", "family"],
            "experience_visibility": "team",
            "gender": "woman",
            "gender_visibility": "matching",
            "cultural_community": "",
            "cultural_community_visibility": "private",
            "age_band": "",
            "age_band_visibility": "private",
            "lgbtq": "",
            "lgbtq_visibility": "private",
            "self_described": "",
            "self_described_visibility": "private",
        },
    )
    assert response.status_code == 302
    assert selectors.attributes_for_matching(worker(world, world.peer_a)) == {
        "experience": ["mental_health", "family"],
        "gender": "woman",
    }
    bad = client.post(url, {"gender": "robot", "gender_visibility": "everyone"})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "Select a valid choice" in html
    assert 'id="id_gender_visibility_error"' in html


def test_every_view_of_a_profile_is_audited(world, disclosed, login):
    for who in ("peer_a", "manager", "clinician"):
        login(getattr(world, who)).get(profile_url(world))
    events = AuditEvent.objects.filter(action="workforce.profile_viewed")
    assert sorted(e.actor_id for e in events) == sorted(
        [world.peer_a.pk, world.manager.pk, world.clinician.pk]
    )
    assert all(e.object_id == str(world.peer_a.pk) and e.details == {} for e in events)
    # A refused view is not a view.
    login(world.admin).get(profile_url(world))
    assert events.count() == 3


def test_people_outside_the_workers_places_get_404(world, login):
    url = profile_url(world)
    assert login(world.outsider).get(url).status_code == 404
    assert login(world.site_manager).get(url).status_code == 404
    assert login(world.peer_b).get(url).status_code == 404
    # Someone who is not a peer worker has no workforce profile.
    assert login(world.manager).get(profile_url(world, world.clinician)).status_code == 404


def test_employment_is_seen_by_managers_and_supervisors_not_colleagues(world, employed, login):
    assert "PSW-2" in login(world.manager).get(profile_url(world)).content.decode()
    assert "PSW-2" in login(world.supervisor).get(profile_url(world)).content.decode()
    assert "PSW-2" in login(world.peer_a).get(profile_url(world)).content.decode()
    html = login(world.clinician).get(profile_url(world)).content.decode()
    assert "PSW-2" not in html and "Employment" not in html


def test_manager_edits_employment_and_others_are_refused(world, login):
    url = reverse("workforce:employment", args=[world.org.slug, world.peer_a.pk])
    for who in ("supervisor", "clinician", "peer_a", "admin", "evaluator"):
        assert login(getattr(world, who)).get(url).status_code == 403, who
    assert login(world.outsider).get(url).status_code == 404
    client = login(world.manager)
    data = {
        "fte": "0.6",
        "contract_type": "casual",
        "pay_band": "Band 3",
        "start_date": "2025-01-06",
        "end_date": "2024-12-31",
        "status": "active",
        "languages": "English,  Cree",
        "supervisors": [str(world.supervisor.pk)],
        "supervision_every_days": "",
    }
    bad = client.post(url, data)
    assert bad.status_code == 200
    assert "The end date cannot be before the start date." in bad.content.decode()
    data["end_date"] = ""
    assert client.post(url, data).status_code == 302
    profile = worker(world, world.peer_a).profile
    assert (str(profile.fte), profile.contract_type, profile.languages) == (
        "0.60",
        "casual",
        "English, Cree",
    )
    assert list(profile.supervisors.all()) == [world.supervisor]
    event = AuditEvent.objects.get(action="workforce.employment_updated")
    assert "Band 3" not in json.dumps(event.details)


def test_only_peer_supervisors_can_be_assigned(world):
    with pytest.raises(ValidationError) as exc:
        services.update_employment(
            actor=world.manager,
            worker=worker(world, world.peer_a),
            employment=services.Employment(
                fte=1, contract_type="permanent", supervisors=(world.clinician,)
            ),
        )
    assert "supervisors" in exc.value.message_dict


def test_overview_flags_teams_with_a_lone_peer_worker(world, employed, login):
    url = f"/o/{world.org.slug}/workforce/"
    html = login(world.manager).get(url).content.decode()
    assert "Pat Peer" in html and "Quinn Peer" in html
    assert html.count("Lone peer worker") == 2
    assert world.peer_a.pk in selectors.lone_peer_worker_ids(world.org)
    robin = make_user("robin@northwind.test", "Robin Peer")
    grant(robin, Role.PEER_WORKER, world.org, team=world.team_a)
    assert world.peer_a.pk not in selectors.lone_peer_worker_ids(world.org)
    html = login(world.manager).get(url).content.decode()
    assert html.count("Lone peer worker") == 1


def test_overview_is_for_managers_and_supervisors_scoped_to_their_teams(world, login):
    url = f"/o/{world.org.slug}/workforce/"
    for who in ("peer_a", "clinician", "admin", "evaluator"):
        assert login(getattr(world, who)).get(url).status_code == 403, who
    assert login(world.outsider).get(url).status_code == 404
    html = login(world.site_manager).get(url).content.decode()
    assert "Team C" in html and "Pat Peer" not in html
    team_a = reverse("workforce:team", args=[world.org.slug, world.team_a.pk])
    assert login(world.site_manager).get(team_a).status_code == 404
    assert login(world.clinician).get(team_a).status_code == 403


def test_a_teams_peer_worker_page_is_audited_too(world, disclosed, login):
    login(world.supervisor).get(reverse("workforce:team", args=[world.org.slug, world.team_a.pk]))
    event = AuditEvent.objects.get(action="workforce.team_profiles_viewed")
    assert event.actor_id == world.supervisor.pk
    assert event.details == {"worker_ids": [world.peer_a.pk]}


def test_sensitive_workforce_records_are_not_in_the_system_admin_site(world):
    from django.contrib import admin

    from peerway.workforce import models

    for model in (
        models.DisclosedAttribute,
        models.WorkerProfile,
        models.SupervisionSession,
        models.WellbeingCheckIn,
        models.Accommodation,
    ):
        assert not admin.site.is_registered(model), model


def test_overview_lines_show_each_workers_employment_in_the_readers_language(
    world, employed, login
):
    """Labels are looked up once per page: each line must still show its own worker's
    contract and status, and whether they have a peer colleague, in the page's language."""
    import re

    from peerway.workforce.models import WorkerProfile

    WorkerProfile.objects.filter(user=world.peer_b).update(status="leave", contract_type="casual")
    robin = make_user("robin@northwind.test", "Robin Peer")
    grant(robin, Role.PEER_WORKER, world.org, team=world.team_a)  # Pat is no longer alone
    url = f"/o/{world.org.slug}/workforce/"

    def line(html, name):
        row = re.search(rf"<tr>\s*<td><a [^>]*>{name}</a></td>(.*?)</tr>", html, re.S)
        return [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
        ]

    client = login(world.manager)
    html = client.get(url).content.decode()
    pat, quinn, robin_line = (
        line(html, "Pat Peer"),
        line(html, "Quinn Peer"),
        line(html, "Robin Peer"),
    )
    assert pat[1:3] == ["Term", "Active"] and pat[-1] == "Yes"
    assert quinn[1:3] == ["Casual", "On leave"] and quinn[-1] == "None"
    assert robin_line[1:3] == ["—", "—"] and robin_line[-1] == "Yes"
    client.cookies["django_language"] = "fr-ca"
    html = client.get(url).content.decode()
    quinn = line(html, "Quinn Peer")
    assert quinn[1:3] == ["Occasionnel", "En congé"] and quinn[-1] == "Aucun"
    assert line(html, "Pat Peer")[1:3] == ["Durée déterminée", "Actif"]

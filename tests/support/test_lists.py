"""Operational lists: paging, sorting, filters in the address, CSV downloads (formula-safe
and audited), scope, partial name search and the person page's actions."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.outcomes.models import SafetyTask
from peerway.recovery.models import RiskType
from peerway.support import selectors, services
from peerway.support.models import PeerRelationship, Person, PersonPreference, Referral


def url(world, rest):
    return f"/o/{world.org.slug}/{rest}"


def person(world, team=None, code=None, name="", **kw):
    return Person.objects.create(
        organization=world.org,
        team=team or world.team_a,
        name=name,
        **({"code": code} if code else {}),
        **kw,
    )


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def html(response) -> str:
    return response.content.decode()


# --- the people list ------------------------------------------------------------------------


def test_people_list_pages_by_25_and_says_how_many(world, login):
    for i in range(30):
        person(world, code=f"P-A{i:04d}")
    client = login(world.clinician)
    first = html(client.get(url(world, "supported/")))
    assert "People supported · 30 rows" in first
    assert first.count("/supported/") >= 25
    assert 'aria-label="Pages of People supported"' in first
    assert "P-A0000" in first and "P-A0029" not in first
    second = html(client.get(url(world, "supported/?page=2")))
    assert "P-A0029" in second and "P-A0000" not in second
    assert 'aria-current="page">2<' in second


def test_people_list_sorts_by_a_column_and_says_so(world, login):
    for code in ("P-AAAA222", "P-ZZZZ222", "P-MMMM222"):
        person(world, code=code)
    page = html(login(world.clinician).get(url(world, "supported/?sort=-code")))
    assert page.index("P-ZZZZ222") < page.index("P-MMMM222") < page.index("P-AAAA222")
    assert 'aria-sort="descending"' in page
    assert "?sort=code" in page  # the next click sorts ascending


def test_filters_stay_in_the_address_and_reach_the_csv(world, login):
    person(world, code="P-OPEN2222", status="active")
    person(world, code="P-SHUT2222", status="closed")
    page = login(world.clinician).get(url(world, "supported/?status=closed"))
    text = html(page)
    assert "P-SHUT2222" in text and "P-OPEN2222" not in text
    assert '<option value="closed" selected>' in text
    assert page.context["csv_query"] == "status=closed&format=csv"


def test_people_csv_is_formula_safe_names_codes_and_is_audited(world, login):
    person(world, code="P-FORM2222", name="=HYPERLINK(1)", language="fr")
    person(world, code="P-PLAIN222", name="Plain Name", team=world.team_b)
    response = login(world.clinician).get(url(world, "supported/?format=csv&q=hyper"))
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    assert rows[0] == [
        "Code",
        "Name",
        "Team",
        "Site",
        "Status",
        "Preferred language",
        "Since",
    ]
    assert rows[1][:2] == ["P-FORM2222", "'=HYPERLINK(1)"]
    assert rows[1][5] == "French"  # a name, never the code "fr"
    assert len(rows) == 2  # the clinician's team only, and the search applied
    event = AuditEvent.objects.get(action="support.people_exported")
    assert event.details["rows"] == 1
    assert event.details["filters"] == ["q"]
    assert "hyper" not in str(event.details).lower()


def test_a_worker_of_another_team_sees_nothing_of_others(world, login):
    person(world, code="P-TEAMA222", name="Alma Example")
    client = login(world.peer_b)
    assert "P-TEAMA222" not in html(client.get(url(world, "supported/")))
    assert "P-TEAMA222" not in html(client.get(url(world, "supported/?q=alma")))
    rows = rows_of(client.get(url(world, "supported/?format=csv")))
    assert rows[1:] == []
    # Nor may they filter by a team they cannot see.
    page = client.get(url(world, f"supported/?team={world.team_a.pk}"))
    assert "P-TEAMA222" not in html(page)
    assert page.context["filterset"].form.errors


def test_outsiders_and_evaluators_cannot_open_or_export_the_lists(world, login):
    for who in ("evaluator", "outsider"):
        client = login(getattr(world, who))
        for rest in ("supported/", "supported/?format=csv", "referrals/?format=csv"):
            assert client.get(url(world, rest)).status_code in (403, 404), (who, rest)
    assert not AuditEvent.objects.filter(action__endswith="_exported").exists()


def test_part_of_a_name_finds_the_person_whatever_the_accents(world, login):
    elodie = person(world, name="Élodie Martin")
    person(world, name="Someone Else")
    client = login(world.clinician)
    for typed in ("lodie", "MARTIN", "martin elo", "élo"):
        page = client.get(url(world, "supported/"), {"q": typed})
        assert list(page.context["table"].data) == [elodie], typed
    assert "Élodie Martin" in html(client.get(url(world, "supported/?q=lodie")))
    event = AuditEvent.objects.filter(action="support.people_searched").last()
    assert event.details == {"by": "name", "found": 1}


def test_a_peer_worker_searches_names_of_their_caseload_only(world, login):
    mine = person(world, name="Dana Mine")
    person(world, name="Dana Other")  # team A too, not on Pat's caseload
    PeerRelationship.objects.create(person=mine, worker=world.peer_a)
    page = login(world.peer_a).get(url(world, "supported/?q=dana"))
    assert list(page.context["table"].data) == [mine]


def test_a_role_without_names_searches_by_code_only_and_learns_nothing(world, login):
    named = person(world, code="P-NAMD2222", name="Élodie Martin")
    client = login(world.manager)
    existing = client.get(url(world, "supported/?q=Elodie"))
    missing = client.get(url(world, "supported/?q=Nobodyhere"))
    assert list(existing.context["table"].data) == list(missing.context["table"].data) == []
    assert "Élodie" not in html(existing)
    assert "Name" not in [c.header for c in existing.context["table"].columns]
    assert "Your role searches by code only." in html(existing)
    # By code, the manager finds the person (part of a code too), without their name.
    found = client.get(url(world, "supported/?q=P-NAMD"))
    assert list(found.context["table"].data) == [named]
    assert "Élodie" not in html(found)
    assert "Élodie" not in html(client.get(url(world, f"supported/{named.pk}/")))
    assert "Élodie" not in html(client.get(url(world, "supported/?format=csv")))
    assert not selectors.search_by_partial_name(
        world.manager, selectors.people_for(world.manager, world.org), "Elodie"
    ).exists()


def test_a_role_without_names_edits_the_record_without_seeing_or_erasing_the_name(world, login):
    someone = person(world, name="Élodie Martin")
    client = login(world.manager)
    form_page = client.get(url(world, f"supported/{someone.pk}/edit/"))
    assert "name" not in form_page.context["form"].fields
    assert "Élodie" not in html(form_page)
    client.post(
        url(world, f"supported/{someone.pk}/edit/"),
        {"year_of_birth": "1980", "language": "fr", "name": "Overwritten"},
    )
    someone.refresh_from_db()
    assert (someone.name, someone.year_of_birth) == ("Élodie Martin", 1980)


def test_the_people_list_costs_the_same_queries_for_5_or_25_people(world, login):
    client = login(world.clinician)
    for i in range(5):
        person(world, name=f"Name {i}")
    with CaptureQueriesContext(connection) as few:
        client.get(url(world, "supported/"))
    for i in range(20):
        person(world, name=f"More {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(url(world, "supported/"))
    assert len(many) == len(few)


# --- referrals ----------------------------------------------------------------------------


def refer(world, **kw):
    return services.create_referral(
        actor=world.clinician,
        team=world.team_a,
        source="clinician",
        reason=kw.pop("reason", "Needs support"),
        consent_given=True,
        **kw,
    )


def test_referrals_sort_filter_and_export(world, login):
    routine = refer(world, urgency="routine")
    urgent = refer(world, urgency="urgent")
    Referral.objects.filter(pk=routine.pk).update(created_at=timezone.now() - timedelta(days=30))
    client = login(world.supervisor)
    page = client.get(url(world, "referrals/"))
    assert list(page.context["table"].data) == [urgent, routine]  # most urgent first
    page = client.get(url(world, "referrals/?sort=-urgency"))
    assert list(page.context["table"].data) == [routine, urgent]
    assert 'aria-sort="descending"' in html(page)
    page = client.get(url(world, "referrals/?urgency=routine"))
    assert list(page.context["table"].data) == [routine]
    rows = rows_of(client.get(url(world, "referrals/?overdue=on&format=csv")))
    assert rows[0][:3] == ["Referred on", "Person", "Team"]
    assert [r[1] for r in rows[1:]] == [routine.person.code]
    # The manager, who follows people by code, gets no names; the supervisor does.
    Person.objects.filter(pk=routine.person.pk).update(name="")
    urgent.person.name = "Urgent Name"
    urgent.person.save()
    assert "Urgent Name" in html(client.get(url(world, "referrals/")))
    assert "Urgent Name" not in html(login(world.manager).get(url(world, "referrals/")))
    assert rows[1][4] == "Routine"
    event = AuditEvent.objects.get(action="support.referrals_exported")
    assert event.details["filters"] == ["overdue"] and event.details["rows"] == 1


def test_referrals_of_another_team_stay_out_of_the_list_and_csv(world, login):
    refer(world)
    client = login(world.peer_b)
    assert list(client.get(url(world, "referrals/")).context["table"].data) == []
    assert rows_of(client.get(url(world, "referrals/?format=csv")))[1:] == []


# --- safety queue and measures due -----------------------------------------------------------


def test_safety_queue_csv_is_scoped_and_audited(world, login):
    robin = person(world, code="P-ROBN2222", name="=cmd|' /C calc'!A0")
    other = person(world, team=world.team_c, code="P-SOUT2222")
    for p in (robin, other):
        SafetyTask.objects.create(
            organization=world.org,
            team=p.team,
            person=p,
            risk_type=RiskType.values[0],
            due_at=timezone.now() + timedelta(hours=1),
        )
    client = login(world.supervisor)  # the North site: team A, not team C
    page = client.get(url(world, "outcomes/safety/?sort=due_at"))
    assert [t.person for t in page.context["table"].data] == [robin]
    rows = rows_of(client.get(url(world, "outcomes/safety/?format=csv")))
    assert len(rows) == 2
    assert rows[1][2] == "P-ROBN2222 =cmd|' /C calc'!A0"  # a name after the code
    assert AuditEvent.objects.filter(action="outcomes.safety_queue_exported").exists()


# --- the person page ----------------------------------------------------------------------


ACTIONS = ("Log contact", "Record outcome measure", "Recovery plan")


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("peer_a", {"Log contact", "Record outcome measure", "Recovery plan"}),
        ("supervisor", {"Record outcome measure", "Recovery plan"}),
        ("clinician", set()),
        ("manager", {"Record outcome measure", "Recovery plan"}),
    ],
)
def test_person_page_offers_only_the_actions_the_user_may_take(world, login, who, expected):
    someone = person(world, name="Robin Example", created_by=world.clinician)
    PeerRelationship.objects.create(person=someone, worker=world.peer_a)
    user = getattr(world, who)
    page = html(login(user).get(url(world, f"supported/{someone.pk}/")))
    shown = {a for a in ACTIONS if f">{a}</a>" in page}
    assert shown == expected
    for action in shown:
        # Each action opens for this user.
        target = {
            "Log contact": f"contacts/log/{world.team_a.pk}/?person={someone.pk}",
            "Record outcome measure": f"outcomes/people/{someone.pk}/",
            "Recovery plan": f"recovery/people/{someone.pk}/plan/",
        }[action]
        assert login(user).get(url(world, target)).status_code == 200, action


def test_person_page_shows_names_of_codes(world, login):
    someone = person(world, language="cr")
    PersonPreference.objects.create(person=someone, attribute="language", value="fr")
    PersonPreference.objects.create(person=someone, attribute="gender", value="non_binary")
    page = html(login(world.clinician).get(url(world, f"supported/{someone.pk}/")))
    assert "Cree" in page
    assert "Language: French" in page
    assert "Non-binary" in page and "non_binary" not in page


def test_referral_and_safety_lists_cost_the_same_queries_for_more_rows(world, login):
    client = login(world.supervisor)

    def add(n):
        for _ in range(n):
            r = refer(world, name="Some Name")
            SafetyTask.objects.create(
                organization=world.org,
                team=world.team_a,
                person=r.person,
                risk_type=RiskType.values[0],
                due_at=timezone.now() + timedelta(hours=1),
            )

    add(3)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as referrals:
            client.get(url(world, "referrals/"))
        with CaptureQueriesContext(connection) as tasks:
            client.get(url(world, "outcomes/safety/"))
        counts.append((len(referrals), len(tasks)))
        add(12)
    assert counts[0] == counts[1]


def test_the_list_table_speaks_french(world, login):
    for i in range(30):
        person(world, code=f"P-F{i:04d}")
    client = login(world.clinician)
    client.post("/i18n/setlang/", {"language": "fr-ca"})
    page = html(client.get(url(world, "supported/?sort=code")))
    assert "30 lignes" in page
    assert 'aria-label="Pages de : ' in page
    assert "tri croissant; trier en ordre décroissant" in page
    assert "Télécharger en CSV" in page


def test_referrals_default_order_puts_waiting_ones_first_until_a_column_is_chosen(world, login):
    old_waiting = refer(world, urgency="routine")
    Referral.objects.filter(pk=old_waiting.pk).update(created_at=timezone.now() - timedelta(days=3))
    closed = refer(world, urgency="urgent")
    Referral.objects.filter(pk=closed.pk).update(state="closed")
    client = login(world.supervisor)
    assert list(client.get(url(world, "referrals/")).context["table"].data) == [
        old_waiting,
        closed,
    ]
    page = client.get(url(world, "referrals/?sort=-created_at"))
    assert list(page.context["table"].data) == [closed, old_waiting]


def test_no_filter_shows_a_row_of_dashes_for_any(world, login):
    """Every empty choice of a list filter says what it means ("Any"), team filters too."""
    client = login(world.supervisor)
    for path in ("supported/", "referrals/"):
        page = html(client.get(url(world, path)))
        assert "---------" not in page, path
        assert ">Any</option>" in page, path

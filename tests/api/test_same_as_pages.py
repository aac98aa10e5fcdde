"""For every role of the named world, the people and referrals the API lists are exactly
those the pages list: both go through the same selectors."""

from __future__ import annotations

from django.urls import reverse

from peerway.core.models import Team
from peerway.support import services
from peerway.support.models import Person

from .conftest import Api, issue


def test_api_lists_equal_the_pages_for_every_role(world, people, login):
    team_c_person = Person.objects.create(
        organization=world.org, team=world.team_c, code="P-DEE2345"
    )
    services.create_referral(
        actor=world.clinician, team=world.team_a, source="clinician", person=people["ana"]
    )
    services.create_referral(
        actor=world.supervisor, team=world.team_b, source="clinician", person=people["cy"]
    )
    services.create_referral(
        actor=world.site_manager, team=world.team_c, source="clinician", person=team_c_person
    )
    assert Team.objects.count() >= 3
    users = world.users
    seen_something = 0
    for user in users:
        page_client = login(user)
        page = page_client.get(reverse("support:people", args=["northwind"]))
        referral_page = page_client.get(reverse("support:referrals", args=["northwind"]))
        api = Api(issue(user))
        listed = api.get("/api/v1/o/northwind/people", {"limit": 200})
        referrals = api.get("/api/v1/o/northwind/referrals", {"limit": 200})
        if page.status_code != 200:
            # Refused on the page (403) or not found (404): the same through the API.
            assert listed.status_code == page.status_code, user
            assert referrals.status_code == referral_page.status_code, user
            continue
        seen_something += 1
        # Every row the page's list holds (all its pages), not just the first page.
        page_codes = sorted(p.code for p in page.context["table"].data)
        api_codes = sorted(r["code"] for r in listed.json()["results"])
        assert api_codes == page_codes, user
        page_ids = sorted(r.pk for r in referral_page.context["table"].data)
        api_ids = sorted(r["id"] for r in referrals.json()["results"])
        assert api_ids == page_ids, user
    assert seen_something >= 5

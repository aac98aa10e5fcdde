"""Links that would answer 403 are not shown: every role of the test world (and human
resources, and superusers with and without a role) follows every link of its menu and
of its home page, and every one of them opens."""

from __future__ import annotations

import re

import pytest

from peerway.core.models import User
from peerway.core.roles import Role

from ..conftest import grant, make_user

HREF = re.compile(rb'href="(/[^"#]*)"')


def account(world, who: str) -> User:
    if who == "hr":
        user = make_user("hr@northwind.test", "Harper HR")
        grant(user, Role.HR, world.org)
        return user
    if who == "root":
        return User.objects.create_superuser(
            email="root@northwind.test", password=None, display_name="Root Account"
        )
    if who == "admin_superuser":
        world.admin.is_superuser = True
        world.admin.save()
        who = "admin"
    return User.objects.get(pk=getattr(world, who).pk)


ROLES = [
    "manager",
    "site_manager",
    "supervisor",
    "peer_a",
    "peer_b",
    "clinician",
    "evaluator",
    "admin",
    "outsider",
    "hr",
    "root",
    "admin_superuser",
]


def links_of(response) -> list[str]:
    found = [item.url for item in response.context["peerway_nav"]]
    for href in HREF.findall(response.content):
        url = href.decode().replace("&amp;", "&")
        if not url.startswith(("/static/", "/i18n/")):
            found.append(url)
    return list(dict.fromkeys(found))


@pytest.mark.parametrize("who", ROLES)
def test_every_link_shown_opens(world, client, who):
    client.force_login(account(world, who))
    home = client.get("/")
    assert home.status_code == 200
    broken = []
    for url in links_of(home):
        response = client.get(url, follow=True)
        if response.status_code != 200:
            broken.append(f"{url} answers {response.status_code}")
    assert not broken, f"{who}: " + "; ".join(broken)


def test_human_resources_see_only_their_pages(world, client):
    client.force_login(account(world, "hr"))
    labels = {str(item.label) for item in client.get("/").context["peerway_nav"]}
    assert "Peer workforce" in labels
    for hidden in ("Dashboards", "Implementation plan", "People supported", "Audit trail"):
        assert hidden not in labels


def test_a_superuser_without_a_role_sees_only_home(world, client):
    client.force_login(account(world, "root"))
    assert [str(i.label) for i in client.get("/").context["peerway_nav"]] == ["Home"]

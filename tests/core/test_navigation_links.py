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


DEEPER = {"hr@lakeshore.example", "admin@lakeshore.example"}
# Files (PDF, CSV, zip) are generated on request: slow, and not pages with links.
SIDE_DOORS = ("/download", ".pdf", "/pdf", ".csv", "/csv", "/export")


def links_of(response) -> list[str]:
    context = getattr(response, "context", None)
    found = [item.url for item in (context.get("peerway_nav", []) if context else [])]
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


def test_every_link_shown_in_the_demo_opens_for_every_role(demo_region, client):
    """The demo region has records behind its home pages: one account per role, human
    resources included (the administrator is also a superuser there)."""
    from peerway.core import demo

    emails = [row["email"] for row in demo.logins()]
    assert User.objects.get(email="hr@lakeshore.example").memberships.filter(role=Role.HR)
    assert User.objects.get(email="admin@lakeshore.example").is_superuser
    broken = []
    for email in emails:
        client.force_login(User.objects.get(email=email))
        home = client.get("/")
        assert home.status_code == 200, email
        # The menu and home page; for human resources and the administrator (a superuser
        # here), the roles the probe found links refused to, one click further as well.
        first = links_of(home)
        second = []
        for url in first:
            response = client.get(url, follow=True)
            if response.status_code != 200:
                broken.append(f"{email}: {url} answers {response.status_code}")
            elif email in DEEPER and response.get("Content-Type", "").startswith("text/html"):
                second.extend(u for u in links_of(response) if u not in first)
        for url in dict.fromkeys(second):
            if any(word in url for word in SIDE_DOORS):
                continue
            response = client.get(url, follow=True)
            if response.status_code != 200:
                broken.append(f"{email}: {url} (one click further) answers {response.status_code}")
    assert not broken, "\n".join(broken)


def test_menus_follow_the_loop_and_hold_every_page(world, client):
    """Every page of the bar belongs to a menu; menus come in the loop's order, and the
    menu of the page being shown (or of the page above it) is marked."""
    from peerway.core.navigation import GROUPS, ORGANIZATION_PAGES, current_item

    keys = [key for key, _label in GROUPS]
    assert {group for _label, _name, group in ORGANIZATION_PAGES} <= set(keys)
    client.force_login(account(world, "manager"))
    context = client.get("/o/northwind/referrals/").context
    menus = context["peerway_menus"]
    assert [m.key for m in menus] == [k for k in keys if k in {m.key for m in menus}]
    assert {"service", "evaluate", "administration"} <= {m.key for m in menus}
    shown = [item for m in menus for item in m.items]
    assert shown == [item for item in context["peerway_nav"] if item.group]
    assert [m.key for m in menus if m.active] == ["service"]
    assert context["peerway_nav_current"] == "/o/northwind/referrals/"
    deeper = current_item(context["peerway_nav"], "/o/northwind/referrals/12/")
    assert deeper is not None and deeper.url == "/o/northwind/referrals/"
    assert current_item(context["peerway_nav"], "/nowhere/") is None
    # A page under the organization's front page but in no menu marks no menu.
    structure = next(i for i in context["peerway_nav"] if i.url == "/o/northwind/")
    assert current_item(context["peerway_nav"], "/o/northwind/contacts/log/1/") is None
    assert current_item(context["peerway_nav"], structure.url) == structure


def test_human_resources_menus(world, client):
    client.force_login(account(world, "hr"))
    menus = {
        m.key: [str(i.label) for i in m.items] for m in client.get("/").context["peerway_menus"]
    }
    assert menus["workforce"] == ["Peer workforce"]
    assert "service" not in menus and "evaluate" not in menus

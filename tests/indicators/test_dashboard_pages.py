"""Place dashboards kept as drawn (``indicators.cache.dashboard_page``): a page kept for a
reader is exactly the page drawn afresh, after every kind of write, as the clock moves and
when the reader's role changes; no reader is ever given another's page; every view is
audited, kept or not."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from peerway.core.models import AuditEvent, Membership
from peerway.core.roles import Role
from peerway.indicators import cache

from .test_cache import KIND_OF_WRITE, WRITES, task_due_in_an_hour, time_passes


def _url(world, level="organization"):
    if level == "organization":
        return reverse("indicators:organization", args=[world.org.slug])
    return reverse("indicators:team", args=[world.org.slug, world.team_a.pk])


def body(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return str(response.context["body"])


def drawn_afresh(client, url, **params):
    cache.forget_pages()
    return body(client, url, **params)


@pytest.mark.parametrize("reader", ["manager", "evaluator"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_kept_page_is_the_page_drawn_afresh(world, service, login, reader, lang):
    client = login(getattr(world, reader))
    client.cookies["django_language"] = "fr-ca" if lang == "fr" else "en"
    url = _url(world)
    first = body(client, url)
    with CaptureQueriesContext(connection) as kept:
        again = body(client, url)
    with CaptureQueriesContext(connection) as fresh:
        expected = drawn_afresh(client, url)
    assert again == first == expected
    assert len(kept.captured_queries) < len(fresh.captured_queries)
    marker = "Vue agrégée" if lang == "fr" else "Aggregate view"
    assert (marker in again) == (reader == "evaluator")
    assert ("Pat Peer" in again) == (reader == "manager")


def test_each_period_and_place_has_its_own_page(world, service, login):
    client = login(world.manager)
    pages = {
        (level, months): body(client, _url(world, level), months=months)
        for level in ("organization", "team")
        for months in (1, 6)
    }
    assert len(set(pages.values())) == 4
    for (level, months), page in pages.items():
        assert page == drawn_afresh(client, _url(world, level), months=months)


# One write of each kind of record (the writes and their kinds: tests/indicators/test_cache.py).
ONE_OF_EACH_KIND = {kind: write for write, kind in reversed(KIND_OF_WRITE.items())}


@pytest.mark.parametrize("write", sorted(ONE_OF_EACH_KIND.values()))
def test_after_a_write_the_kept_page_is_drawn_again(world, service, login, write):
    client = login(world.manager)
    url = _url(world)
    before = body(client, url)
    WRITES[write](world, service)
    after = body(client, url)
    assert after == drawn_afresh(client, url)
    if write in ("contact logged", "referral received", "team renamed"):
        assert after != before


def test_a_safety_task_falling_overdue_is_shown_without_a_write(world, service, login):
    task = task_due_in_an_hour(world, service)
    client = login(world.manager)
    url = _url(world)
    before = body(client, url)
    time_passes(task)
    after = body(client, url)
    assert after != before
    assert after == drawn_afresh(client, url)


def test_a_reader_whose_role_changes_gets_the_page_of_the_new_role(world, service, login):
    client = login(world.manager)
    url = _url(world)
    assert "Pat Peer" in body(client, url)
    membership = Membership.objects.get(user=world.manager, organization=world.org)
    membership.role = Role.EVALUATOR
    membership.save()
    page = body(login(world.manager), url)
    assert "Pat Peer" not in page and "Aggregate view" in page


def test_no_reader_is_given_another_readers_page(world, service, login):
    url = _url(world)
    manager_page = body(login(world.manager), url)
    evaluator_page = body(login(world.evaluator), url)
    assert "Pat Peer" in manager_page
    assert "Pat Peer" not in evaluator_page
    # A second manager draws their own (the same figures, kept apart).
    other = Membership.objects.get(user=world.manager, organization=world.org)
    from tests.conftest import grant, make_user

    second = make_user("morgan@northwind.test", "Morgan Manager")
    grant(second, Role.MANAGER, world.org)
    assert other.role == Role.MANAGER
    with CaptureQueriesContext(connection) as drawn:
        second_page = body(login(second), url)
    assert second_page == manager_page
    assert len(drawn.captured_queries) > 15  # drawn, not taken from the first manager's


def test_every_view_is_audited_kept_or_not(world, service, login):
    client = login(world.evaluator)
    url = _url(world)
    before = AuditEvent.objects.filter(action="indicators.dashboard_viewed").count()
    body(client, url)
    body(client, url)
    assert AuditEvent.objects.filter(action="indicators.dashboard_viewed").count() == before + 2


def test_pages_kept_are_bounded(world, service, login, settings):
    settings.PEERWAY_DASHBOARD_PAGE_ENTRIES = 1
    client = login(world.manager)
    for months in (1, 3, 6, 1):
        assert body(client, _url(world), months=months) == drawn_afresh(
            client, _url(world), months=months
        )
        assert len(cache._pages) <= 1
    settings.PEERWAY_DASHBOARD_PAGE_ENTRIES = 0
    cache.forget_pages()
    body(client, _url(world))
    assert len(cache._pages) == 0


def test_the_language_is_part_of_the_page(world, service, login):
    client = login(world.manager)
    url = _url(world)
    english = body(client, url)
    client.cookies["django_language"] = "fr-ca"
    with translation.override("fr-ca"):
        french = body(client, url)
    assert english != french and "Tableau de bord" in french

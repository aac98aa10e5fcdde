"""Which tests the PostgreSQL pass of `make test` skips as already run (decision 38)."""

from __future__ import annotations

import pytest

from tests.conftest import runs_once, uses_the_database


class FakeItem:
    def __init__(self, fixtures=(), markers=()):
        self.fixturenames = list(fixtures)
        self._markers = {name: getattr(pytest.mark, name) for name in markers}

    def get_closest_marker(self, name):
        return self._markers.get(name)


@pytest.mark.parametrize(
    "fixtures, markers",
    [
        (("db",), ()),
        (("transactional_db",), ()),
        (("live_server", "page"), ()),
        (("client",), ("django_db",)),
        (("django_db_setup", "django_db_blocker"), ()),  # the shared demo region's seeding
        (("admin_client",), ()),
    ],
)
def test_a_test_that_can_reach_the_database_runs_on_both_engines(fixtures, markers):
    item = FakeItem(fixtures, markers)
    assert uses_the_database(item)
    assert not runs_once(item)


@pytest.mark.parametrize(
    "fixtures, markers",
    [
        ((), ()),
        (("tmp_path", "monkeypatch", "settings", "django_db_blocker"), ()),
        (("client", "rf"), ()),  # without the marker pytest-django refuses the database
    ],
)
def test_a_test_that_cannot_reach_the_database_runs_once(fixtures, markers):
    item = FakeItem(fixtures, markers)
    assert not uses_the_database(item)
    assert runs_once(item)


def test_a_browser_sweep_marked_engine_independent_runs_once():
    assert runs_once(FakeItem(("live_server", "demo", "page"), ("engine_independent",)))


def test_this_session_skips_only_when_the_first_pass_ran(request, db):
    """In a pass that sets PEERWAY_ENGINE_INDEPENDENT_RAN, every run-once test carries the
    skip; otherwise none does (the suite run alone on one engine runs everything). It asks
    for the database so that it runs in both passes."""
    import os

    ran = bool(os.environ.get("PEERWAY_ENGINE_INDEPENDENT_RAN"))
    items = request.session.items
    once = [item for item in items if runs_once(item)]
    assert once, "no test of the suite was found to run once"
    skipped = [
        item
        for item in once
        if any(
            "ran in the first pass" in str(mark.kwargs.get("reason", ""))
            for mark in item.iter_markers("skip")
        )
    ]
    assert len(skipped) == (len(once) if ran else 0)
    both = [item for item in items if not runs_once(item)]
    assert not any(
        "ran in the first pass" in str(mark.kwargs.get("reason", ""))
        for item in both
        for mark in item.iter_markers("skip")
    )


def test_axe_is_left_to_the_first_pass_only_when_the_first_pass_ran():
    """The browser tests' guard runs axe unless the script says the SQLite pass ran it
    (then every journey still runs, and still fails a page visited without a check). This
    test needs no database: it runs in the first pass, where axe must run."""
    import os

    import tests.e2e.conftest as e2e

    assert bool(os.environ.get("PEERWAY_ENGINE_INDEPENDENT_RAN")) == e2e.AXE_RAN
    assert not e2e.AXE_RAN

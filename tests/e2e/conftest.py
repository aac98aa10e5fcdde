"""Browser tests: Playwright (sync API) driving Debian's chromium against ``live_server``.

Every test in this folder is marked ``browser`` and the whole folder is skipped when
``/usr/bin/chromium`` is missing. Playwright never downloads a browser here: it launches
the system chromium through ``executable_path``.

Each page a journey visits is checked with axe-core (shipped inside the
axe-playwright-python package, injected with ``page.evaluate``: no network). The
``page`` fixture records every main-frame navigation and fails the test if one of them
was never checked, so a journey cannot silently skip the accessibility check.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import DEMO_COPIES, is_postgresql_superuser

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Page

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls
# made from test code unless this is set.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCALE = "en-CA"
# How long a step may wait for what it checks (a page, an element, a text). Every check is
# an explicit wait that returns as soon as the condition holds, so a generous limit costs
# nothing when the machine is quick and keeps a busy machine (a slow chart, a slow server
# thread) from failing a journey that is right.
STEP_TIMEOUT_MS = 30_000
# How long a test's teardown waits for the live server to finish the requests still in
# flight (a page the browser stopped waiting for) before the database is emptied.
SETTLE_SECONDS = 60
# Axe impacts that fail a test; "minor" and "moderate" ones are reported by axe only.
BLOCKING_IMPACTS = {"serious", "critical"}


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        return f"playwright or axe-playwright-python is not installed ({exc})"
    return None


def _in_this_folder(item: pytest.Item) -> bool:
    return Path(str(item.path)).resolve().is_relative_to(HERE)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # tryfirst: the marker must be on the items before ``-m browser`` selects them.
    reason = _skip_reason()
    for item in items:
        if not _in_this_folder(item):
            continue
        if item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


# --- Browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


# The window's size and the whole document as it stands, with the per-request secrets (the
# form's CSRF token) blanked: two pages with the same key get the same axe verdict.
_DOCUMENT_KEY = """() => {
  const copy = document.documentElement.cloneNode(true);
  for (const el of copy.querySelectorAll('input[name=csrfmiddlewaretoken]')) {
    el.setAttribute('value', '');
  }
  const active = document.activeElement;
  const focused = active ? `${active.tagName}#${active.id}[${active.getAttribute('name')}]` : '';
  const size = `${window.innerWidth}x${window.innerHeight}`;
  return `${size}|${focused}|${copy.outerHTML}`;
}"""
_PASSED_DOCUMENTS: set[str] = set()
# axe's verdict depends on the document, the stylesheet and the window, never on the
# database engine: the second pass of `make test` (PostgreSQL) keeps every step of a journey
# and every check that a page was checked, but runs axe only in the first pass, which ran
# the same journeys on SQLite (decision 38).
AXE_RAN = bool(os.environ.get("PEERWAY_ENGINE_INDEPENDENT_RAN"))
AXE_OPTIONS = {"resultTypes": ["violations"]}  # what axe-playwright-python asks for


def axe_script() -> str:
    """axe-core as axe-playwright-python ships it (read once, when that module loads)."""
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


class AccessibilityGuard:
    """Runs axe on a page and remembers which navigations have been checked."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.unchecked: list[str] = []
        self.checked: list[str] = []
        self.document = ""
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Frame) -> None:
        if frame != self.page.main_frame:
            return
        document = frame.url.partition("#")[0]
        if "#" in frame.url and document == self.document:
            return  # same-document move to a fragment (a skip link): not a new page
        self.document = document
        self.unchecked.append(frame.url)

    def check(self) -> None:
        """Fail on any serious or critical axe violation on the current page.

        axe's verdict depends only on the document, the stylesheet and the window: a
        document identical to one already checked at the same window size (the sign-in and
        two-factor pages, which every test opens) is not checked again in this worker, and
        the PostgreSQL pass of `make test` leaves axe to the SQLite pass (AXE_RAN)."""
        self.page.wait_for_load_state("load")
        missed = self.unchecked[:-1]
        assert not missed, f"Pages visited without an accessibility check: {missed}"
        self.checked.append(self.page.url)
        self.unchecked.clear()
        if AXE_RAN:
            return
        seen = self.page.evaluate(_DOCUMENT_KEY)
        if seen in _PASSED_DOCUMENTS:
            return
        # axe is usually in the page already (the context's init script, see open_page);
        # a page that replaced its window object gets it again.
        from axe_playwright_python.base import AxeResults

        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(axe_script())
        results = AxeResults(self.page.evaluate("options => axe.run(options)", AXE_OPTIONS))
        blocking = [
            v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS
        ]
        if blocking:
            pytest.fail(format_violations(self.page.url, blocking))
        _PASSED_DOCUMENTS.add(seen)


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} serious/critical violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v.get('helpUrl', '')}]")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary}")
            lines.append(f"       {node.get('html', '')[:200]}")
    return "\n".join(lines)


@pytest.fixture(scope="session", autouse=True)
def _patient_expectations():
    """``expect(...)`` retries until its condition holds, up to this limit (5 s by default)."""
    if _skip_reason():
        yield
        return
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    yield


class _InFlight:
    """Counts the requests the live server is answering (Django's request signals)."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = threading.Condition()

    def started(self, **kwargs) -> None:
        with self.idle:
            self.count += 1

    def finished(self, **kwargs) -> None:
        with self.idle:
            self.count -= 1
            self.idle.notify_all()

    def wait(self, seconds: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.count <= 0, timeout=seconds)


@pytest.fixture(scope="session")
def _in_flight() -> Iterator[_InFlight]:
    from django.core.signals import request_finished, request_started

    counter = _InFlight()
    request_started.connect(counter.started, dispatch_uid="e2e-in-flight-started")
    request_finished.connect(counter.finished, dispatch_uid="e2e-in-flight-finished")
    yield counter
    request_started.disconnect(dispatch_uid="e2e-in-flight-started")
    request_finished.disconnect(dispatch_uid="e2e-in-flight-finished")


@pytest.fixture(autouse=True)
def _server_settles(request, _in_flight):
    """After a browser test, wait for the requests the live server is still answering
    before the test database is emptied.

    A failed step (a timeout on a slow page) ends the test while the server may still be
    answering the page it was waiting for; emptying the database under that request is what
    left it locked for the next tests. This fixture is set up after pytest-django's own
    (which empties the database), so its teardown runs first, after the test's browser
    contexts are closed."""
    with _in_flight.idle:
        _in_flight.count = 0  # a request a failed test gave up on counts for that test only
    yield
    if "live_server" not in request.fixturenames:
        return
    if not _in_flight.wait(SETTLE_SECONDS):
        pytest.fail(
            f"The live server still answers {_in_flight.count} request(s) "
            f"{SETTLE_SECONDS} s after the test ended: the database cannot be emptied safely."
        )


@pytest.fixture
def open_page(browser) -> Iterator[Callable[[], Page]]:
    """Open a page in a fresh browser context (own cookies: a separate, anonymous visitor)."""
    contexts = []
    guards: list[AccessibilityGuard] = []

    def _open() -> Page:
        context = browser.new_context(locale=LOCALE)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        if not AXE_RAN:
            # axe in every document the context loads, compiled as the page starts, rather
            # than its 0.5 MB sent over and compiled again at every check.
            context.add_init_script(script=axe_script())
        page = context.new_page()
        page.a11y = AccessibilityGuard(page)
        guards.append(page.a11y)
        return page

    yield _open
    for context in contexts:
        context.close()
    missed = [url for g in guards for url in g.unchecked]
    assert not missed, f"Pages visited without an accessibility check: {missed}"


@pytest.fixture
def page(open_page) -> Page:
    return open_page()


# --- Server and data -------------------------------------------------------------------


class DatabaseCopy:
    """Every row of every table of the test database, read once and written back later.

    Seeding the reduced demo takes seconds (most of a browser test's time); the browser
    tests change it, and the test database is emptied after each of them. The first test of
    a worker seeds it and copies the tables; the later ones write that copy back (the same
    rows, the same keys), which takes a fraction of a second. PostgreSQL copies each table
    with COPY (text format, exact for every type); SQLite copies the whole database with its
    backup API (every page, byte for byte)."""

    def __init__(self, connection) -> None:
        import sqlite3

        self.vendor = connection.vendor
        self.tables = sorted(connection.introspection.django_table_names(only_existing=True))
        connection.ensure_connection()
        if self.vendor == "postgresql":
            self.rows: dict[str, bytes] = {}
            quote = connection.ops.quote_name
            with connection.connection.cursor() as cursor:
                for table in self.tables:
                    with cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                        self.rows[table] = b"".join(bytes(block) for block in copy)
        else:
            self.pages = sqlite3.connect(":memory:")
            connection.connection.backup(self.pages)

    def restore(self, connection) -> None:
        from django.contrib.contenttypes.models import ContentType
        from django.core.management.color import no_style
        from django.db import transaction

        connection.ensure_connection()
        if self.vendor == "postgresql":
            quote = connection.ops.quote_name
            with transaction.atomic():
                # Foreign keys are checked when the transaction commits (Django creates
                # them deferrable): the tables can be emptied and filled in any order.
                # The rows are a copy of a whole database that held them, so checking them
                # again is only time (about 0.3 s a commit): a superuser (CI's) skips it.
                if is_postgresql_superuser(connection):
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL session_replication_role = replica")
                connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), self.tables))
                with connection.connection.cursor() as cursor:
                    for table, data in self.rows.items():
                        if data:
                            with cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                                copy.write(data)
        else:
            self.pages.backup(connection.connection)
        # Content types are rows too: forget the ones cached before the copy came back.
        ContentType.objects.clear_cache()


@pytest.fixture
def demo(live_server, settings):
    """The demo region (a quarter of its contacts, same patterns) in the (transactional)
    test database the server reads: seeded by a worker's first browser test, then written
    back from the copy taken after that seeding (see DatabaseCopy)."""
    from django.core.cache import cache
    from django.db import connection

    from peerway.core import demo

    settings.PEERWAY_DEMO_SCALE = 0.25

    # allauth refuses a TOTP code already used within its period; the cache is
    # per process, so start every test with no remembered codes or rate limits.
    cache.clear()
    copy = DEMO_COPIES.get(connection.settings_dict["NAME"])
    if copy is None:
        region = demo.seed()
        DEMO_COPIES[connection.settings_dict["NAME"]] = DatabaseCopy(connection)
        return region
    copy.restore(connection)
    return demo.load_region()

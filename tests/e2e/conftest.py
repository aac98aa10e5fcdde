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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

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
        """Fail on any serious or critical axe violation on the current page."""
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("load")
        missed = self.unchecked[:-1]
        assert not missed, f"Pages visited without an accessibility check: {missed}"
        results = Axe().run(self.page)
        self.checked.append(self.page.url)
        self.unchecked.clear()
        blocking = [
            v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS
        ]
        if blocking:
            pytest.fail(format_violations(self.page.url, blocking))


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


@pytest.fixture
def open_page(browser) -> Iterator[Callable[[], Page]]:
    """Open a page in a fresh browser context (own cookies: a separate, anonymous visitor)."""
    contexts = []
    guards: list[AccessibilityGuard] = []

    def _open() -> Page:
        context = browser.new_context(locale=LOCALE)
        context.set_default_timeout(10_000)
        contexts.append(context)
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


@pytest.fixture
def demo(live_server, settings):
    """The demo region, seeded in the (transactional) test database the server reads."""
    from django.core.cache import cache

    from peerway.core import demo

    # A quarter of the demo's contacts (same patterns): seeding runs for every test.
    settings.PEERWAY_DEMO_SCALE = 0.25

    # allauth refuses a TOTP code already used within its period; the cache is
    # per process, so start every test with no remembered codes or rate limits.
    cache.clear()
    return demo.seed()

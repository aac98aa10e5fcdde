"""The API's browsable docs (Swagger UI bundled with django-ninja) run under the strict
Content Security Policy: from Peerway's own static files, with no violation reported."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

# The schema and its page, not the database: run once (decision 38).
pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]


def test_api_docs_render_every_operation_without_a_csp_violation(
    transactional_db, world, live_server, browser
):
    client = Client()
    client.force_login(world.manager)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(locale="en-CA")
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    # Collected from the first script on: a violation anywhere on the page is recorded.
    context.add_init_script(
        "window.__csp = [];"
        "document.addEventListener('securitypolicyviolation', e => "
        "window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    try:
        response = page.goto(f"{live_server.url}/api/v1/docs")
        assert response.status == 200
        page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
        operations = page.locator(".swagger-ui .opblock").count()
        assert operations >= 10
        violations = page.evaluate("window.__csp")
        assert violations == [], violations
        assert not [m for m in messages if "Content Security Policy" in m], messages
        assert all(url.startswith(live_server.url) for url in requests), requests
    finally:
        context.close()

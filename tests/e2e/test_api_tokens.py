"""API token pages in a real browser, axe-checked: a person creates a token after a
two-factor sign-in, sees it once and revokes it; an administrator creates a service
account."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from django.test import Client

from peerway.api.models import ApiToken

from .helpers import submit, visit

pytestmark = pytest.mark.browser


def signed_in(page, live_server, user, *, two_factor: bool):
    """A browser session for ``user``; ``two_factor``: as if the sign-in passed a code."""
    client = Client()
    client.force_login(user)
    if two_factor:
        session = client.session
        # What allauth keeps after a password and a code (its authentication records).
        session["account_authentication_methods"] = [
            {"method": "password", "at": time.time()},
            {"method": "mfa", "type": "totp", "at": time.time()},
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_a_token_is_created_once_shown_and_revoked(transactional_db, world, live_server, page):
    signed_in(page, live_server, world.peer_a, two_factor=True)
    visit(page, f"{live_server.url}/")
    submit(page, page.get_by_role("link", name="My API tokens"))
    page.get_by_label("Name").fill("caseload sync")
    submit(page, page.get_by_role("button", name="Create token"))
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("pw_")
    token = ApiToken.objects.get(user=world.peer_a)
    visit(page, f"{live_server.url}/account/api-tokens/")
    assert secret not in page.content() and token.display_prefix in page.content()
    submit(page, page.get_by_role("button", name="Revoke caseload sync"))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_without_a_second_factor_the_page_explains_and_offers_no_form(
    transactional_db, world, live_server, page
):
    signed_in(page, live_server, world.peer_a, two_factor=False)
    visit(page, f"{live_server.url}/account/api-tokens/")
    assert page.get_by_role("button", name="Create token").count() == 0
    assert "two-factor" in page.content()


def test_administrator_creates_a_service_account(transactional_db, world, live_server, page):
    signed_in(page, live_server, world.admin, two_factor=True)
    visit(page, f"{live_server.url}/account/api-tokens/")
    submit(page, page.get_by_role("link", name="API service accounts of Northwind Region"))
    page.get_by_label("Name").fill("regional warehouse")
    page.get_by_label("Role").select_option("evaluator")
    submit(page, page.get_by_role("button", name="Create account and token"))
    assert page.get_by_label("Token", exact=True).input_value().startswith("pw_")
    assert ApiToken.objects.filter(service_account=True, organization=world.org).count() == 1

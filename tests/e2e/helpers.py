"""Steps shared by the browser journeys. Every step that loads a page runs axe on it."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, Response, expect

from peerway.core.demo import DEMO_PASSWORD, current_code, demo_totp_secret

PO_FILE = Path(__file__).resolve().parents[2] / "peerway/locale/fr_CA/LC_MESSAGES/django.po"


def visit(page: Page, url: str) -> Response | None:
    """Go to a URL, wait for it and check the page it lands on."""
    response = page.goto(url)
    page.a11y.check()
    return response


def submit(page: Page, button) -> Response | None:
    """Click a button that loads a new page, then check that page."""
    with page.expect_navigation() as navigation:
        button.click()
    page.a11y.check()
    return navigation.value


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def fresh_totp(email: str) -> str:
    """The demo account's current code, waiting out the last second of a period."""
    from allauth.mfa import app_settings

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 2:
        time.sleep(left + 0.1)
    return current_code(demo_totp_secret(email))


def sign_in(page: Page, base_url: str, email: str, *, two_factor: bool = False) -> None:
    """Sign in through the form (and the two-factor page), ending on the home page."""
    if not path_of(page).startswith("/accounts/login/"):
        visit(page, f"{base_url}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    submit(page, page.get_by_role("button", name="Sign in"))
    if two_factor:
        assert path_of(page) == "/accounts/2fa/authenticate/", page.url
        page.get_by_label("Code").fill(fresh_totp(email))
        submit(page, page.get_by_role("button", name="Sign in"))
    assert path_of(page) == "/", f"expected the home page after signing in, got {page.url}"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def french_catalogue(msgid: str) -> tuple[bool, str | None]:
    """Whether the fr_CA .po file lists ``msgid``, and its French text if Django serves one.

    French is written alongside the code, so an entry may be missing, empty, fuzzy or not
    yet compiled: the French text is returned only when the compiled catalogue Django
    loads agrees with a non-empty translation in the .po file.
    """
    if not PO_FILE.exists():
        return False, None
    from django.utils import translation

    text = PO_FILE.read_text(encoding="utf-8")
    match = re.search(rf'^msgid "{re.escape(msgid)}"\nmsgstr "(.*)"$', text, re.MULTILINE)
    if match is None:
        return False, None
    with translation.override("fr-ca"):
        served = translation.gettext(msgid)
    if match.group(1) and served == match.group(1) and served != msgid:
        return True, served
    return True, None


def main_navigation(page: Page):
    """The top bar (named "Main" in English, "Principal" in French)."""
    return page.locator("header nav.pw-nav")


def open_navigation(page: Page) -> None:
    """On a narrow window, open the collapsed top bar with its menu button."""
    nav = main_navigation(page)
    toggler = nav.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        expect(nav.locator("#pw-nav")).to_have_class(re.compile(r"\bshow\b"))


def menu_link(page: Page, name: str | re.Pattern):
    """The main navigation's link called ``name``, made visible and ready to click.

    Links live in menus (Assess, Plan, Service, Workforce, Evaluate, Administration,
    My account) and, on a narrow window, behind the menu button: this opens the top bar
    if it is collapsed and the menu that holds the link, as a person would.
    """
    nav = main_navigation(page)
    link = nav.get_by_role("link", name=name, exact=True)
    if link.is_visible():
        return link
    open_navigation(page)
    hidden_link = page.get_by_role("link", name=name, exact=True, include_hidden=True)
    holder = nav.locator("li.dropdown").filter(has=hidden_link)
    if holder.count():
        toggle = holder.get_by_role("button")
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
    expect(link).to_be_visible()
    return link

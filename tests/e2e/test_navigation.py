"""The top bar fits the window and every link in it opens, for every demo role.

Each role signs in once, then in English and in French, at 1280 px and at 390 px: the
page may not scroll sideways, and neither the bar nor any item of any of its menus may
sit outside the window (opened one after another, behind the menu button on a phone).
Every link the bar offers is then opened as that user, in French at 390 px: it must answer
200 and the page may not scroll sideways.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from peerway.core import demo as demo_module
from peerway.core.roles import Role

from .helpers import main_navigation, menu_link, open_navigation, sign_in, submit, visit

# Layout, reflow and axe on every page of the bar: what the templates and the stylesheet
# make, not the database engine. Every one of these links is also opened as each role on
# both engines by tests/core/test_navigation_links.py. Run once (decision 38).
pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]

WIDTHS = (1280, 390)
HEIGHT = 900
LANGUAGES = (("en", "English", "en-CA"), ("fr-ca", "Français", "fr-CA"))

OVERFLOW = """() => {
  const width = window.innerWidth;
  const outside = [];
  const nav = document.querySelector('nav[aria-label]');
  for (const el of nav.querySelectorAll('a, button, select, input')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;   // not shown (a closed menu)
    if (box.left < -0.5 || box.right > width + 0.5) {
      outside.push(`${el.textContent.trim()} [${Math.round(box.left)}, ${Math.round(box.right)}]`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, outside};
}"""


def set_language(page: Page, base: str, label: str, lang: str) -> None:
    """Switch the interface language from the home page (where signing in lands)."""
    if page.locator("html").get_attribute("lang") == lang:
        return
    page.locator("#pw-language").select_option(label=label)
    submit(page, page.locator("#pw-language").locator("xpath=..").get_by_role("button"))
    assert page.locator("html").get_attribute("lang") == lang


def assert_fits(page: Page, where: str) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"], (
        f"{where}: the page is {found['scroll']} px wide in a {found['width']} px window"
    )
    assert not found["outside"], f"{where}: outside the window: {found['outside']}"


def nav_hrefs(page: Page) -> list[str]:
    hrefs = (
        main_navigation(page)
        .locator("a[href]")
        .evaluate_all("links => links.map(a => a.getAttribute('href'))")
    )
    return list(dict.fromkeys(h for h in hrefs if h.startswith("/")))


def check_every_menu(page: Page, where: str) -> None:
    """Open each menu of the bar in turn; all of it must lie inside the window."""
    nav = main_navigation(page)
    open_navigation(page)
    assert_fits(page, f"{where}, bar open")
    toggles = nav.locator("li.dropdown > button")
    for index in range(toggles.count()):
        toggle = toggles.nth(index)
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        menu = toggle.locator("xpath=following-sibling::ul")
        expect(menu).to_be_visible()
        assert_fits(page, f"{where}, menu {toggle.inner_text()!r} open")
        page.keyboard.press("Escape")
        expect(menu).to_be_hidden()


def check_role(page: Page, base: str, account: dict) -> None:
    sign_in(page, base, account["email"], two_factor=bool(account["totp_secret"]))
    hrefs: dict[str, list[str]] = {}
    for code, label, lang in LANGUAGES:
        set_language(page, base, label, lang)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.reload()  # the page as it opens at this width, menus closed
            page.a11y.check()
            where = f"{account['email']} ({code}, {width} px)"
            # Sign out and the language switch are there without opening anything.
            expect(page.locator("form.pw-signout button")).to_be_visible()
            expect(page.locator("#pw-language")).to_be_visible()
            assert_fits(page, where)
            check_every_menu(page, where)
            hrefs[f"{code} {width}"] = nav_hrefs(page)
    first = next(iter(hrefs.values()))
    assert all(found == first for found in hrefs.values()), hrefs
    assert len(first) > 3, f"{account['email']}: the bar shows no page besides home"
    # Every page of the bar, opened in French (the longer words) on a phone: it answers,
    # and reflows: nothing makes the page scroll sideways (a wide table scrolls in its own
    # box), as WCAG 1.4.10 asks at 320 CSS px; and axe finds nothing serious on it.
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    broken = []
    for href in first:
        response = page.goto(f"{base}{href}")
        if response.status != 200:
            broken.append(f"{href} answers {response.status}")
        elif page.url.partition(base)[2].startswith("/accounts/login"):
            broken.append(f"{href} sends the user back to sign in")
        else:
            page.a11y.check()  # axe on every page of the bar, as a phone shows it
            wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            if wide[0] > wide[1]:
                broken.append(f"{href} is {wide[0]} px wide in a {wide[1]} px window")
    assert not broken, f"{account['email']}: " + "; ".join(broken)


# The demo's sign-in list has one account per role, in this order; one test per role, so
# the suite's workers share them.
DEMO_ROLES = list(dict.fromkeys(role for _key, _name, role, _scope, _place in demo_module.PEOPLE))


def test_the_demo_signs_in_one_account_of_every_role():
    assert set(DEMO_ROLES) == {str(role) for role in Role}


@pytest.mark.parametrize("role", DEMO_ROLES)
def test_the_bar_fits_and_every_link_opens_for_every_demo_role(role, demo, live_server, open_page):
    """The role's account in the demo's sign-in list, in its own browser."""
    label = str(Role(role).label)
    accounts = [row for row in demo_module.logins() if row["role"] == label]
    assert len(accounts) == 1, label
    check_role(open_page(), live_server.url, accounts[0])


def test_menus_work_with_the_keyboard(demo, live_server, page):
    base = live_server.url
    sign_in(page, base, "manager@lakeshore.example", two_factor=True)
    page.set_viewport_size({"width": 1280, "height": HEIGHT})
    nav = main_navigation(page)
    toggle = nav.get_by_role("button", name="Evaluate")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(nav.get_by_role("link", name="Dashboards")).to_be_focused()
    page.a11y.check()  # axe with a menu open
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    # Enter on a link of a menu opens its page.
    menu_link(page, "Outcome evaluation").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.a11y.check()
    expect(page).to_have_url(re.compile(r"/evaluation/"))

    # On a phone: the menu button, then a menu, from the keyboard alone.
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    visit(page, f"{base}/")
    button = nav.locator(".navbar-toggler")
    expect(button).to_have_accessible_name("Menu")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    admin = nav.get_by_role("button", name="Administration")
    admin.focus()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="Security settings")).to_be_visible()
    page.a11y.check()

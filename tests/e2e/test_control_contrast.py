"""Form controls people can see: WCAG 2.2 SC 1.4.11 (non-text contrast) asks 3:1 for the
boundary of a control against what surrounds it, and for the focus indicator.

On key pages (sign-in, the contact form, the referral form, a filter form) every visible
text field, list, checkbox and radio button has its border colour measured against the
background behind it (getComputedStyle, through transparent parents), and every control
is focused to measure the focus outline the same way.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from .helpers import sign_in, submit, visit

# What the stylesheet draws, not what the database holds: run once (decision 38).
pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]

MINIMUM = 3.0
PEER = "peer1@lakeshore.example"
CLINICIAN = "clinician1@lakeshore.example"

MEASURE = """(focus) => {
  const parse = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const luminance = (c) => {
    const lin = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  };
  const ratio = (x, y) => {
    const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (a + 0.05) / (b + 0.05);
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  // The colour behind an element: the first opaque background among its parents.
  const behind = (el) => {
    const layers = [];
    for (let node = el.parentElement; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const selector = 'main input:not([type=hidden]):not([type=submit]):not([type=button])' +
    ':not([type=reset]):not([type=image]), main select, main textarea, #pw-language';
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const name = `${el.tagName.toLowerCase()}[${el.type || ''}]#${el.id || el.name}`;
    const bg = behind(el);
    if (focus) {
      el.focus({focusVisible: true});
      const style = getComputedStyle(el);
      const width = parseFloat(style.outlineWidth) || 0;
      const colour = parse(style.outlineColor);
      const shown = style.outlineStyle !== 'none' && width >= 2 && colour;
      out.push({name, what: 'focus outline', ratio: shown ? ratio(over(colour, bg), bg) : 0,
                colour: style.outlineColor});
      el.blur();
    } else {
      const style = getComputedStyle(el);
      const colour = parse(style.borderTopColor);
      const width = parseFloat(style.borderTopWidth) || 0;
      out.push({name, what: 'border', ratio: width > 0 && colour ? ratio(over(colour, bg), bg) : 0,
                colour: style.borderTopColor});
    }
  }
  return out;
}"""


def measure(page: Page, where: str, kinds: set[str]) -> list[str]:
    """Problems with the controls of the page; ``kinds`` must each appear at least once."""
    found = page.evaluate(MEASURE, False) + page.evaluate(MEASURE, True)
    assert found, f"{where}: no form control measured"
    seen = {row["name"].partition("#")[0] for row in found}
    missing = {kind for kind in kinds if not any(kind in name for name in seen)}
    assert not missing, f"{where}: expected controls not found: {missing} (found {seen})"
    return [
        f"{where}: {row['name']} {row['what']} {row['colour']} is {row['ratio']:.2f}:1"
        for row in found
        if row["ratio"] < MINIMUM
    ]


def test_form_controls_stand_out_on_key_pages(demo, live_server, open_page):
    base = live_server.url
    problems: list[str] = []

    anonymous = open_page()
    visit(anonymous, f"{base}/accounts/login/")
    problems += measure(anonymous, "sign-in", {"input[email]", "input[password]"})

    peer = open_page()
    sign_in(peer, base, PEER)
    visit(peer, f"{base}/o/lakeshore/caseload/")
    submit(peer, peer.get_by_role("link", name=re.compile(r"^Log contact with ")).first)
    problems += measure(peer, "contact form", {"input[checkbox]", "input[number]", "textarea"})

    clinician = open_page()
    sign_in(clinician, base, CLINICIAN)
    visit(clinician, f"{base}/o/lakeshore/refer/")
    problems += measure(clinician, "referral form", {"select", "textarea", "input[checkbox]"})
    visit(clinician, f"{base}/o/lakeshore/referrals/")
    problems += measure(clinician, "referral filter", {"select", "input[checkbox]"})

    assert not problems, "\n".join(problems)

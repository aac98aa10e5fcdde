"""Readiness surveys through a real browser: a manager runs a wave, anonymous respondents
answer it (by link and by short code, in English and French, on a phone, with a partial
save), and results appear only for groups large enough. Axe checks every page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.db import models
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerway.assessments.analysis.results import NOTES
from peerway.assessments.models import CODE_ALPHABET, Response, SurveyLink, Wave
from peerway.core.models import Team, User
from peerway.instruments.library import current_library

from .helpers import french_catalogue, menu_link, path_of, sign_in, submit, visit

pytestmark = pytest.mark.browser

MANAGER = "manager@lakeshore.example"
EVALUATOR = "evaluator@lakeshore.example"
TEAM = "Discharge Transition Team"
SITE = "Harbourview General Hospital"
WAVE_NAME = "Spring readiness check"
PHONE = {"width": 390, "height": 844}
# Only these may be stored with an answer: no user, address, browser, language or time.
RESPONSE_FIELDS = {"id", "wave", "team", "audience", "submitted_on", "answers", "versions"}


# --- Steps -----------------------------------------------------------------------------


def questions(page: Page):
    """The question groups of a survey page (one fieldset per question)."""
    return page.get_by_role("main").locator("fieldset[id^='q-']")


def answer_page(
    page: Page, offset: int, *, skip: tuple[int, ...] = (), pick: dict[int, str] | None = None
) -> int:
    """Answer every question shown by clicking a radio label; returns how many were asked.

    Question ``n`` gets the option ``(n + offset) % 5`` (one of the five agreement
    choices) unless ``pick`` names its label; questions in ``skip`` are left blank.
    """
    pick = pick or {}
    groups = questions(page)
    count = groups.count()
    assert count > 0, f"no question on {page.url}"
    for number in range(1, count + 1):
        if number in skip:
            continue
        labels = groups.nth(number - 1).locator("label")
        if number in pick:
            labels.filter(has_text=re.compile(rf"^{re.escape(pick[number])}$")).click()
        else:
            labels.nth((number + offset) % 5).click()
    return count


def go_on(page: Page, action: str, label: str | None = None) -> None:
    """Press the survey page's button for ``action`` (next, save, back), checking its label
    when given. French labels are checked only once the catalogue translates them."""
    button = page.get_by_role("main").locator(f"button[name='action'][value='{action}']")
    if label is not None:
        expect(button).to_have_text(label)
    submit(page, button)


def expect_part(page: Page, step: int, instrument: str, lang: str = "en") -> None:
    name = current_library()[instrument].name[lang]
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    if lang == "en":
        expect(page.get_by_role("main")).to_contain_text(f"Part {step} of 2")


def expect_thanks(page: Page, lang: str = "en") -> None:
    assert re.fullmatch(r"/s/[\w-]+/done/", path_of(page)), page.url
    if lang == "en":
        expect(page.get_by_role("main")).to_contain_text("Your answers were sent anonymously")


def start_survey(page: Page, step: int = 1) -> None:
    """The start page's single button (its text depends on the language and progress);
    it resumes at the first questionnaire not yet fully answered."""
    submit(page, page.get_by_role("main").get_by_role("button"))
    assert path_of(page).endswith(f"/{step}/"), page.url


# --- Journeys --------------------------------------------------------------------------


def test_manager_runs_a_wave_and_respondents_answer_anonymously_in_both_languages(
    demo, live_server, page, open_page
):
    base = live_server.url
    today = timezone.localdate().isoformat()
    sign_in(page, base, MANAGER, two_factor=True)
    submit(page, menu_link(page, "Readiness surveys"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Readiness surveys")
    submit(page, page.get_by_role("main").get_by_role("link", name="New survey wave"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New survey wave")

    page.get_by_label("Name", exact=True).fill(WAVE_NAME)
    questionnaires = page.get_by_role("group", name="Questionnaires")
    for label in questionnaires.locator("label").all_inner_texts():
        wanted = label.endswith("(oric)") or label.endswith("(pibc)")
        expect(questionnaires.get_by_label(label, exact=True)).to_be_checked(checked=wanted)
    teams = page.get_by_role("group", name="Teams")
    team_labels = teams.locator("label").all_inner_texts()
    assert f"{TEAM} · {SITE}" in team_labels and len(team_labels) > 1
    for label in team_labels:
        teams.get_by_label(label, exact=True).set_checked(label == f"{TEAM} · {SITE}")
    audiences = page.get_by_role("group", name="Audiences")
    for label in audiences.locator("label").all_inner_texts():
        audiences.get_by_label(label, exact=True).set_checked(label == "All staff")
    page.get_by_label("Opens on").fill(today)
    page.get_by_label("Closes on").fill(today)
    page.get_by_label("Anonymity threshold (k)").fill("3")
    submit(page, page.get_by_role("button", name="Create the wave"))

    wave = Wave.objects.get(name=WAVE_NAME)
    assert path_of(page) == f"/o/lakeshore/surveys/{wave.pk}/"
    assert wave.instrument_codes == ["oric", "pibc"] and wave.audiences == ["staff"]
    assert [t.name for t in wave.teams.all()] == [TEAM] and wave.k == 3
    survey_link = SurveyLink.objects.get(wave=wave)
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text(WAVE_NAME)
    expect(main).to_contain_text("one link per team and audience")
    rows = main.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td")).to_have_text(
        [TEAM, SITE, "All staff", survey_link.short_code, "", "none yet"]
    )
    assert len(survey_link.short_code) == 8
    assert set(survey_link.short_code) <= set(CODE_ALPHABET)  # no 0/O or 1/I/L
    link = main.get_by_label(f"Link for {TEAM}, All staff").input_value()
    assert link == f"{base}/s/{survey_link.token}/"

    submit(page, main.get_by_role("link", name="Printable invitations"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Printable invitations")
    sheet = page.get_by_role("region", name=WAVE_NAME)
    expect(sheet).to_contain_text(f"{TEAM} · All staff")
    expect(sheet).to_contain_text(f"Go to {base}/s/ and enter the code {survey_link.short_code}")

    # Respondent 1: English, through the link; first leaves a question blank.
    first = open_page()
    visit(first, link)
    expect(first.get_by_role("heading", level=1)).to_have_text(WAVE_NAME)
    expect(first.get_by_role("main")).to_contain_text(f"{TEAM} · All staff")
    expect(first.get_by_role("main")).to_contain_text("at least 3 people answered")
    start_survey(first)
    blank = 5
    blank_id = current_library()["oric"].items[blank - 1].id
    answer_page(first, 0, skip=(blank,))
    go_on(first, "next", "Next")
    assert path_of(first).endswith("/1/"), "a page with a blank question must not move on"
    summary = first.get_by_role("alert")
    expect(summary.get_by_role("heading")).to_have_text("1 question needs an answer")
    error_link = summary.get_by_role("link", name=f"Question {blank}: choose an answer.")
    expect(error_link).to_have_attribute("href", f"#q-{blank_id}")
    error_link.click()  # same page: moves to the question
    assert first.url.endswith(f"#q-{blank_id}")
    blank_group = first.locator(f"#q-{blank_id}")
    expect(blank_group).to_be_in_viewport()
    expect(blank_group).to_have_attribute("aria-describedby", f"{blank_id}-error")
    expect(first.locator(f"#{blank_id}-error")).to_have_text(f"Question {blank}: choose an answer.")
    # Answers already given are still chosen; only the blank one needs a click.
    expect(questions(first).locator("input:checked")).to_have_count(
        len(current_library()["oric"].items) - 1
    )
    blank_group.locator("label").nth(2).click()
    go_on(first, "next", "Next")
    expect_part(first, 2, "pibc")
    assert answer_page(first, 0, pick={3: "Don't know"}) == len(current_library()["pibc"].items)
    go_on(first, "next", "Send my answers")
    expect_thanks(first)
    assert Response.objects.filter(wave=wave).count() == 1
    # The same browser is warned that someone already answered from it.
    visit(first, link)
    expect(first.get_by_role("status")).to_contain_text("already answered")
    expect(first.get_by_role("main").get_by_role("button")).to_have_text("Answer for myself")

    # Respondent 2: types the short code, then switches to French before starting.
    second = open_page()
    visit(second, f"{base}/s/")
    expect(second.get_by_role("heading", level=1)).to_have_text("Answer a survey")
    code = survey_link.short_code.lower()
    second.get_by_label("Survey code").fill(f"{code[:4]}-{code[4:]}")  # forgiving input
    submit(second, second.get_by_role("button", name="Continue"))
    assert path_of(second) == f"/s/{survey_link.token}/"
    second.get_by_label("Language").select_option(label="Français")
    submit(second, second.get_by_role("button", name="Change"))
    assert path_of(second) == f"/s/{survey_link.token}/"
    assert second.locator("html").get_attribute("lang") == "fr-CA"
    start_survey(second)
    oric, pibc = current_library()["oric"], current_library()["pibc"]
    expect_part(second, 1, "oric", "fr")
    first_question = questions(second).first
    expect(first_question.locator("legend")).to_have_text(
        f"1. {oric.items[0].text_for('fr', 'staff')}"
    )
    french_options = [o.label["fr"] for o in oric.response_sets["agreement5"].options]
    expect(first_question.locator("label")).to_have_text(french_options)
    answer_page(second, 1)
    go_on(second, "next", french_catalogue("Next")[1])
    expect_part(second, 2, "pibc", "fr")
    expect(questions(second).first.locator("legend")).to_have_text(
        f"1. {pibc.items[0].text_for('fr', 'staff')}"
    )
    expect(questions(second).last.locator("label").last).to_have_text("Je ne sais pas")
    answer_page(second, 1, pick={10: "Je ne sais pas"})
    go_on(second, "next", french_catalogue("Send my answers")[1])
    expect_thanks(second, "fr")
    assert second.locator("html").get_attribute("lang") == "fr-CA"

    # Respondent 3: on a phone, saves after the first part, comes back later and finishes.
    third = open_page()
    third.set_viewport_size(PHONE)
    visit(third, link)
    start_survey(third)
    expect_part(third, 1, "oric")
    answer_page(third, 2)
    assert third.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        "the survey page must not scroll sideways on a phone"
    )
    go_on(third, "save", "Save and finish later")
    expect(third.get_by_role("heading", level=1)).to_have_text(
        "Your answers are saved on this device"
    )
    assert Response.objects.filter(wave=wave).count() == 2, "a saved survey is not sent"
    visit(third, link)
    expect(third.get_by_role("main").get_by_role("button")).to_have_text(
        "Continue where I left off"
    )
    # ORIC was fully answered before saving: the survey resumes at part 2, and going back
    # shows the saved ORIC answers.
    start_survey(third, step=2)
    expect_part(third, 2, "pibc")
    go_on(third, "back", "Back")
    expect(questions(third).locator("input:checked")).to_have_count(len(oric.items))
    go_on(third, "next", "Next")
    expect_part(third, 2, "pibc")
    answer_page(third, 2)
    go_on(third, "next", "Send my answers")
    expect_thanks(third)

    # Back as the manager: three responses, results once the wave is closed.
    visit(page, f"{base}/o/lakeshore/surveys/{wave.pk}/")
    expect(page.get_by_role("main").get_by_role("table").locator("tbody td").last).to_have_text("3")
    submit(page, page.get_by_role("main").get_by_role("link", name="Results"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Results are available once the survey closes"
    )
    visit(page, f"{base}/o/lakeshore/surveys/{wave.pk}/")
    submit(page, page.get_by_role("button", name="Close the survey now"))
    expect(page.get_by_role("main")).to_contain_text("The survey is closed")
    expect(page.get_by_role("main")).to_contain_text("Closed")
    submit(page, page.get_by_role("main").get_by_role("link", name="Results"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results: {WAVE_NAME}")
    chart = page.locator('img[src^="data:image/svg+xml"]').first
    expect(chart).to_be_visible()
    assert chart.get_attribute("alt"), "the chart needs a text alternative"
    data = page.get_by_role("table", name="Data shown in the chart")
    expect(data.locator("tbody tr")).to_have_count(1)
    expect(data.locator("tbody th")).to_have_text(TEAM)
    expect(data.locator("tbody td").first).to_have_text("3")
    overview = page.get_by_role("table", name=re.compile("^Every scale for the whole organization"))
    expect(overview.locator("tbody tr").first.locator("td").first).to_have_text("3")
    # The results page does not link to the barrier profile: go there from the survey list.
    submit(page, menu_link(page, "Readiness surveys"))
    submit(page, page.get_by_role("link", name=f"Barrier profile {WAVE_NAME}", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Barrier profile: {WAVE_NAME}")
    expect(page.get_by_role("heading", name=TEAM, level=3)).to_be_visible()
    expect(page.get_by_role("columnheader", name=TEAM)).to_be_visible()

    # What was stored: three responses, each holding nothing about who or when.
    responses = list(Response.objects.filter(wave=wave))
    assert len(responses) == 3
    assert {f.name for f in Response._meta.get_fields()} == RESPONSE_FIELDS
    for field in Response._meta.get_fields():
        assert not isinstance(field, models.DateTimeField | models.TimeField), field.name
        assert not isinstance(field, models.GenericIPAddressField), field.name
        assert getattr(field, "related_model", None) not in {User}, field.name
    for response in responses:
        assert response.team.name == TEAM and response.audience == "staff"
        assert response.submitted_on == timezone.localdate()
        assert set(response.answers) == {"oric", "pibc"}
        assert len(response.answers["oric"]) == len(oric.items)
        assert len(response.answers["pibc"]) == len(pibc.items)
    dont_knows = sorted(list(r.answers["pibc"].values()).count(9) for r in responses)
    assert dont_knows == [0, 1, 1]


def test_results_hide_small_groups_in_the_demo(demo, live_server, page):
    base = live_server.url
    baseline = Wave.objects.get(name="Baseline readiness survey")
    sign_in(page, base, EVALUATOR, two_factor=True)
    submit(page, menu_link(page, "Readiness surveys"))
    submit(page, page.get_by_role("link", name=f"Results {baseline.name}", exact=True))
    assert path_of(page) == f"/o/lakeshore/surveys/{baseline.pk}/results/"
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results: {baseline.name}")
    page.get_by_label("Audience").select_option(label="Peer support workers")
    submit(page, page.get_by_role("button", name="Show"))
    assert "audience=peer_workers" in urlsplit(page.url).query

    peers = dict(
        Response.objects.filter(wave=baseline, audience="peer_workers")
        .values_list("team__name")
        .annotate(n=models.Count("id"))
    )
    assert peers and all(0 < n < baseline.k for n in peers.values()), peers
    team_names = set(Team.objects.filter(waves=baseline).values_list("name", flat=True))

    def expect_every_team_hidden(lang: str) -> None:
        hidden = NOTES["suppressed"][lang].format(k=baseline.k)
        none = NOTES["no_responses"][lang]
        # The table beside the chart: one row per team, one note in place of n, mean, CI.
        rows = page.get_by_role("main").locator(".row:has(figure.pw-chart) table tbody tr")
        expect(rows).to_have_count(len(team_names))
        for i in range(len(team_names)):
            row = rows.nth(i)
            name = row.locator("th").inner_text()
            assert name in team_names, name
            expect(row.locator("td")).to_have_count(1)
            expect(row.locator("td")).to_have_text(hidden if name in peers else none)

    expect_every_team_hidden("en")
    page.get_by_label("Language").select_option(label="Français")
    submit(page, page.get_by_role("button", name="Change"))
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert "audience=peer_workers" in urlsplit(page.url).query
    expect_every_team_hidden("fr")

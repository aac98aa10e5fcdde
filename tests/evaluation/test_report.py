"""The PDF report renders (pages are drawn and not blank) and the command writes it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from peerway.cli import main as peerway
from peerway.core.models import AuditEvent
from peerway.evaluation import analysis, report
from peerway.evaluation.periods import parse_period

from .conftest import TODAY


def page_images(pdf: bytes):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].render(scale=1).to_pil().convert("L") for i in range(len(document))]
    finally:
        document.close()


def ink(image) -> float:
    """Share of pixels that are not white."""
    histogram = image.histogram()
    return 1 - histogram[255] / sum(histogram)


def test_pdf_pages_render_and_are_not_blank(world, cohort):
    pdf = report.render_pdf(
        analysis.Scope(world.org), parse_period("2026Q3"), today=TODAY, lang="en"
    )
    images = page_images(pdf)
    assert len(images) >= 2
    assert ink(images[0]) > 0.01
    # The charts are drawn: the page with the Kaplan–Meier curve has more ink than text alone.
    assert max(ink(i) for i in images) > 0.03


def test_report_html_has_every_section_and_inline_charts(world, cohort):
    html = report.render_html(
        analysis.Scope(world.org), parse_period("2026Q3"), today=TODAY, lang="en"
    )
    for heading in (
        "Readiness",
        "Plan progress",
        "Utilization",
        "Fidelity",
        "Outcomes",
        "Workforce",
        "Definitions",
        "Methods",
    ):
        assert heading in html
    assert html.count("<svg") >= 2  # the change chart and the Kaplan–Meier curve
    assert "data:image" not in html  # nothing to fetch
    for person in cohort.people:
        assert person.code not in html


def test_report_in_french(world, cohort):
    html = report.render_html(
        analysis.Scope(world.org, team=world.team_a), parse_period("2026Q3"), today=TODAY, lang="fr"
    )
    assert "Observationnel, non causal" in html
    assert 'lang="fr-ca"' in html


def test_command_writes_the_pdf(world, cohort, tmp_path, capsys):
    out = tmp_path / "out.pdf"
    code = peerway(
        ["report", "--period", "2026Q3", "--pdf", str(out), "--organization", "northwind"]
    )
    assert code == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert "2026Q3" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="evaluation.report_written").exists()


@pytest.mark.parametrize("period", ["2026Q5", "July", "2026-00", "26"])
def test_command_bad_period_is_a_clear_error(world, tmp_path, period):
    with pytest.raises(
        CommandError,
        match=r"--period: .*(2026Q3 \(quarter\), 2026-07 \(month\) or 2026 \(year\)|month must be)",
    ):
        call_command(
            "report",
            "--period",
            period,
            "--pdf",
            str(tmp_path / "x.pdf"),
            "--organization",
            "northwind",
        )
    assert not (tmp_path / "x.pdf").exists()


def test_command_exit_code_and_message_for_a_bad_period(world, tmp_path, capsys):
    code = peerway(
        [
            "report",
            "--period",
            "2026Q9",
            "--pdf",
            str(tmp_path / "x.pdf"),
            "--organization",
            "northwind",
        ]
    )
    assert code == 1
    assert "--period" in capsys.readouterr().err


def test_command_needs_the_organization_when_there_are_several(world, tmp_path):
    with pytest.raises(CommandError, match="--organization"):
        call_command("report", "--period", "2026", "--pdf", str(tmp_path / "x.pdf"))


def _closed_wave(world, name, team, count, value):
    from datetime import timedelta

    from django.utils import timezone

    from peerway.assessments import services
    from peerway.assessments.models import Response
    from peerway.instruments.library import current_library

    today = timezone.localdate()
    wave = services.create_wave(
        actor=world.manager,
        organization=world.org,
        name=name,
        instrument_codes=["oric"],
        teams=[team],
        audiences=["staff"],
        opens_on=today - timedelta(days=20),
        closes_on=today - timedelta(days=1),
        k=5,
    )
    oric = current_library()["oric"]
    Response.objects.bulk_create(
        Response(
            wave=wave,
            team=team,
            audience="staff",
            submitted_on=wave.opens_on,
            answers={"oric": {item.id: value for item in oric.items}},
            versions={"oric": oric.version},
        )
        for _ in range(count)
    )
    return wave


@pytest.fixture
def fresh_wave_results():
    """Wave results are memoised per process by wave id and response count; ids are reused
    between tests, so start and end with an empty memo."""
    from peerway.assessments import reports

    reports._MEMO.clear()
    yield
    reports._MEMO.clear()


def test_readiness_shows_wave_means_and_never_small_groups(world, fresh_wave_results):
    from django.utils import timezone

    period = parse_period(str(timezone.localdate().year))
    _closed_wave(world, "Baseline", world.team_a, 8, 4)
    _closed_wave(world, "Small wave", world.team_b, 2, 1)
    result = report.readiness(analysis.Scope(world.org), period)
    assert [w.name for w in result["waves"]] == ["Baseline", "Small wave"]
    cells = [row["cells"] for row in result["rows"]]
    assert cells and all(big["shown"] and (big["mean"], big["n"]) == (4, 8) for big, _ in cells)
    assert all(not s["shown"] and s["mean"] is None and s["n"] is None for _, s in cells)
    html = report.render_html(analysis.Scope(world.org), period, today=TODAY, lang="en")
    assert "Not shown: fewer than 5 responses" in html
    # Site and team reports leave survey results to organization-wide readers.
    assert report.readiness(analysis.Scope(world.org, team=world.team_a), period)["rows"] == []


def test_utilization_uses_the_indicator_definitions_and_hides_small_cells(world, cohort):
    from peerway.indicators import selectors as indicators
    from peerway.support.models import Referral, ReferralEvent, ReferralSource, ReferralState

    period = parse_period("2026Q3")
    when = timezone_at(2026, 7, 15)
    for i, person in enumerate(cohort.people[:14]):
        source = ReferralSource.CLINICIAN if i < 11 else ReferralSource.SELF
        referral = Referral.objects.create(
            person=person, team=world.team_a, source=source, created_at=when
        )
        state = ReferralState.ACCEPTED if i % 3 else ReferralState.DECLINED
        ReferralEvent.objects.create(referral=referral, state=state, at=when)
        ReferralEvent.objects.create(
            referral=referral, state=ReferralState.FIRST_CONTACT, at=timezone_at(2026, 7, 15 + i)
        )
    use = report.utilization(analysis.Scope(world.org), period)
    by_source = {r["source"]: r["n"] for r in use.by_source}
    assert by_source == {"Clinician": 11, "Self-referral": None}  # 3 is a small cell
    # The total would give the hidden source back (14 - 11 = 3): hidden too, and said why.
    assert use.referrals is None and use.referrals_hidden_by_source
    teams = [world.team_a, world.team_b, world.team_c]
    window = indicators.Period(period.start, period.end)
    rate = indicators.acceptance(world.org, teams, window)
    wait = indicators.time_to_first_contact(world.org, teams, window)
    assert (use.accepted, use.decided, use.acceptance_rate) == (9, 14, rate.value)
    assert (use.days_to_first_contact_median, use.days_to_first_contact_p90) == (
        wait.median_days,
        wait.p90_days,
    )


@pytest.mark.parametrize(("declined", "hidden"), [(0, False), (2, True), (4, True), (5, False)])
def test_offers_declined_cannot_be_worked_out_when_few(world, cohort, declined, hidden):
    """Offers answered minus accepted is the count declined: when that is 1 to 4, the
    accepted count and the rate are not shown (rate × answered would give it back too)."""
    from peerway.support.models import Referral, ReferralEvent, ReferralSource, ReferralState

    period = parse_period("2026Q3")
    when = timezone_at(2026, 7, 15)
    for i, person in enumerate(cohort.people[:14]):
        referral = Referral.objects.create(
            person=person, team=world.team_a, source=ReferralSource.CLINICIAN, created_at=when
        )
        state = ReferralState.DECLINED if i < declined else ReferralState.ACCEPTED
        ReferralEvent.objects.create(referral=referral, state=state, at=when)
    use = report.utilization(analysis.Scope(world.org), period)
    assert use.decided == 14
    shown = [use.accepted, use.acceptance_rate]
    if hidden:
        assert shown == [None, None] and use.accepted_hidden_by_declined
        html = report.render_html(analysis.Scope(world.org), period, today=TODAY, lang="en")
        assert html.count("not shown: fewer than 5 offers were declined") == 2
    else:
        assert use.accepted == 14 - declined and use.acceptance_rate is not None
        assert not use.accepted_hidden_by_declined
    # What an attacker can compute from the figures shown is never a small count.
    if use.accepted is not None:
        assert not 0 < use.decided - use.accepted < 5
    if use.acceptance_rate is not None:
        assert not 0 < use.decided - round(use.acceptance_rate / 100 * use.decided) < 5


def timezone_at(year, month, day):
    import datetime as dt

    from django.utils import timezone

    return dt.datetime(year, month, day, 10, tzinfo=timezone.get_current_timezone())


def test_a_report_that_fails_ends_failed_not_waiting(world, monkeypatch):
    from peerway.evaluation import services
    from peerway.evaluation.models import ReportStatus

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(report, "render_pdf", broken)
    created = services.request_report(actor=world.manager, organization=world.org, period="2026")
    assert created.status == ReportStatus.FAILED and created.pdf is None
    assert created.error == "RuntimeError"
    assert AuditEvent.objects.filter(action="evaluation.report_failed").exists()


def test_command_without_a_period_reports_the_current_quarter(world, tmp_path, capsys):
    from django.utils import timezone

    today = timezone.localdate()
    out = tmp_path / "now.pdf"
    call_command("report", "--pdf", str(out), "--organization", "northwind")
    assert out.read_bytes().startswith(b"%PDF")
    assert f"{today.year}Q{(today.month - 1) // 3 + 1}" in capsys.readouterr().out


def test_command_missing_folder_is_named(world, tmp_path):
    with pytest.raises(CommandError, match="--pdf: the folder"):
        call_command(
            "report",
            "--period",
            "2026",
            "--pdf",
            str(tmp_path / "nowhere" / "x.pdf"),
            "--organization",
            "northwind",
        )

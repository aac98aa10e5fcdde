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


def test_readiness_shows_wave_means_and_never_small_groups(world):
    from django.utils import timezone

    period = parse_period(str(timezone.localdate().year))
    _closed_wave(world, "Baseline", world.team_a, 8, 4)
    _closed_wave(world, "Small wave", world.team_b, 2, 1)
    rows = report.readiness(analysis.Scope(world.org), period)
    shown = [r for r in rows if r["shown"]]
    hidden = [r for r in rows if not r["shown"]]
    assert shown and all(r["mean"] == 4 and r["n"] == 8 for r in shown)
    assert hidden and all(r["mean"] is None and r["n"] is None for r in hidden)
    html = report.render_html(analysis.Scope(world.org), period, today=TODAY, lang="en")
    assert "Not shown: fewer than 5 responses" in html
    # Site and team reports leave survey results to organization-wide readers.
    assert report.readiness(analysis.Scope(world.org, team=world.team_a), period) == []

"""Start-up warming: the worker loads the report engine before its first task, and a
failed warm-up never stops the process."""

from __future__ import annotations

import logging

import pytest
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from peerway.core import warm
from peerway.core.management.commands.worker import Command as WorkerCommand


def test_warm_pdf_writes_a_pdf_with_the_report_font(monkeypatch):
    written = []
    from weasyprint import HTML

    real = HTML.write_pdf

    def spy(self, *args, **kwargs):
        pdf = real(self, *args, **kwargs)
        written.append(pdf)
        return pdf

    monkeypatch.setattr(HTML, "write_pdf", spy)
    assert warm.warm_pdf() > 0
    assert len(written) == 1 and written[0].startswith(b"%PDF")
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(written[0])
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert "Peerway" in text and "é à ç" in text  # text was laid out in a real font


def test_a_failed_warm_up_is_logged_and_ignored(monkeypatch, caplog):
    def broken():
        raise OSError("no fonts")

    monkeypatch.setattr(warm, "warm_web", broken)
    with caplog.at_level(logging.ERROR, logger="peerway.core.warm"):
        assert warm.warm(pdf=True) is None
    assert "Warm-up failed" in caplog.text


@pytest.mark.parametrize("enabled", [True, False])
def test_the_worker_warms_up_before_taking_tasks_when_enabled(monkeypatch, settings, enabled):
    settings.PEERWAY_WARM_CHARTS = enabled
    calls = []
    monkeypatch.setattr(
        "peerway.core.management.commands.worker.warm",
        lambda *, pdf: calls.append(("warm", pdf)) or 1.5,
    )
    monkeypatch.setattr(
        DbWorkerCommand, "handle", lambda self, *a, **o: calls.append(("run", o["interval"]))
    )
    command = WorkerCommand()
    command.handle(interval=1, verbosity=0)
    assert calls == ([("warm", True)] if enabled else []) + [("run", 1)]
    assert issubclass(WorkerCommand, DbWorkerCommand)  # same options as db_worker

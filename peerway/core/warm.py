"""Pay a process's one-time start-up costs before the first user does.

A fresh process imports the views, the statistics (scipy), the questionnaire definitions
and the chart engine on first use, and the task worker also loads WeasyPrint and its fonts
for the first report: together several seconds that the first visitor, or the first person
to ask for a report, would otherwise wait. ``peerway.wsgi`` calls :func:`warm_web` when the
application loads; ``peerway worker`` calls :func:`warm_worker` before it takes a task.
Nothing warmed here is data: no figure is computed or cached for anyone.
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)

# A page in the report's own typeface, with a chart-like SVG, so that WeasyPrint loads the
# font, shapes text, draws vector graphics and subsets the font into a PDF once.
_SAMPLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: counter(page);
  font-family: "DejaVu Sans", sans-serif; font-size: 8pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; }
table { border-collapse: collapse; } td, th { border: 1px solid #999; padding: 2px 4px; }
</style></head><body><h1>Peerway</h1><p>Début · 0123456789 · é à ç</p>
<table><tr><th>a</th><td>1</td></tr></table>
<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="60" height="20"
 fill="#1f77b4"/><text x="2" y="34" font-family="DejaVu Sans" font-size="10">x</text></svg>
</body></html>"""


def warm_web() -> float:
    """Import every view module, the statistics and the questionnaire definitions, and start
    the chart engine; returns the seconds it took."""
    from django.urls import get_resolver

    from peerway.insights import charts

    began = time.perf_counter()
    get_resolver().url_patterns  # imports every view module  # noqa: B018
    import scipy.stats  # noqa: F401  (the figures import it on first use: peerway.lazy)

    import peerway.insights.stats  # noqa: F401
    from peerway.instruments.library import current_library

    current_library()  # questionnaire definitions, read once per process
    charts.warm()
    return time.perf_counter() - began


def warm_pdf() -> float:
    """Load WeasyPrint and the report's font by writing one small PDF (thrown away)."""
    from peerway.evaluation.report import _no_fetching

    began = time.perf_counter()
    from weasyprint import HTML

    pdf = HTML(string=_SAMPLE, url_fetcher=_no_fetching()).write_pdf()
    if not pdf.startswith(b"%PDF"):
        raise RuntimeError("WeasyPrint did not write a PDF")
    return time.perf_counter() - began


def warm(*, pdf: bool) -> float | None:
    """Warm the web parts and, with ``pdf``, the PDF engine. A failure is logged and
    ignored: everything then starts on first use, as it would without this."""
    try:
        seconds = warm_web() + (warm_pdf() if pdf else 0.0)
    except Exception:
        logger.exception("Warm-up failed")
        return None
    logger.info("Ready in %.1f s (views, statistics, charts%s)", seconds, ", PDF" if pdf else "")
    return seconds

"""scipy.stats is imported when a figure needs it, not when a process starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from peerway.insights.stats.common import CONFIDENCE, Z95
from peerway.lazy import stats

ROOT = Path(__file__).resolve().parents[2]


def test_the_written_out_quantile_is_scipys():
    from scipy import stats as scipy_stats

    assert float(scipy_stats.norm.ppf(0.5 + CONFIDENCE / 2)) == Z95


def test_the_lazy_module_hands_out_scipys_own_objects():
    from scipy import stats as scipy_stats

    assert stats.t is scipy_stats.t
    assert stats.wilcoxon is scipy_stats.wilcoxon


def imported_after(code: str) -> bool:
    """Whether scipy.stats is imported in a fresh process once Django is set up and
    ``code`` has run."""
    script = f"import sys, django; django.setup(); {code}; print('scipy.stats' in sys.modules)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peerway.settings"}
    env["DATABASE_URL"] = "sqlite:///:memory:"
    found = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert found.returncode == 0, found.stderr
    return found.stdout.strip().splitlines()[-1] == "True"


def test_starting_a_command_does_not_import_scipy_stats():
    """Every URL, view and API module loaded, as each command's checks do."""
    assert not imported_after(
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "import peerway.api.v1.api"
    )


def test_the_server_still_imports_it_before_the_first_visitor():
    assert imported_after("from peerway.core.warm import warm_web; warm_web()")

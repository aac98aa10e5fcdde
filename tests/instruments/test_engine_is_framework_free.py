"""The engine must not import Django: it is used by tools and tests without a project."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import peerway.instruments.engine as engine

ENGINE_DIR = Path(engine.__file__).parent


def test_no_engine_module_mentions_django_in_its_imports():
    for path in ENGINE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "django" for n in names), path.name


def test_importing_and_using_the_engine_loads_no_django_module():
    # Measure only what the engine adds on top of its parent packages, which belong to the
    # Django project and may import Django themselves.
    code = (
        "import sys, peerway.instruments\n"
        "before = {m for m in sys.modules if m.split('.')[0] == 'django'}\n"
        "from peerway.instruments.engine import DEFINITIONS_DIR, load_definition, score\n"
        "from peerway.instruments.engine import cli, group\n"
        "gad7 = load_definition(DEFINITIONS_DIR / 'gad7' / 'definition.yaml')\n"
        "score(gad7, {})\n"
        "group.describe([1, 2, 3])\n"
        "after = {m for m in sys.modules if m.split('.')[0] == 'django'}\n"
        "print(sorted(after - before))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ENGINE_DIR.parents[2],
    )
    assert out.stdout.strip() == "[]"

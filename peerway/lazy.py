"""scipy.stats, imported the first time a figure needs it.

Importing scipy.stats takes about 1.5 s, which every process paid at start (each command,
the server, the task worker) although most of them never compute a confidence interval or
a p-value. ``stats.t.ppf(...)`` behaves exactly as with ``from scipy import stats``."""

from __future__ import annotations

import importlib
from typing import Any


class _LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


stats: Any = _LazyModule("scipy.stats")

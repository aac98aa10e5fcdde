"""The instrument library as this installation sees it: shipped definitions plus the
organization-supplied ones kept in PEERWAY_INSTRUMENTS_DIR."""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from django.conf import settings

from .engine.loader import Library, load_library, read_definition_file


def organization_dir() -> Path:
    path = Path(settings.PEERWAY_INSTRUMENTS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


_cache: dict[tuple, Library] = {}
_cache_lock = threading.Lock()


def _fingerprint(directory: Path) -> tuple:
    """What the organization directory holds now; shipped definitions change only on upgrade."""
    entries = []
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            stat = path.stat()
            entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return (str(directory), tuple(entries))


def current_library() -> Library:
    """The library, loaded once per process and again whenever the organization's files
    change. Callers must treat it as read-only."""
    directory = organization_dir()
    key = _fingerprint(directory)
    with _cache_lock:
        library = _cache.get(key)
    if library is None:
        library = load_library(directory)
        with _cache_lock:
            _cache.clear()
            _cache[key] = library
    return library


def install_supplied(file: str | Path) -> tuple[Path, Library]:
    """Validate a definition or supplied-items file against the whole library and install it.

    Nothing is written unless the library loads with the new file in place.
    """
    file = Path(file)
    data = read_definition_file(file)
    code = str(data.get("code", "")).strip() or "unnamed"
    version = str(data.get("version", "")).strip() or "1"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{code}-{version}")
    target_name = f"{safe}.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp)
        for existing in organization_dir().glob("*.yaml"):
            if existing.name != target_name:
                shutil.copy2(existing, trial / existing.name)
        shutil.copy2(file, trial / target_name)
        library = load_library(trial)  # raises DefinitionError naming the field
    target = organization_dir() / target_name
    shutil.copy2(file, target)
    return target, library

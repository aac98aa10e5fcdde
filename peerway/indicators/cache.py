"""Place dashboards cached under the organization's data versions (decision 32: Dashboards
cached under a data version).

``place_dashboard`` here gives exactly what ``selectors.place_dashboard`` gives. It is
built from parts (``selectors.drift_part``, ``workforce_part``, ``people_part``, contacts
per person, safety, readiness, plan), each kept in the ``indicators`` cache under a key
made of everything that part depends on:

- the organization and the versions of the kinds of record the part reads
  (``versions.current``, read *before* computing; ``core`` for every part), so a write
  committed since makes the entry unreachable, and a contact logged recomputes only the
  parts that read contacts;
- the teams covered (their ids), the period and today's date (plan actions fall overdue
  and waves close by date);
- for the readiness trend, the language (scale names) and the questionnaire library's
  files; for the workforce, the default supervision cadence;
- ``FORMAT``, raised whenever the shape of a part changes, so an entry pickled by an older
  release is never read.

Parts are kept in this process as they are (a bounded memo, ``PEERWAY_INDICATOR_CACHE_ENTRIES``
parts): unpickling a region's parts on every read would cost a fifth of a second. Readers
treat them as read-only. When ``caches["indicators"]`` is shared (any backend but local
memory, ``PEERWAY_INDICATOR_CACHE_URL``), the organization-level parts (``SHAREABLE_PARTS``)
are also stored there, for other processes and after a restart; parts that name workers or
people (and hold their account objects) never leave the process.

No part depends on the reader: the parts hold the full figures, and the aggregate-only
view (``k``) is cut from them here exactly as ``selectors.place_dashboard`` cuts it, on
every read. Safety tasks open past their deadline depend on the clock, not only on writes:
they are counted on every read (one query). What else a view shows (links, filters, the
sites and teams the reader may open) is computed per request from the reader's
permissions, never cached.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from . import selectors, versions
from .versions import CONTACTS, CORE, PEOPLE, PLANNING, SAFETY, SURVEYS, WORKFORCE

ALIAS = "indicators"
FORMAT = 3

_memo: OrderedDict[str, object] = OrderedDict()
_memo_lock = threading.Lock()


def _shared():
    """The shared cache, or None when it is local memory (the memo already is that)."""
    from django.core.cache.backends.locmem import LocMemCache

    backend = caches[ALIAS]
    return None if isinstance(backend, LocMemCache) else backend


def _memo_size() -> int:
    return settings.CACHES[ALIAS].get("OPTIONS", {}).get("MAX_ENTRIES", 200)


def _get_many(keys: list[str], *, shared: bool = True) -> dict[str, object]:
    """From this process's memo, then (``shared``) from the shared cache."""
    with _memo_lock:
        found = {}
        for key in keys:
            if key in _memo:
                _memo.move_to_end(key)
                found[key] = _memo[key]
    missing = [key for key in keys if key not in found]
    backend = _shared() if shared else None
    if missing and backend is not None:
        more = backend.get_many(missing)
        _remember(more)
        found.update(more)
    return found


def _remember(entries: dict[str, object]) -> None:
    with _memo_lock:
        _memo.update(entries)
        while len(_memo) > _memo_size():
            _memo.popitem(last=False)


def _set_many(entries: dict[str, object], *, shared=True) -> None:
    """Into this process's memo, and into the shared cache those keys ``shared`` allows
    (``True``: all of them; a set: those keys only)."""
    _remember(entries)
    backend = _shared()
    if backend is None or not shared:
        return
    if shared is not True:
        entries = {key: value for key, value in entries.items() if key in shared}
    if entries:
        backend.set_many(entries)


def clear() -> None:
    """Forget every cached part (this process's, and the shared cache's)."""
    with _memo_lock:
        _memo.clear()
    forget_pages()
    caches[ALIAS].clear()


# Parts a shared cache may hold: organization-level figures only. The others name workers
# or people (per-worker drift, the workforce with its accounts, the relationships open in
# the period...) and are kept in each process only, never in Redis or a file.
SHAREABLE_PARTS = ("readiness", "plan")

# What each part reads.
PART_KINDS = {
    "drift": (CORE, CONTACTS, PLANNING),
    "workforce": (CORE, WORKFORCE),
    "people": (CORE, PEOPLE),
    "contacts_per_person": (CORE, CONTACTS, PEOPLE),
    "safety": (CORE, SAFETY, PEOPLE),
    "readiness": (CORE, SURVEYS),
    "plan": (CORE, PLANNING),
}


def part_key(part: str, organization, *, teams, period, version: dict, extra=()) -> str:
    parts = (
        FORMAT,
        part,
        organization.pk,
        tuple((kind, *version[kind]) for kind in PART_KINDS[part]),
        tuple(sorted(t.pk for t in teams)),
        period.start.isoformat(),
        period.end.isoformat(),
        timezone.localdate().isoformat(),
        tuple(extra),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"place:{organization.pk}:{part}:{digest}"


def _library_stamp() -> str:
    from peerway.instruments.library import _fingerprint, organization_dir

    return hashlib.sha256(repr(_fingerprint(organization_dir())).encode()).hexdigest()


def place_dashboard(
    organization,
    *,
    teams,
    period: selectors.Period,
    k: int | None = None,
    lang: str = "en",
    safety_tasks: dict | None = None,
) -> selectors.PlaceDashboard:
    """``selectors.place_dashboard``, from cached parts (see the module's docstring).
    ``safety_tasks``: the period's safety tasks when the caller has just read them."""
    teams = list(teams)
    version = versions.current(organization)
    keys: dict[str, str] = {}
    extras = {
        "workforce": (settings.PEERWAY_SUPERVISION_EVERY_DAYS,),
        "readiness": ("fr" if lang == "fr" else "en", _library_stamp()),
    }
    for part in PART_KINDS:
        keys[part] = part_key(
            part,
            organization,
            teams=teams,
            period=period,
            version=version,
            extra=extras.get(part, ()),
        )
    found = _get_many(list(keys.values()))
    parts = {part: found[key] for part, key in keys.items() if key in found}
    computed: dict[str, object] = {}

    def get(part, compute):
        if part not in parts:
            parts[part] = computed[keys[part]] = compute()
        return parts[part]

    people = get("people", lambda: selectors.people_part(organization, teams, period))
    relationships = people["relationships"]
    data = selectors.assemble_place_dashboard(
        teams=teams,
        period=period,
        k=k,
        drift_part=get("drift", lambda: selectors.drift_part(organization, teams, period)),
        workforce_part=get(
            "workforce", lambda: selectors.workforce_part(organization, teams, period)
        ),
        people_part=people,
        contacts_per_person=get(
            "contacts_per_person",
            lambda: selectors.contacts_per_person(
                organization, teams, period, relationships=relationships
            ),
        ),
        safety=get(
            "safety",
            lambda: selectors.safety(organization, teams, period, relationships=relationships),
        ),
        safety_tasks=safety_tasks
        if safety_tasks is not None
        else selectors.safety_tasks(organization, teams, period),
        readiness=get("readiness", lambda: selectors.readiness_trend(organization, lang)),
        plan=get("plan", lambda: selectors.plan_progress(organization)),
    )
    if computed:
        _set_many(computed, shared={keys[part] for part in SHAREABLE_PARTS})
    return data


def remember(
    name: str, organization, kinds, compute, *, extra=(), shared: bool = True, shape: int = 1
):
    """Another summary kept like the dashboards' parts: ``compute()``'s result, under a key
    made of ``name``, the organization, the versions of ``kinds`` (``core`` always among
    them) read before computing, today's date and ``extra`` (everything else the result
    depends on: the teams covered, the language...). ``shared=False`` keeps it in this
    process only: for anything naming a person or a worker, which never goes to a shared
    cache. Readers treat the result as read-only. ``shape``: raise it whenever the value's
    shape changes, so an entry a shared cache holds from an older release is never read."""
    kinds = tuple(sorted({CORE, *kinds}))
    version = versions.current(organization)
    parts = (
        FORMAT,
        name,
        shape,
        organization.pk,
        tuple((kind, *version[kind]) for kind in kinds),
        timezone.localdate().isoformat(),
        tuple(extra),
    )
    key = f"{name}:{organization.pk}:{hashlib.sha256(repr(parts).encode()).hexdigest()}"
    found = _get_many([key], shared=shared)
    if key in found:
        return found[key]
    value = compute()
    _set_many({key: value}, shared=shared)
    return value


# What the supervision dashboard reads: the workers (memberships, profiles, supervision,
# training, check-ins), their drift (contact rollups and role definitions).
SUPERVISION_KINDS = (CONTACTS, WORKFORCE, PLANNING)


def supervision_dashboard(organization, supervisor, *, period: selectors.Period):
    """``selectors.supervision_dashboard``, kept in this process only (it names workers)
    under the versions of what it reads, per supervisor and period."""
    return remember(
        "supervision",
        organization,
        SUPERVISION_KINDS,
        lambda: selectors.supervision_dashboard(organization, supervisor, period=period),
        extra=(
            supervisor.pk,
            period.start.isoformat(),
            period.end.isoformat(),
            settings.PEERWAY_SUPERVISION_EVERY_DAYS,
        ),
        shared=False,
    )


# --- Rendered dashboard pages ------------------------------------------------------------
#
# A region's organization dashboard is about 2 MB of HTML (625 teams, every table beside its
# chart): drawing it from cached figures takes seconds, for the same reader, place and period
# that drew it a moment ago. The body of a place dashboard is kept as drawn, in this process
# only and per reader (it is what that reader may see, links and suppression included),
# under the versions of every kind of record, today's date and everything else it is drawn
# from (``extra``): a write, a new day or a change of the reader's memberships (``core``)
# makes the entry unreachable. Bounded separately (``PEERWAY_DASHBOARD_PAGE_ENTRIES``):
# pages are large.

_pages: OrderedDict[str, str] = OrderedDict()
_pages_lock = threading.Lock()


def dashboard_page(organization, reader, *, extra, draw) -> str:
    """The body ``draw()`` returns, kept for ``reader`` under every version of the
    organization, today's date and ``extra``."""
    size = settings.PEERWAY_DASHBOARD_PAGE_ENTRIES
    version = versions.current(organization)
    parts = (
        FORMAT,
        "page",
        organization.pk,
        reader.pk,
        tuple(sorted((kind, *v) for kind, v in version.items())),
        timezone.localdate().isoformat(),
        timezone.get_current_timezone_name(),
        tuple(extra),
    )
    key = hashlib.sha256(repr(parts).encode()).hexdigest()
    with _pages_lock:
        if key in _pages:
            _pages.move_to_end(key)
            return _pages[key]
    html = draw()
    if size > 0:
        with _pages_lock:
            _pages[key] = html
            while len(_pages) > size:
                _pages.popitem(last=False)
    return html


def forget_pages() -> None:
    with _pages_lock:
        _pages.clear()

"""Place dashboards cached under the organization's data version (decision 32: Dashboards
cached under a data version).

``place_dashboard`` here gives exactly what ``selectors.place_dashboard`` gives, from the
``indicators`` cache when an entry exists for everything the figures depend on:

- the organization and its data version (``versions.current``, read *before* computing),
  so a write committed since makes the entry unreachable;
- the teams covered (their ids), the period, today's date (plan actions fall overdue and
  waves close by date), the reader's disclosure (``k``: aggregate-only readers get the
  suppressed view, never the full one) and the language (scale names);
- the settings the figures read (the default supervision cadence) and ``FORMAT``, raised
  whenever the shape of ``PlaceDashboard`` changes, so an entry pickled by an older
  release is never read.

Safety tasks open past their deadline depend on the clock, not only on writes: they are
computed on every call (one query). What else a view shows (links, filters, the sites and
teams the reader may open) is computed per request from the reader's permissions, never
cached.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from . import selectors, versions

ALIAS = "indicators"
FORMAT = 1


def place_key(organization, *, teams, period, k, lang, version) -> str:
    epoch, number = version
    parts = (
        FORMAT,
        organization.pk,
        epoch,
        number,
        tuple(sorted(t.pk for t in teams)),
        period.start.isoformat(),
        period.end.isoformat(),
        timezone.localdate().isoformat(),
        k,
        lang,
        settings.PEERWAY_SUPERVISION_EVERY_DAYS,
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"place:{organization.pk}:{digest}"


def place_dashboard(
    organization, *, teams, period: selectors.Period, k: int | None = None, lang: str = "en"
) -> selectors.PlaceDashboard:
    """``selectors.place_dashboard``, cached (see the module's docstring)."""
    teams = list(teams)
    version = versions.current(organization)
    key = place_key(organization, teams=teams, period=period, k=k, lang=lang, version=version)
    cache = caches[ALIAS]
    data = cache.get(key)
    if data is None:
        data = selectors.place_dashboard(organization, teams=teams, period=period, k=k, lang=lang)
        cache.set(key, data)
        return data
    data.safety_tasks = selectors.safety_tasks(organization, teams, period)
    return data

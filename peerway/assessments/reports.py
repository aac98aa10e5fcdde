"""Glue between stored responses and the framework-free survey analysis."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from django.db.models import Count, Max

from peerway.instruments.library import current_library

from .analysis import (
    ReleaseDecision,
    ResponseRecord,
    agreement,
    barrier_profile,
    compute_results,
)
from .models import Response, Wave, WaveRelease


def records_for(wave: Wave) -> list[ResponseRecord]:
    rows = Response.objects.filter(wave=wave).values_list(
        "team_id", "team__site_id", "audience", "answers", "versions"
    )
    return [ResponseRecord(t, s, a, answers, versions) for t, s, a, answers, versions in rows]


def team_sites(wave: Wave) -> dict[int, int]:
    return dict(wave.teams.values_list("pk", "site_id"))


def _version_stamp(wave: Wave) -> str:
    """What a wave's results depend on: its responses (never edited, so their count and
    last date identify a state), threshold, questionnaires, audiences and teams. The wave's
    creation time keeps two waves that reuse an id (e.g. after a rolled-back transaction)
    from sharing an entry."""
    agg = Response.objects.filter(wave=wave).aggregate(n=Count("id"), last=Max("submitted_on"))
    settings = json.dumps(
        [wave.instruments, wave.audiences, sorted(team_sites(wave).items())], sort_keys=True
    )
    digest = hashlib.sha256(settings.encode()).hexdigest()[:16]
    return f"{wave.pk}:{wave.created_at.isoformat()}:{wave.k}:{agg['n']}:{agg['last']}:{digest}"


release_stamp = _version_stamp


def stored_release(wave: Wave) -> ReleaseDecision | None:
    """The disclosure decision stored with a closed wave (decided and stored now if it is
    missing or stale, e.g. the wave closed by date before the background task ran). None for
    a wave that is not closed: its results are not released, and whoever computes them for
    an internal purpose decides in memory."""
    if wave.status() != "closed":
        return None
    release = WaveRelease.objects.filter(wave=wave).first()
    if release is None or release.stamp != release_stamp(wave):
        from .services import release_wave

        release = release_wave(wave=wave)
    return ReleaseDecision.from_json(release.decision)


# Results are immutable objects that do not pickle; keep the last few in this process.
_MEMO: OrderedDict[str, object] = OrderedDict()
_MEMO_SIZE = 24
_memo_lock = threading.Lock()


def _cached(kind: str, wave: Wave, compute):
    key = f"{kind}:{_version_stamp(wave)}"
    with _memo_lock:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
    value = compute()
    with _memo_lock:
        _MEMO[key] = value
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return value


def wave_results(wave: Wave):
    def compute():
        return compute_results(
            records_for(wave),
            current_library(),
            k=wave.k,
            teams=team_sites(wave),
            audiences=wave.audiences,
            instrument_codes=wave.instrument_codes,
            release=stored_release(wave),
        )

    return _cached("results", wave, compute)


def wave_agreement(wave: Wave):
    def compute():
        return agreement(records_for(wave), current_library(), results=wave_results(wave))

    return _cached("agreement", wave, compute)


def wave_barriers(wave: Wave):
    if "pibc" not in wave.instrument_codes:
        return None

    def compute():
        return barrier_profile(
            records_for(wave),
            current_library(),
            k=wave.k,
            teams=team_sites(wave),
            audiences=wave.audiences,
            release=stored_release(wave),
        )

    return _cached("barriers", wave, compute)


def place_names(wave: Wave) -> dict[tuple[str, int | None], str]:
    names: dict[tuple[str, int | None], str] = {("organization", None): wave.organization.name}
    for team in wave.teams.select_related("site"):
        names[("team", team.pk)] = team.name
        names[("site", team.site_id)] = team.site.name
    return names

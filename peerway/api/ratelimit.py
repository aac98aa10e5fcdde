"""Requests per token per minute, counted in the cache like the survey links' limit
(peerway.assessments.views): a fixed one-minute window per token."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60
DEFAULT_PER_MINUTE = 120


def per_minute() -> int:
    return int(getattr(settings, "PEERWAY_API_RATE_PER_MINUTE", DEFAULT_PER_MINUTE))


def hit(token_id: int, now: float | None = None) -> int | None:
    """Count one request; return the seconds to wait when over the limit, else None."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"api-rate:{token_id}:{window}"
    cache.add(key, 0, WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS * 2)
        count = 1
    if count > per_minute():
        return max(1, int((window + 1) * WINDOW_SECONDS - now))
    return None

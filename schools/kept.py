"""Results too slow to compute at every request, kept in the cache for a while: a city's
dashboard figures and its coercion-risk signals count millions of consent events, which
takes seconds.

A result is kept for ``FIGURES_CACHE_SECONDS`` under a key that names whose it is and what
was asked. Once it is that old, the first request to come computes it again while the
others are still given the kept one (for up to ``STALE_FACTOR`` times as long), so a crowd
of officials opening their dashboards never counts the city all at once. With the setting
at 0, every request computes.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

T = TypeVar("T")

STALE_FACTOR = 4
# The request computing a result again holds a lock for at most this long.
COMPUTE_LOCK_SECONDS = 120


def cache_key(*parts) -> str:
    """A key of the parts and the language (results hold translated labels)."""
    return ":".join(str(part) for part in (*parts, translation.get_language()))


def kept(key: str, compute: Callable[[], T]) -> tuple[T, datetime | None]:
    """The result of ``compute()`` and when it was computed (None: just now, not kept)."""
    fresh_for = settings.FIGURES_CACHE_SECONDS
    if fresh_for <= 0:
        return compute(), None
    found = cache.get(key)
    now = timezone.now()
    if found is not None:
        result, computed_at = found
        fresh = (now - computed_at).total_seconds() < fresh_for
        if fresh or not cache.add(f"{key}:computing", True, timeout=COMPUTE_LOCK_SECONDS):
            return result, computed_at
    result = compute()
    cache.set(key, (result, now), timeout=fresh_for * STALE_FACTOR)
    cache.delete(f"{key}:computing")
    return result, now

"""Results too slow to compute at every request, kept in the cache for a while: a city's
dashboard figures and its coercion-risk signals count millions of consent events, which
takes tens of seconds.

``for_user`` keeps what a function of a user (and a few plain parameters) returns, and has a
task count it again; ``kept`` is the mechanism. A result is kept for
``FIGURES_CACHE_SECONDS`` under a key that names whose it is and what
was asked, with the time its counting began. Once it is that old, the next request still
gets it, and takes a lock to have it counted again: by a background task when the caller
names one (a task worker counts it; where tasks run in-process, it is counted before the
answer), otherwise in that request. Others meanwhile get the kept one, for up to
``STALE_FACTOR`` times as long, so a crowd of officials never counts the city at once and
no request waits for a recount. Only the very first request for a key counts in the
request. With the setting at 0, every request computes.
"""

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)
T = TypeVar("T")

STALE_FACTOR = 4
# The request or task counting a result again holds a lock for at most this long.
COMPUTE_LOCK_SECONDS = 300


def cache_key(*parts) -> str:
    """A key of the parts and the language (results hold translated labels)."""
    return ":".join(str(part) for part in (*parts, translation.get_language()))


def _lock(key: str) -> str:
    return f"{key}:computing"


def store(key: str, result, computed_at: datetime) -> None:
    """Keep ``result``, counted from ``computed_at``, and release the lock."""
    cache.set(key, (result, computed_at), timeout=settings.FIGURES_CACHE_SECONDS * STALE_FACTOR)
    cache.delete(_lock(key))


def kept(key: str, compute: Callable[[], T], *, refresh=None) -> tuple[T, datetime | None]:
    """The result of ``compute()`` and when its counting began (None: just now, not kept).
    ``refresh`` is ``(task, args)``: a task that counts the result again and ``store``s it
    under ``key``, queued once the kept result is stale."""
    if settings.FIGURES_CACHE_SECONDS <= 0:
        return compute(), None
    found = cache.get(key)
    if found is not None:
        _result, computed_at = found
        age = (timezone.now() - computed_at).total_seconds()
        if age < settings.FIGURES_CACHE_SECONDS:
            return found
        if not cache.add(_lock(key), True, timeout=COMPUTE_LOCK_SECONDS):
            return found  # another request or a worker is counting it again
        if refresh is not None and _queue(*refresh):
            # A worker counts it; the task backend of a laptop has counted it already.
            return cache.get(key) or found
    started = timezone.now()
    result = compute()
    store(key, result, started)
    return result, started


def _queue(task, args) -> bool:
    try:
        task.enqueue(*args)
    except Exception:
        log.exception("Could not queue %s: the request counts it", task.name)
        return False
    return True


def for_user(path: str, user, **params) -> tuple[T, datetime | None]:
    """What the function at ``path`` returns for ``(user, **params)``, kept per user, its
    parameters (plain values: they go into a task) and the language; once stale, counted
    again by the task ``schools.tasks.recount``."""
    from .tasks import recount

    key = cache_key(path, user.pk, *(f"{name}={params[name]}" for name in sorted(params)))
    language = translation.get_language()
    return kept(
        key,
        lambda: import_string(path)(user, **params),
        refresh=(recount, [path, key, user.pk, params, language]),
    )


def recount(path: str, key: str, user_id: int, params: dict, language: str) -> None:
    """Count ``for_user``'s result again and keep it under ``key`` (the task's work); an
    account disabled meanwhile gets nothing counted."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    with translation.override(language):
        started = timezone.now()
        store(key, import_string(path)(user, **params), started)

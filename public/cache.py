"""The public pages' cache.

What the public reads changes rarely and is read often, so the pages' content is kept in
the cache for ``PUBLIC_CACHE_SECONDS``. Every key carries a generation number that any save
of what the pages show (schools, activities and their schedules, partners, published
declarations, the rights page) moves on, so such a change shows at once; so does
``schools.signals.public_data_changed``, which services send after a ``QuerySet.update()``
(publishing the list of outside tutors, a new head). Anything else shows when the entry
expires. The pages have a cache of their own (``PUBLIC_CACHE_URL``); several app processes
need it shared for the generation to reach them all.
"""

import time

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

from schools.signals import public_data_changed

GENERATION_KEY = "public:generation"
MISSING = object()


def _store():
    # A cache of its own, so that filling it (anyone can ask for many pages) never evicts
    # the lockout and rate-limit counters kept in the default cache.
    return caches["public"]


def generation() -> int:
    found = _store().get(GENERATION_KEY)
    if found is None:
        # Lost (a restart, an eviction): start from the clock, never from a number that
        # older entries may still carry.
        found = time.time_ns()
        _store().add(GENERATION_KEY, found, None)
    return found


def bump() -> None:
    try:
        _store().incr(GENERATION_KEY)
    except ValueError:
        _store().set(GENERATION_KEY, time.time_ns(), None)


def cached(name: str, render, *parts, timeout: int | None = None):
    """``render()``'s value, kept under ``name``, the language, the generation and
    ``parts``; None (nothing to show) is never kept."""
    key = ":".join(
        ["public", name, get_language() or settings.LANGUAGE_CODE, str(generation())]
        + [str(p) for p in parts]
    )
    value = _store().get(key, MISSING)
    if value is MISSING:
        value = render()
        if value is not None:  # nothing to show (a 404) is not kept: any number can be asked
            timeout = settings.PUBLIC_CACHE_SECONDS if timeout is None else timeout
            _store().set(key, value, timeout)
    return value


def _watched() -> tuple[type, ...]:
    from partnerships.models import Partner
    from schools.models import Activity, ActivitySlot, AdministrativeUnit, School
    from tutoring.models import OutsideTutoringDeclaration

    from .models import RightsPage

    return (
        School,
        AdministrativeUnit,
        Activity,
        ActivitySlot,
        Partner,
        OutsideTutoringDeclaration,
        RightsPage,
    )


def _changed(sender, instance, **kwargs):
    if isinstance(instance, WATCHED):
        _bump_now_and_on_commit()


def _bump_now_and_on_commit(**kwargs):
    # Now, for this request's own next read; and once committed, so that a page another
    # visitor renders from the old data in between is not kept.
    bump()
    transaction.on_commit(bump)


WATCHED: tuple[type, ...] = ()


def connect() -> None:
    global WATCHED
    WATCHED = _watched()
    post_save.connect(_changed, dispatch_uid="public.cache.saved")
    post_delete.connect(_changed, dispatch_uid="public.cache.deleted")
    # A class's teachers, named on the school's page.
    m2m_changed.connect(_changed, dispatch_uid="public.cache.m2m")
    public_data_changed.connect(_bump_now_and_on_commit, dispatch_uid="public.cache.changed")

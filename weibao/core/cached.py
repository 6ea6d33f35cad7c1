"""Small facts that every page asks for and that change seldom (whether the demo data is
loaded, the visit rules), kept a while in Django's cache — Redis, shared by the web workers,
in production — so that a page does not query them each time. Their writers forget them."""

import contextlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
_MISSING = object()


def cached_read(key: str, timeout: int, read: Callable[[], T]) -> T:
    """`read()`, kept `timeout` seconds under `key`. A cache that fails (Redis down) is passed
    by: the database answers, as Django's cached_db sessions do."""
    try:
        value = cache.get(key, _MISSING)
    except Exception:  # any failure of the cache: the database answers
        return read()
    if value is _MISSING:
        value = read()
        with contextlib.suppress(Exception):
            cache.set(key, value, timeout)
    return value


def forget(key: str) -> None:
    """Drop `key` now and again when the writer's transaction commits: a page that read the
    old value in between must not keep it for the whole timeout."""
    _delete(key)
    transaction.on_commit(lambda: _delete(key))


def _delete(key: str) -> None:
    with contextlib.suppress(Exception):
        cache.delete(key)

"""Counters in Django's cache that count before they check, so that simultaneous requests cannot
all read "room left" and then all go through.

A limit is kept by taking a place first (an atomic increment: locmem holds a lock, Redis's INCR
is atomic) and going on only when the new count is within the limit. Exactly `limit` requests
are handed the counts 1…limit, whatever their interleaving. A request that is refused, or that
turns out not to count (a right password, a right report code), gives its place back."""

import contextlib
from dataclasses import dataclass

from django.core.cache import cache


def count_up(key: str, timeout: int) -> int:
    """Add one to the counter at `key` (created with `timeout` seconds to live) and return the
    new count."""
    for _attempt in range(3):
        cache.add(key, 0, timeout)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: create it again
            continue
    # Still missing after three tries (a cache that drops keys at once): count this one alone.
    cache.set(key, 1, timeout)
    return 1


def count_down(key: str) -> None:
    """Give one back; nothing when the counter has expired meanwhile."""
    with contextlib.suppress(ValueError):
        cache.decr(key)


@dataclass(frozen=True)
class Places:
    """The places one request took in one or more counters, to give back if it did not count."""

    keys: tuple[str, ...] = ()

    def give_back(self) -> None:
        for key in self.keys:
            count_down(key)


def take(windows: list[tuple[str, int, int]]) -> tuple[Places, list[int]]:
    """Take a place in each counter of `windows` — (key, limit, timeout), in order — and return
    the places with the positions of the windows that are over their limit. The windows are
    taken one after the other and the first that is over stops the taking: every place taken is
    given back (a refused request uses none), and the windows after it are only read. So a
    burst that the first window refuses never fills the later ones, even for a moment, and
    cannot push out a request those would let through."""
    taken: list[str] = []
    for i, (key, limit, timeout) in enumerate(windows):
        taken.append(key)
        if count_up(key, timeout) > limit:
            Places(tuple(taken)).give_back()
            rest = windows[i + 1 :]
            full = [i + 1 + j for j, (k, n, _t) in enumerate(rest) if (cache.get(k) or 0) >= n]
            return Places(), [i, *full]
    return Places(tuple(taken)), []

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
    """Take a place in each counter of `windows` — (key, limit, timeout) — and return the places
    with the positions of the windows whose new count is over their limit. When there is one,
    every place is given back at once (a refused request uses none)."""
    places = Places(tuple(key for key, _limit, _timeout in windows))
    over = [i for i, (key, limit, timeout) in enumerate(windows) if count_up(key, timeout) > limit]
    if over:
        places.give_back()
    return places, over

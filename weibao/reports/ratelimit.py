"""Per-client-address limits of the public door, counted in Django's cache in fixed windows.

settings.REPORT_PUBLIC_LIMITS names the buckets: "report" (reports accepted), "post" (every
submission, valid or not) and "status" (wrong status guesses). A bucket is full when any of its
windows is. Each request takes its place before it goes on (core.counters), so a burst of
simultaneous requests gets no more through than the limit."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weibao.core import counters
from weibao.core.counters import Places

REPORT, POST, STATUS = "report", "post", "status"
DEFAULT_LIMITS = {
    REPORT: [(5, 600), (20, 86400)],
    POST: [(30, 600), (100, 86400)],
    STATUS: [(10, 600), (30, 86400)],
}


def client_address(request: HttpRequest) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def _limits(bucket: str) -> list[tuple[int, int]]:
    limits = getattr(settings, "REPORT_PUBLIC_LIMITS", None) or DEFAULT_LIMITS
    return [(int(n), int(seconds)) for n, seconds in limits.get(bucket, DEFAULT_LIMITS[bucket])]


def _key(bucket: str, address: str, seconds: int, now: float) -> tuple[str, int]:
    window = int(now // seconds)
    remaining = int((window + 1) * seconds - now) + 1
    return f"weibao:report-limit:{bucket}:{seconds}:{window}:{address}", remaining


def retry_after(bucket: str, address: str) -> int | None:
    """Seconds until the bucket has room again; None when it has room now. A look only, to
    refuse early: what keeps the limit is take(), which counts before it lets one through."""
    now = time.time()
    waits = []
    for count, seconds in _limits(bucket):
        key, remaining = _key(bucket, address, seconds, now)
        if (cache.get(key) or 0) >= count:
            waits.append(remaining)
    return max(waits) if waits else None


def is_limited(address: str, *buckets: str) -> int | None:
    """Seconds to wait if any of the buckets is full for this address, else None."""
    waits = [w for bucket in buckets if (w := retry_after(bucket, address)) is not None]
    return max(waits) if waits else None


class Limited(Exception):
    """The bucket is full: `wait` seconds until it has room again."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


def take(bucket: str, address: str) -> Places:
    """Count one more in each window of the bucket, then check: raises Limited (having given
    the places back) when a window is over its limit. Simultaneous requests cannot all pass,
    since each is handed its own count. Give the places back when the request turns out not
    to count (e.g. a right status code)."""
    now = time.time()
    windows, waits = [], []
    for count, seconds in _limits(bucket):
        key, remaining = _key(bucket, address, seconds, now)
        windows.append((key, count, remaining + 5))
        waits.append(remaining)
    places, over = counters.take(windows)
    if over:
        raise Limited(max(waits[i] for i in over))
    return places


def limit_message(wait: int | None) -> str:
    """The 429 answer, in the reader's language."""
    minutes = max(1, round((wait or 60) / 60))
    if minutes >= 60:
        hours = max(1, round(minutes / 60))
        when = ngettext("in %(n)d hour", "in %(n)d hours", hours) % {"n": hours}
    else:
        when = ngettext("in %(n)d minute", "in %(n)d minutes", minutes) % {"n": minutes}
    return _(
        "Too many attempts from your network. Please try again %(when)s. If a child is in "
        "danger now, call the police (110)."
    ) % {"when": when}

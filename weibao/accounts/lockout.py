"""A pause after repeated failed logins, shared by the login page and the API's token endpoint:
10 failures for one account from one address lock both doors to that account from there for
15 minutes. The account is named as the login form reads it (surrounding spaces dropped) and
case-folded, so "Name", " name" and "name " count together."""

from django.core.cache import cache
from django.http import HttpRequest

LIMIT = 10
WINDOW = 15 * 60


def _key(request: HttpRequest, username: object) -> str:
    name = str(username or "").strip().casefold()[:150]
    return f"login-failures:{request.META.get('REMOTE_ADDR', '')}:{name}"


def login_locked(request: HttpRequest, username: object) -> bool:
    return cache.get(_key(request, username), 0) >= LIMIT


def login_failed(request: HttpRequest, username: object) -> None:
    key = _key(request, username)
    cache.add(key, 0, WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW)

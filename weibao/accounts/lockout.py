"""A pause after repeated failed logins, shared by the login page and the API's token endpoint:
10 failures for one account from one address lock both doors to that account from there for
15 minutes. The account is named as the login form reads it (surrounding spaces dropped) and
case-folded, so "Name", " name" and "name " count together.

Each attempt is counted before its password is checked (core.counters), and given back when the
password was right: of 40 simultaneous wrong passwords, no more than 10 are checked."""

from django.core.cache import cache
from django.http import HttpRequest

from weibao.core import counters
from weibao.core.counters import Places

LIMIT = 10
WINDOW = 15 * 60


def _key(request: HttpRequest, username: object) -> str:
    name = str(username or "").strip().casefold()[:150]
    return f"login-failures:{request.META.get('REMOTE_ADDR', '')}:{name}"


def login_attempt(request: HttpRequest, username: object) -> Places | None:
    """Count this attempt as a failure before the password is checked. None when the account
    is locked from this address (do not check the password); otherwise the place, to give back
    with login_succeeded() when the password was right."""
    places, over = counters.take([(_key(request, username), LIMIT, WINDOW)])
    return None if over else places


def login_succeeded(attempt: Places) -> None:
    """The password was right: this attempt was no failure."""
    attempt.give_back()


def login_locked(request: HttpRequest, username: object) -> bool:
    """Whether the account is locked from this address now (read only: for the audit row of a
    failure, which says when it was the one that locked the account)."""
    return (cache.get(_key(request, username)) or 0) >= LIMIT

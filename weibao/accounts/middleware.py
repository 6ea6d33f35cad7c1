"""The two limits of a signed-in session: idle time (WEIBAO_SESSION_IDLE_MINUTES without a
request) and absolute lifetime (SESSION_COOKIE_AGE from the first request after sign-in,
however active). Past either, the session ends: the audit trail records it and a page request
goes to the sign-in page with a message; an API request goes on unauthenticated."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

from weibao.accounts.services import sign_out_record

STARTED = "weibao_session_started"
LAST_SEEN = "weibao_session_last_seen"
# The last-seen time is written at most this often (seconds): writing the session on every
# request would double the database writes for no real gain in precision.
RESOLUTION = 60


def session_limits_start(session, now: float) -> None:
    """Called at sign-in, so the first page after it has nothing to write. A session signed in
    some other way gets its times on its first request."""
    session[STARTED] = session[LAST_SEEN] = int(now)


def session_end_reason(session, now: float) -> str | None:
    """Why the session must end — "expired" or "idle" — or None while it is valid (its times
    then brought up to date)."""
    started = session.get(STARTED)
    last_seen = session.get(LAST_SEEN)
    if started is None:
        session_limits_start(session, now)
        return None
    if now - started > settings.SESSION_COOKIE_AGE:
        return "expired"
    if last_seen is not None and now - last_seen > settings.WEIBAO_SESSION_IDLE_MINUTES * 60:
        return "idle"
    if last_seen is None or now - last_seen >= RESOLUTION:
        session[LAST_SEEN] = int(now)
    return None


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            reason = session_end_reason(request.session, time.time())
            if reason is not None:
                sign_out_record(
                    user=user, address=request.META.get("REMOTE_ADDR", ""), reason=reason
                )
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, _message(reason))
                    return redirect_to_login(request.get_full_path())
        return self.get_response(request)


def _message(reason: str) -> str:
    if reason == "idle":
        return _(
            "You were signed out after %(minutes)d minutes without activity. Please sign in again."
        ) % {"minutes": settings.WEIBAO_SESSION_IDLE_MINUTES}
    return _("Your session has reached its limit of %(hours)d hours. Please sign in again.") % {
        "hours": settings.SESSION_COOKIE_AGE // 3600
    }

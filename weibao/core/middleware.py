"""Headers every answer carries, whatever view made it; the client's address behind a trusted
proxy; the request id and the request log."""

import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from weibao.core.logging import request_id_var

request_logger = logging.getLogger("weibao.request")

# What the pages never use, refused to them and to anything they embed (docs/security.md).
DEFAULT_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), interest-cohort=()"
)


class SecurityHeadersMiddleware:
    """Sends `Cache-Control: no-store` on every answer to a signed-in user — a child's file, a
    case, a report, an export or an attachment must not stay in a browser's or a proxy's cache
    after the user has gone (a shared computer at the 居委会) — and the Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        response.headers.setdefault(
            "Permissions-Policy",
            getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY),
        )
        return response


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(remote_addr: str, forwarded_for: str, proxies: tuple[str, ...]) -> str:
    """The client's address: REMOTE_ADDR, unless that is one of the trusted proxies; then the
    last address of X-Forwarded-For that is not a trusted proxy (a proxy appends the address it
    saw, so only the addresses right of the first untrusted one were written by proxies we
    trust; anything left of it may be made up by the client)."""
    networks = _networks(proxies)
    if not networks or not forwarded_for or not _in(remote_addr, networks):
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _in(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:  # not an address: keep the proxy's own, never a made-up string
                return remote_addr
    return hops[0] if hops else remote_addr


class ClientAddressMiddleware:
    """Sets REMOTE_ADDR to the client's address when the request came through a proxy listed in
    WEIBAO_TRUSTED_PROXIES, so the rate limits, the sign-in lockout, the audit trail and the
    signed-in devices see the client, not the proxy (docs/security.md). X-Forwarded-For from
    anyone else is ignored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        proxies = tuple(getattr(settings, "WEIBAO_TRUSTED_PROXIES", ()) or ())
        if proxies:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            remote = request.META.get("REMOTE_ADDR", "")
            request.META["REMOTE_ADDR"] = client_address(remote, forwarded, proxies)
        return self.get_response(request)


# A request id from outside (the proxy's, a client's) is kept only when it is short and plain,
# so nothing odd reaches the logs or the answer's headers.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class RequestLogMiddleware:
    """Gives each request an id — the X-Request-ID it came with (nginx sets one) or a new one —
    sends it back in X-Request-ID, marks every log line written meanwhile with it, and logs one
    line for the request (logger weibao.request, INFO): method, path without the query string
    (which can hold a name someone searched for), status, time in milliseconds and the user's
    id — never a name or an ID number."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if request_logger.isEnabledFor(logging.INFO):
                user = getattr(request, "user", None)
                request_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "user_id": user.pk if user is not None and user.is_authenticated else None,
                    },
                )
            return response
        finally:
            request_id_var.reset(token)

"""Every door of the site, tried by every persona with every method it accepts
(docs/security.md): the URL patterns come from the URL configuration itself, and the table in
doors.py says for each one who may come in. Out of scope answers 404 exactly as an id
that does not exist; an action that is in scope but not the persona's answers 403; without
signing in, a page sends to the sign-in page and the API answers 401; nothing answers 5xx.

The world is built once per test and each request runs in a savepoint that is rolled back, so
that every request meets the same world whatever the requests before it did (an empty POST that
revokes a token or discards a draft does it for that request only). A new URL pattern without
a row in the table fails test_every_url_pattern_has_a_row. The framework admin is the system
administrator's alone; that it has no page of a child's data is tests/accounts/test_admin_site.py's
to check (one such page stands here for them)."""

import copy
import dataclasses
import logging
import re
import time

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from tests.front.doors import ADMIN, ANONYMOUS, API, PERSONAS, WEB, Door, World, build_world
from weibao.security.services import api_token_create

pytestmark = pytest.mark.django_db
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
ALL_METHODS = ("GET", *UNSAFE)
# An id that exists nowhere: what a 404 out of scope must look like.
NONEXISTENT = 987654321


# --- the URL configuration ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Pattern:
    key: str  # the pattern's name with its namespaces, or its route when it has no name
    route: str  # the full route, as the resolver joins it
    callback: object

    @property
    def kind(self) -> str:
        if self.route.startswith("api/"):
            return "api"
        if self.route.startswith("admin/"):
            return "admin"
        return "web"


def url_patterns() -> list[Pattern]:
    found: list[Pattern] = []

    def walk(resolver: URLResolver, prefix: str, namespaces: list[str]) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                spaces = [*namespaces, entry.namespace] if entry.namespace else namespaces
                walk(entry, prefix + str(entry.pattern), spaces)
            else:
                assert isinstance(entry, URLPattern)
                route = prefix + str(entry.pattern)
                key = ":".join([*namespaces, entry.name]) if entry.name else route
                found.append(Pattern(key, route, entry.callback))

    walk(get_resolver(), "", [])
    return found


def _request_methods(view) -> tuple[str, ...] | None:
    """The methods a function view lets through require_http_methods (and require_GET,
    require_POST), None if it restricts none."""
    while view is not None:
        code = getattr(view, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = view.__closure__[code.co_freevars.index("request_method_list")]
            return tuple(m for m in cell.cell_contents if m in ALL_METHODS)
        view = getattr(view, "__wrapped__", None)
    return None


def accepted_methods(callback) -> tuple[str, ...]:
    """The methods a view answers (other than HEAD and OPTIONS), read from the view: a DRF
    viewset's actions, a class's handlers, a function's method decorator; a function that
    restricts none is tried with the two a browser sends."""
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(m for m in ALL_METHODS if m.lower() in actions)
    cls = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if cls is not None:
        return tuple(
            m for m in ALL_METHODS if m.lower() in cls.http_method_names and hasattr(cls, m.lower())
        )
    return _request_methods(callback) or ("GET", "POST")


def restricts_methods(callback) -> bool:
    """Whether a method outside accepted_methods answers 405 (for a function view that
    restricts nothing, every method reaches the view)."""
    if getattr(callback, "actions", None) or getattr(callback, "view_class", None):
        return True
    return _request_methods(callback) is not None


TABLE: dict[str, Door | list[Door]] = {**WEB, **API, **ADMIN}


def doors_of(key: str) -> list[Door]:
    entry = TABLE[key]
    return entry if isinstance(entry, list) else [entry]


def fill(route: str, kwargs: dict) -> str:
    """The URL of a route with its parts filled in (path converters and regex groups)."""
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), url)
    return "/" + url.replace("^", "").replace("$", "")


def nonexistent(kwargs: dict) -> dict:
    return {k: NONEXISTENT if isinstance(v, int) else v for k, v in kwargs.items()}


# --- trying a door ------------------------------------------------------------------------


class _Rollback(Exception):
    pass


@dataclasses.dataclass
class Tally:
    patterns: int = 0
    doors: int = 0
    requests: int = 0
    failures: list[str] = dataclasses.field(default_factory=list)

    def fail(self, message: str) -> None:
        self.failures.append(message)


def clients(world: World, kind: str) -> dict[str, Client]:
    made: dict[str, Client] = {}
    for name in PERSONAS:
        user = world[name]
        if kind == "api":
            client = APIClient()
            if user is not None:
                _token, key = api_token_create(actor=user, name="every door")
                client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        else:
            client = Client()
            if user is not None:
                client.force_login(user)
        made[name] = client
    return made


def send(client: Client, method: str, url: str, kind: str, tally: Tally, data=None):
    """One request in a savepoint rolled back afterwards; the client's cookies (its session,
    which a sign-out would end) and the cache (rate limits, lockouts) are put back too.
    Returns the response, or the exception the view raised."""
    cookies = copy.deepcopy(client.cookies)
    tally.requests += 1
    response = None
    try:
        with transaction.atomic():
            if method == "GET":
                response = client.get(url)
            elif kind == "api":
                response = getattr(client, method.lower())(url, data or {}, format="json")
            elif method == "POST":
                response = client.post(url, data or {})
            else:
                response = getattr(client, method.lower())(url)
            raise _Rollback
    except _Rollback:
        pass
    except Exception as exc:  # a 500: the view raised
        response = exc
    finally:
        client.cookies = cookies
        cache.clear()
    return response


def status_of(response) -> int:
    return 500 if isinstance(response, Exception) else response.status_code


CSRF_RE = re.compile(rb'(name="csrfmiddlewaretoken" value=|nonce=)"[^"]*"')


def body(response, url: str = "") -> bytes:
    """A response's body without what changes from one request to the next: the CSRF token,
    the CSP nonce and the page's own address (the language switch comes back to it)."""
    if isinstance(response, Exception):
        return repr(response).encode()
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if url:
        content = content.replace(url.encode(), b"<url>")
    return CSRF_RE.sub(rb'\1""', content)


def expected_status(door: Door, persona: str) -> int:
    if isinstance(door.ok, dict):
        return door.ok.get(persona, door.ok.get("*", 200))
    return door.ok


def _payload(door: Door, world: World, method: str) -> dict:
    return door.data(world) if door.data is not None and method != "GET" else {}


def check_door(world, pattern: Pattern, door: Door, made: dict[str, Client], tally: Tally):
    kwargs = door.kwargs(world)
    query = door.query(world) if door.query else ""
    url = fill(pattern.route, kwargs)
    match = resolve(url)
    reached = match.view_name if match.url_name else match.route
    if reached != pattern.key and not door.note.startswith("shadowed"):
        tally.fail(f"{url}: reaches {reached}, not {pattern.key}: fix its row's kwargs")
        return
    login = "/admin/login/" if pattern.kind == "admin" else "/accounts/login/"
    # The view that answers: another pattern's, for one that an earlier pattern shadows.
    methods = door.methods or accepted_methods(match.func)
    inside = door.personas_in()
    for method in methods:
        for persona in PERSONAS:
            where = f"{method} {url}{query} as {persona}"
            data = _payload(door, world, method)
            response = send(made[persona], method, url + query, pattern.kind, tally, data)
            status = status_of(response)
            if status >= 500:
                tally.fail(f"{where}: {status} {body(response)[:300]!r}")
                continue
            if persona in door.forbidden_for(method):
                if status != 403:
                    tally.fail(f"{where}: {status}, expected 403 (forbidden)")
                continue
            if persona in inside:
                if method == "GET":
                    want = expected_status(door, persona)
                    if status != want:
                        tally.fail(f"{where}: {status}, expected {want}")
                elif status in (403, 404):
                    tally.fail(f"{where}: {status}, expected the action to be let in")
                continue
            if persona == ANONYMOUS or (pattern.kind == "admin" and persona != "admin"):
                if pattern.kind == "api":
                    if status != 401:
                        tally.fail(f"{where}: {status}, expected 401")
                elif status != 302 or not response["Location"].startswith(login):
                    tally.fail(f"{where}: {status}, expected a redirect to {login}")
                continue
            if status != 404:
                tally.fail(f"{where}: {status}, expected 404 (out of scope)")
                continue
            if any(isinstance(v, int) for v in kwargs.values()):
                other = fill(pattern.route, nonexistent(kwargs))
                missing = send(made[persona], method, other + query, pattern.kind, tally, data)
                if (status_of(missing), body(missing, other)) != (status, body(response, url)):
                    tally.fail(f"{where}: answers otherwise than {other} ({status_of(missing)})")
    if door.methods is None and restricts_methods(match.func):
        # The methods read from the view are all it answers: any other is refused with 405.
        persona = next((p for p in PERSONAS if p in inside), "district")
        for method in sorted(set(ALL_METHODS) - set(methods)):
            response = send(made[persona], method, url + query, pattern.kind, tally)
            if status_of(response) != 405:
                tally.fail(f"{method} {url} as {persona}: {status_of(response)}, expected 405")


def run(kind: str, world: World) -> Tally:
    tally = Tally()
    made = clients(world, "api" if kind == "api" else "web")
    for pattern in url_patterns():
        if pattern.kind != kind or pattern.key not in TABLE:
            continue
        tally.patterns += 1
        for door in doors_of(pattern.key):
            tally.doors += 1
            check_door(world, pattern, door, made, tally)
    return tally


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world()


@pytest.fixture(autouse=True)
def _quiet():
    """Thousands of 403s and 404s are the point here: Django's warning for each is not news
    (a 5xx is still logged, and fails the test)."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def report(kind: str, tally: Tally, started: float) -> None:
    """The matrix's size, shown with `pytest -s`; every failure in one message."""
    print(
        f"\nevery door ({kind}): {tally.patterns} URL patterns, {tally.doors} rows, "
        f"{len(PERSONAS)} personas: {tally.requests} requests, "
        f"{len(tally.failures)} failures, {time.monotonic() - started:.1f} s"
    )
    assert not tally.failures, f"{len(tally.failures)} doors answer wrongly:\n" + "\n".join(
        tally.failures
    )


# --- the tests ----------------------------------------------------------------------------


def test_every_url_pattern_has_a_row():
    missing = [p.route for p in url_patterns() if p.key not in TABLE]
    assert not missing, (
        "URL patterns without a row in tests/front/doors.py — add one saying who may come in: "
        + ", ".join(missing)
    )


def test_every_row_is_a_url_pattern():
    keys = {p.key for p in url_patterns()}
    stale = sorted(set(TABLE) - keys)
    assert not stale, f"rows of tests/front/doors.py whose URL pattern is gone: {stale}"


def test_only_someone_in_scope_is_refused_with_403():
    """A 403 tells that the thing exists: out of scope must be a 404, so a row may refuse with
    403 only personas it lets see the thing."""
    wrong = [
        f"{key}: {sorted(door.forbidden_for(method) - door.personas_in())}"
        for key in TABLE
        for door in doors_of(key)
        for method in ALL_METHODS
        if door.forbidden_for(method) - door.personas_in()
    ]
    assert not wrong, wrong


def test_every_web_page_lets_in_only_those_in_scope(world):
    started = time.monotonic()
    report("web", run("web", world), started)


def test_every_api_endpoint_lets_in_only_those_in_scope(world):
    started = time.monotonic()
    report("api", run("api", world), started)


def test_the_framework_admin_is_the_system_administrators_alone(world):
    started = time.monotonic()
    report("admin", run("admin", world), started)

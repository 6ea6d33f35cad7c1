"""In production the sessions are read from the shared cache (`cached_db`, with
WEIBAO_CACHE_URL) and written through to the database: a request reads its session without a
query, and signing another device out still ends its session at once, in every worker (the
cache the workers share is the one the revocation clears). CI runs the Redis case against the
local Redis (WEIBAO_TEST_REDIS=1); the in-process cache stands for it in the fast suite."""

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.security.test_devices import DEVICES, LAPTOP, PHONE, browser, listed

REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:6379/13",
    "KEY_PREFIX": "weibao-test-sessions",
}
LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
redis_only = [
    pytest.mark.redis,
    pytest.mark.skipif(
        os.environ.get("WEIBAO_TEST_REDIS") != "1",
        reason="set WEIBAO_TEST_REDIS=1 to run against the Redis server at 127.0.0.1:6379",
    ),
]


@pytest.fixture(
    params=[pytest.param(LOCAL, id="local"), pytest.param(REDIS, id="redis", marks=redis_only)]
)
def cached_sessions(request, settings):
    from django.core.cache import cache

    settings.CACHES = {"default": request.param}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cache.clear()
    yield
    cache.clear()


def test_a_request_reads_its_session_without_a_query(cached_sessions, director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    phone.get("/children/")
    with CaptureQueriesContext(connection) as ctx:
        assert phone.get("/children/").status_code == 200
    assert not [q for q in ctx.captured_queries if 'FROM "django_session"' in q["sql"]]


def test_signing_out_another_device_ends_its_cached_session(cached_sessions, director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    laptop = browser(director_a, LAPTOP, "10.0.0.8")
    assert laptop.get("/children/").status_code == 200  # its session now in the cache
    other = next(d for d in listed(phone) if not d.current)
    assert phone.post(f"{DEVICES}{other.pk}/revoke/").status_code == 302
    assert laptop.get("/children/")["Location"].startswith("/accounts/login/")
    assert [d.user_agent for d in listed(phone)] == ["Chrome · Android"]


def test_signing_out_all_other_devices_ends_their_cached_sessions(cached_sessions, director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    others = [browser(director_a, LAPTOP, f"10.0.1.{i}") for i in range(2)]
    assert all(o.get("/children/").status_code == 200 for o in others)
    phone.post(f"{DEVICES}revoke-others/")
    assert all(o.get("/children/").status_code == 302 for o in others)
    assert phone.get("/children/").status_code == 200

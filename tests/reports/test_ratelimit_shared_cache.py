"""With WEIBAO_CACHE_URL the public door's rate limits live in Redis, so that several web
workers count together; CI runs this against the local Redis."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache.backends.redis import RedisCache

from weibao.core import counters
from weibao.reports import ratelimit

LOCATION = "redis://127.0.0.1:6379/14"
OPTIONS = {"KEY_PREFIX": "weibao-test"}


@pytest.mark.redis
@pytest.mark.skipif(
    os.environ.get("WEIBAO_TEST_REDIS") != "1",
    reason="set WEIBAO_TEST_REDIS=1 to run against the Redis server at 127.0.0.1:6379",
)
def test_two_workers_sharing_the_redis_cache_count_one_clients_reports_together(
    settings, monkeypatch
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": LOCATION, **OPTIONS}
    }  # fmt: skip
    worker_a, worker_b = RedisCache(LOCATION, OPTIONS), RedisCache(LOCATION, OPTIONS)
    worker_a.clear()
    try:

        def worker(cache):
            monkeypatch.setattr(ratelimit, "cache", cache)
            monkeypatch.setattr(counters, "cache", cache)

        worker(worker_a)
        for _ in range(3):
            ratelimit.take(ratelimit.REPORT, "203.0.113.7")
        worker(worker_b)
        assert ratelimit.is_limited("203.0.113.7", ratelimit.REPORT) is None
        for _ in range(2):
            ratelimit.take(ratelimit.REPORT, "203.0.113.7")
        worker(worker_a)
        # 5 reports in 10 minutes from one address, counted by two workers: the limit is reached.
        assert ratelimit.is_limited("203.0.113.7", ratelimit.REPORT) > 0
        with pytest.raises(ratelimit.Limited):
            ratelimit.take(ratelimit.REPORT, "203.0.113.7")
        assert ratelimit.is_limited("203.0.113.8", ratelimit.REPORT) is None
    finally:
        worker_a.clear()


def test_the_settings_use_redis_when_a_cache_url_is_given(monkeypatch):
    import importlib

    import weibao.settings as module

    monkeypatch.setenv("WEIBAO_CACHE_URL", LOCATION)
    try:
        reloaded = importlib.reload(module)
        assert reloaded.CACHES["default"]["BACKEND"].endswith("RedisCache")
        assert reloaded.CACHES["default"]["LOCATION"] == LOCATION
    finally:
        monkeypatch.delenv("WEIBAO_CACHE_URL")
        del module.CACHES  # reload() keeps names the module no longer defines
        assert not hasattr(importlib.reload(module), "CACHES")


@pytest.mark.redis
@pytest.mark.skipif(
    os.environ.get("WEIBAO_TEST_REDIS") != "1",
    reason="set WEIBAO_TEST_REDIS=1 to run against the Redis server at 127.0.0.1:6379",
)
def test_simultaneous_takes_through_redis_let_only_the_limit_through(monkeypatch):
    shared = RedisCache(LOCATION, OPTIONS)
    shared.clear()
    monkeypatch.setattr(counters, "cache", shared)
    barrier = threading.Barrier(30)

    def take(_i):
        barrier.wait()
        try:
            ratelimit.take(ratelimit.REPORT, "203.0.113.9")
        except ratelimit.Limited:
            return False
        return True

    try:
        with ThreadPoolExecutor(max_workers=30) as pool:
            assert sum(pool.map(take, range(30))) == 5
    finally:
        shared.clear()

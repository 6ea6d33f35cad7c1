"""The production cache keeps one Redis client per server (weibao/core/cache.py)."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from weibao.core.cache import RedisCache


def test_the_cache_makes_one_client_per_server_not_one_per_call():
    # redis.Redis connects on its first command, so no server is needed to see what is made.
    cache = RedisCache("redis://127.0.0.1:1/0", {})
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is client
    assert cache._cache.get_client("c", write=True) is client


def test_reads_go_to_the_other_servers_each_with_its_own_client():
    cache = RedisCache("redis://127.0.0.1:1/0,redis://127.0.0.1:2/0", {})
    writer = cache._cache.get_client(write=True)
    reader = cache._cache.get_client()
    assert writer is not reader
    assert writer.connection_pool.connection_kwargs["port"] == 1
    assert reader.connection_pool.connection_kwargs["port"] == 2
    assert cache._cache.get_client() is reader


@pytest.mark.redis
@pytest.mark.skipif(
    os.environ.get("WEIBAO_TEST_REDIS") != "1",
    reason="set WEIBAO_TEST_REDIS=1 to run against the Redis server at 127.0.0.1:6379",
)
def test_threads_sharing_the_client_each_read_their_own_values():
    cache = RedisCache("redis://127.0.0.1:6379/14", {"KEY_PREFIX": "weibao-test-cache"})
    cache.clear()
    try:

        def work(n: int) -> tuple[int, int]:
            cache.set(f"value-{n}", n * 10, 60)
            if not cache.add("counted", 1, 60):
                cache.incr("counted")
            return n, cache.get(f"value-{n}")

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(work, range(40)))
        assert answers == [(n, n * 10) for n in range(40)]
        assert cache.get("counted") == 40
        assert cache.get_many(["value-3", "value-4", "missing"]) == {"value-3": 30, "value-4": 40}
    finally:
        cache.clear()

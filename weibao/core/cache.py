"""The shared cache of production (Redis), with one client kept per server.

Django's Redis client makes a new `redis.Redis` for every call (its `get_client`), and each one
builds its table of reply handlers again: about 87 µs of a 2-core machine's CPU
(docs/performance.md, "The load that saturates two cores, …"), and a page asks the cache two
to five times (its session, the demo banner, the visit rules, the sign-in gate's two facts).
A `redis.Redis` is safe to share between threads: each command takes a connection from the
pool and gives it back, so one per server does for the whole process. The pools, and so the
connections, are Django's as before."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}  # a pool's id → the client made on it

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # Two threads may both make one here; either is right, and the last one is kept.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

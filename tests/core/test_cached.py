"""core.cached: a small fact read once and kept; forgotten by its writer; read from the
database when the cache fails (Redis down), never a 500."""

import pytest
from django.core.cache import cache

from weibao.core import cached


def _counting():
    calls = []

    def read():
        calls.append(1)
        return len(calls)

    return read, calls


def test_a_fact_is_read_once_until_forgotten(db):
    read, calls = _counting()
    assert cached.cached_read("t:fact", 60, read) == 1
    assert cached.cached_read("t:fact", 60, read) == 1
    cached.forget("t:fact")
    assert cached.cached_read("t:fact", 60, read) == 2
    assert len(calls) == 2


def test_a_false_answer_is_kept_too(db):
    assert cached.cached_read("t:false", 60, lambda: False) is False
    assert cached.cached_read("t:false", 60, lambda: True) is False


@pytest.mark.parametrize("failing", ["get", "set"])
def test_a_failing_cache_is_passed_by(db, monkeypatch, failing):
    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(cache, failing, broken)
    read, _calls = _counting()
    assert cached.cached_read("t:down", 60, read) == 1
    assert cached.cached_read("t:down", 60, read) == 2  # nothing kept: read again
    monkeypatch.setattr(cache, "delete", broken)
    cached.forget("t:down")  # no error either

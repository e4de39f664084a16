"""The public pages' rate-limit counter: counted per window, shared through the
cache, read with the cached value in one call (one round trip on Redis)."""

from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from core import ratelimit
from core.ratelimit import count_and_get

PAGE = "<html>甲餐厅</html>"


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if request.param == "locmem"
        else {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("REDIS_URL", ""),
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    cache = caches["default"]
    yield cache
    cache.clear()


def test_hits_are_counted_per_caller_and_the_value_comes_back(backend):
    backend.set("page", PAGE, 60)
    hits = [count_and_get("rate:1.2.3.4", 60, "page") for _ in range(3)]
    assert hits == [(1, PAGE), (2, PAGE), (3, PAGE)]
    assert count_and_get("rate:5.6.7.8", 60, "missing") == (1, None)


def test_a_new_window_starts_from_one_and_the_old_one_expires(backend, monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: 6_000_000.0)
    count_and_get("rate:1.2.3.4", 60, "page")
    assert count_and_get("rate:1.2.3.4", 60, "page")[0] == 2
    monkeypatch.setattr(ratelimit.time, "time", lambda: 6_000_060.0)
    assert count_and_get("rate:1.2.3.4", 60, "page")[0] == 1
    if isinstance(backend, RedisCache):  # the window's key carries its expiry
        client = backend._cache.get_client()
        ttl = client.ttl(backend.make_key("rate:1.2.3.4:100001"))
        assert 0 < ttl <= 61

"""A fixed-window request counter in the shared cache, read together with one
cached value: public pages behind a rate limit cost one Redis round trip (a
pipeline of INCR, EXPIRE NX and GET) instead of four cache calls."""

from __future__ import annotations

import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def count_and_get(counter: str, period: int, key: str) -> tuple[int, object]:
    """Count one hit of ``counter`` in the current ``period``-second window and
    return (hits in this window so far, the cached value of ``key`` or None)."""
    window_key = f"{counter}:{int(time.time() // period)}"
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        counted = cache.make_and_validate_key(window_key)
        with client.pipeline(transaction=False) as pipe:
            pipe.incr(counted)
            pipe.expire(counted, period + 1, nx=True)
            pipe.get(cache.make_and_validate_key(key))
            hits, _expiry, raw = pipe.execute()
        value = None if raw is None else cache._cache._serializer.loads(raw)
        return hits, value
    if cache.add(window_key, 1, period + 1):
        hits = 1
    else:
        try:
            hits = cache.incr(window_key)
        except ValueError:  # expired between add and incr
            hits = 1
    return hits, cache.get(key)

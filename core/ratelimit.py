"""A fixed-window request counter in the shared cache, read together with one
cached value: public pages behind a rate limit cost one Redis command (a Lua
script: INCR, EXPIRE on the first hit, GET) instead of four cache calls."""

from __future__ import annotations

import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.commands.core import Script

# GET of a missing key is false, not nil: nil would end the Lua table early.
COUNT_AND_GET = """
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('GET', KEYS[2]) or false}
"""
_script: Script | None = None


def count_and_get(counter: str, period: int, key: str) -> tuple[int, object]:
    """Count one hit of ``counter`` in the current ``period``-second window and
    return (hits in this window so far, the cached value of ``key`` or None)."""
    global _script
    window_key = f"{counter}:{int(time.time() // period)}"
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        if _script is None:
            _script = client.register_script(COUNT_AND_GET)
        keys = [cache.make_and_validate_key(k) for k in (window_key, key)]
        hits, raw = _script(
            keys=keys,
            args=[period + 1],
            client=client,
        )
        return hits, None if raw is None else cache._cache._serializer.loads(raw)
    if cache.add(window_key, 1, period + 1):
        hits = 1
    else:
        try:
            hits = cache.incr(window_key)
        except ValueError:  # expired between add and incr
            hits = 1
    return hits, cache.get(key)

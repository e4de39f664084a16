"""Advisory locks for periodic jobs: any number of workers may start the job; one
runs it, the others return at once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def _lock_key(name: str) -> int:
    return int.from_bytes(
        hashlib.sha256(name.encode()).digest()[:8], "big", signed=True
    )


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """Yield True if this session got the lock ``name``, False if another holds
    it. PostgreSQL session-level ``pg_try_advisory_lock``; elsewhere (SQLite, a
    single process) there is nothing to coordinate and the lock is always got."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = _lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])

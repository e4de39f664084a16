"""Periodic jobs that survive downtime and duplicates.

A periodic job processes a time window. Its watermark (``PeriodicWatermark``) says
how far it got; each run covers everything from there to now, so after beat or the
workers were down for two days the next run catches up in one go. A run holds an
advisory lock, so a second copy of the same job (two beats, a redelivered message)
skips instead of doing the work twice, and the work and the new watermark commit
together: a run that fails leaves the watermark where it was.

    @shared_task(ignore_result=True)
    def notices_send_task():
        periodic_run("grid.notices", handler=lambda since, until: ...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from core.models import PeriodicWatermark


@dataclass(frozen=True)
class PeriodicRun:
    name: str
    ran: bool  # False: another run held the lock, or nothing to do
    since: datetime | None = None
    until: datetime | None = None
    result: object = None


def _try_lock(name: str) -> bool:
    """A transaction-scoped advisory lock on PostgreSQL; SQLite runs one writer
    at a time anyway."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [name])
        return bool(cursor.fetchone()[0])


def periodic_run(
    name: str,
    *,
    handler: Callable[[datetime, datetime], object],
    now: datetime | None = None,
    first_window: timedelta = timedelta(days=1),
) -> PeriodicRun:
    """Run ``handler(since, until)`` once for everything not yet processed.

    The first run ever covers ``first_window`` back from now."""
    now = now or timezone.now()
    with transaction.atomic():
        if not _try_lock(f"periodic:{name}"):
            return PeriodicRun(name, ran=False)
        watermark, _created = (
            PeriodicWatermark.objects.select_for_update().get_or_create(
                name=name, defaults={"processed_until": now - first_window}
            )
        )
        since = watermark.processed_until
        if since >= now:
            return PeriodicRun(name, ran=False, since=since, until=now)
        result = handler(since, now)
        watermark.processed_until = now
        watermark.runs += 1
        watermark.save(update_fields=["processed_until", "runs", "updated_at"])
    return PeriodicRun(name, ran=True, since=since, until=now, result=result)

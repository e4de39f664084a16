"""Periodic jobs: the nightly anomaly scan and the declarations of the period
that just ended. Each runs once at a time (advisory lock on PostgreSQL)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from celery import shared_task
from django.db import connection
from django.utils import timezone

from hazwaste import services
from hazwaste.models import Declaration
from hazwaste.services.producers import period_bounds


@contextmanager
def _single(name: str):
    """True when this worker holds the job's lock (always on SQLite)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])


@shared_task(ignore_result=True)
def anomaly_scan_task(only: list[str] | None = None) -> dict:
    """All rules (nightly), or ``only`` those named (after a ledger review). A
    scan already running skips this one; the next nightly scan catches up."""
    with _single("hazwaste.anomaly_scan") as held:
        if not held:
            return {}
        return services.anomaly_scan(only=only).by_rule


@shared_task(ignore_result=True)
def declarations_generate_task() -> int:
    """Generate (or refresh, until submitted) each schedule's last ended period."""
    today = timezone.localdate()
    count = 0
    with _single("hazwaste.declarations") as held:
        if not held:
            return 0
        for period in Declaration.Period.values:
            start, _end = period_bounds(period, today)
            count += services.declarations_generate(
                period=period, day=start - timedelta(days=1)
            )
    return count

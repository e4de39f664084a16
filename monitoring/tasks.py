"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

import contextlib
from datetime import datetime

from celery import shared_task
from django.db import connection
from django.utils import timezone


@contextlib.contextmanager
def advisory_lock(name: str):
    """Run a periodic job on one worker at a time (PostgreSQL); elsewhere the
    job runs in-process anyway. Yields whether the lock was taken."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name])
        taken = cursor.fetchone()[0]
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])


@shared_task(ignore_result=True)
def readings_arrived(touched: dict[str, list[str]]) -> None:
    """Rollups, indices and rules for sensors that just got readings."""
    from monitoring import services

    services.readings_follow_up(
        touched={
            int(sensor_id): (
                datetime.fromisoformat(first),
                datetime.fromisoformat(last),
            )
            for sensor_id, (first, last) in touched.items()
        }
    )


@shared_task(ignore_result=True)
def rules_evaluate_all() -> None:
    """Index rules judge complete hours: catch hours that completed quietly."""
    from monitoring import services

    with advisory_lock("monitoring.rules_evaluate_all") as taken:
        if taken:
            services.rules_evaluate()


@shared_task(ignore_result=True)
def reading_partitions_maintain() -> None:
    from monitoring.partitions import reading_partitions_ensure

    with advisory_lock("monitoring.reading_partitions_maintain") as taken:
        if taken:
            reading_partitions_ensure()


def alarm_dispatch_schedule(alarm_id: int, due: datetime | None) -> None:
    """Queue an alarm's dispatch for when its remote check window ends."""
    if due is None or due <= timezone.now():
        alarm_dispatch.delay(alarm_id)
    else:
        alarm_dispatch.apply_async(args=[alarm_id], eta=due)


@shared_task(ignore_result=True)
def alarm_dispatch(alarm_id: int) -> None:
    from monitoring.services import alarm_dispatch

    alarm_dispatch(alarm_id=alarm_id)


@shared_task(ignore_result=True)
def alarms_dispatch_due() -> None:
    """Sweep: dispatch alarms whose window ended (covers lost or early tasks)."""
    from monitoring.services import alarms_dispatch_due

    with advisory_lock("monitoring.alarms_dispatch_due") as taken:
        if taken:
            alarms_dispatch_due()

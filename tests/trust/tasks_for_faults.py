"""Test-only Celery tasks for the fault tests (registered through CELERY_IMPORTS in
tests/trust/celery_settings.py; production code never imports this).

They write to plain tables the test creates, so each run and each effect can be
counted from the test process."""

from __future__ import annotations

import os
import time

from celery import shared_task
from django.db import connection, transaction

from core.periodic import periodic_run

TABLES = (
    "CREATE TABLE IF NOT EXISTS fault_run"
    " (id serial PRIMARY KEY, key text NOT NULL, pid int NOT NULL,"
    " at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS fault_effect"
    " (key text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS fault_gate (key text PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS fault_event"
    " (id serial PRIMARY KEY, at timestamptz NOT NULL)",
    "CREATE TABLE IF NOT EXISTS fault_notice"
    " (id serial PRIMARY KEY, event_id int NOT NULL)",
    "CREATE TABLE IF NOT EXISTS fault_window"
    " (id serial PRIMARY KEY, since timestamptz NOT NULL, until timestamptz NOT NULL)",
    "CREATE TABLE IF NOT EXISTS fault_clock"
    " (id int PRIMARY KEY, now timestamptz NOT NULL)",
)
GATE_TIMEOUT_SECONDS = 60


def _execute(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def _gate_open(key: str) -> bool:
    return bool(_execute("SELECT 1 FROM fault_gate WHERE key = %s", [key]))


@shared_task(ignore_result=True)
def record_effect(key: str) -> None:
    """Log the run, write the effect (idempotently: the key is claimed by a
    conditional insert), then keep working until the test opens the gate - the
    window in which the test kills the worker, after the effect, before the ack."""
    _execute("INSERT INTO fault_run (key, pid) VALUES (%s, %s)", [key, os.getpid()])
    with transaction.atomic():
        _execute(
            "INSERT INTO fault_effect (key) VALUES (%s) ON CONFLICT (key) DO NOTHING",
            [key],
        )
    deadline = time.monotonic() + GATE_TIMEOUT_SECONDS
    while not _gate_open(key) and time.monotonic() < deadline:
        time.sleep(0.05)


@shared_task(ignore_result=True)
def notices_catch_up() -> None:
    """A periodic job: one notice per event since the watermark (the clock is a
    table, so the test can move time two days ahead)."""
    _execute("INSERT INTO fault_run (key, pid) VALUES ('notices', %s)", [os.getpid()])
    now = _execute("SELECT now FROM fault_clock WHERE id = 1")[0][0]

    def send_notices(since, until):
        _execute(
            "INSERT INTO fault_notice (event_id) SELECT id FROM fault_event"
            " WHERE at > %s AND at <= %s",
            [since, until],
        )
        _execute(
            "INSERT INTO fault_window (since, until) VALUES (%s, %s)", [since, until]
        )

    periodic_run("faults.notices", handler=send_notices, now=now)

"""Benchmark of the wall screen's data endpoint (issue 10): p95 <= 200 ms on the
demo district with a month of readings.

    .venv/bin/python bench/screen.py                       # SQLite (first run)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/screen \
        .venv/bin/python bench/screen.py

Builds a throw-away test database, seeds the default demo district (3,000
enterprises, 13 streets, 200 grid cells, 30 stations) with ``BENCH_DAYS`` (31) days
of monitoring history, logs a kiosk in and times ``BENCH_REQUESTS`` (200) GETs of
``/api/v1/screen/data/`` through the full middleware stack, after 5 warm-up
requests. Prints p50/p95/max, the query count, the payload size and the load
average (the machine is shared: read the figure against it).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

from bench import database_create_if_missing  # noqa: E402

database_create_if_missing()
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
)

DAYS = int(os.environ.get("BENCH_DAYS", 31))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 200))
ENTERPRISES = int(os.environ.get("BENCH_ENTERPRISES", 3000))
BUDGET_MS = 200


def main() -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from django.core.management import call_command
        from django.test import Client

        import monitoring.demo
        from monitoring.models import Reading
        from screen.demo import DEMO_KIOSK_KEY

        monitoring.demo.HISTORY_DAYS = DAYS
        started = time.perf_counter()
        call_command("seed_demo", enterprises=ENTERPRISES, verbosity=0)
        print(
            f"demo district seeded in {time.perf_counter() - started:.0f} s: "
            f"{Reading.objects.count():,} readings over {DAYS} days "
            f"({connection.vendor})"
        )
        client = Client(REMOTE_ADDR="127.0.0.1", HTTP_HOST="localhost")
        assert client.post("/screen/login/", {"key": DEMO_KIOSK_KEY}).status_code == 302
        for _ in range(5):
            assert client.get("/api/v1/screen/data/").status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/screen/data/")
        timings, cpu = [], []
        for _ in range(REQUESTS):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get("/api/v1/screen/data/")
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200
        timings.sort()
        cpu.sort()
        p95 = timings[int(0.95 * len(timings)) - 1]
        load = os.getloadavg()
        print(
            f"GET /api/v1/screen/data/ x{REQUESTS}: "
            f"p50 {statistics.median(timings):.0f} ms, "
            f"p95 {p95:.0f} ms, max {timings[-1]:.0f} ms "
            f"(budget p95 <= {BUDGET_MS} ms: {'ok' if p95 <= BUDGET_MS else 'OVER'}); "
            f"CPU per request p50 {statistics.median(cpu):.0f} ms, "
            f"p95 {cpu[int(0.95 * len(cpu)) - 1]:.0f} ms (SQLite runs in-process); "
            f"{len(queries)} queries, {len(response.content) / 1024:.0f} KiB; "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
            f"on {os.cpu_count()} cores"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

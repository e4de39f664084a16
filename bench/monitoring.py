"""Benchmark of monitoring (issue 6), against PostgreSQL (DATABASE_URL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/monitoring \
        REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/monitoring.py

Builds a throw-away test database (test_<name>) and measures:
- bulk ingestion (validation + COPY, the service behind the REST endpoint) of
  200,000 readings against a raw COPY of the same rows in the same run (best of
  three each, the table emptied between runs), and the REST endpoint itself
  (the same rows in requests under the request body limit);
- HJ 212 parsing of 20,000 distinct packets in one process;
- the HJ 212 listener (``manage.py hj212_listen`` in its own process) with 1,000
  simulated monitors each sending a packet every 10 s for a bounded time, every
  packet answered and stored (no loss);
- the hourly rollup of one day of minute data for 2,000 sensors (2.88 M rows);
- alarm → ticket: from an exceeding reading's arrival to its grid ticket, with a
  real Celery worker and Redis (REDIS_URL), one alarm per station.
Sizes: BENCH_INGEST_ROWS, BENCH_MONITORS, BENCH_LISTENER_SECONDS, BENCH_SENSORS,
BENCH_ALARM_TRIALS; BENCH_ONLY=parse,ingest,rollup,listener,alarm runs some parts.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

from bench import database_create_if_missing  # noqa: E402

database_create_if_missing()
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

INGEST_ROWS = int(os.environ.get("BENCH_INGEST_ROWS", 200_000))
MONITORS = int(os.environ.get("BENCH_MONITORS", 1000))
LISTENER_SECONDS = float(os.environ.get("BENCH_LISTENER_SECONDS", 35))
SENSORS = int(os.environ.get("BENCH_SENSORS", 2000))
ALARM_TRIALS = int(os.environ.get("BENCH_ALARM_TRIALS", 10))
ALARM_QUEUE = "bench-monitoring"
PACKETS = 20_000
DAY = datetime(2026, 11, 20, tzinfo=UTC)  # a past day: no "future" rejections


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_stations(count: int, prefix: str):
    """``count`` ambient-air stations with their eight default sensors, in bulk."""
    from grid.models import District
    from monitoring.models import Sensor, Station
    from monitoring.parameters import DEFAULT_PARAMETERS, PARAMETERS

    district, _ = District.objects.get_or_create(code="310190", name="示范区")
    stations = Station.objects.bulk_create(
        Station(
            code=f"{prefix}{n:05d}",
            name=f"{prefix}{n}",
            kind=Station.Kind.AMBIENT_AIR,
            mn=f"{prefix}{n:08d}",
            lon=121.45,
            lat=31.23,
            district=district,
        )
        for n in range(count)
    )
    sensors = []
    for station in stations:
        for code in DEFAULT_PARAMETERS["ambient_air"]:
            spec = PARAMETERS[code]
            sensors.append(
                Sensor(
                    station=station,
                    parameter=code,
                    unit=spec.unit,
                    hj212_code=spec.hj212_code,
                    interval_s=60,
                    valid_min=spec.valid_min,
                    valid_max=spec.valid_max,
                )
            )
    Sensor.objects.bulk_create(sensors, batch_size=5000)
    return stations, sensors


def _truncate() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE monitoring_reading")


def bench_ingest() -> dict:
    from django.test import Client

    from monitoring.models import IngestBatch, Sensor
    from monitoring.partitions import reading_partitions_ensure
    from monitoring.services import readings_ingest
    from monitoring.services.ingest import COPY_COLUMNS

    reading_partitions_ensure(start=DAY.date(), through=DAY.date())
    stations, _ = build_stations(25, "ING")  # 200 sensors
    sensors = list(
        Sensor.objects.filter(station__in=stations).select_related("station")
    )
    minutes = INGEST_ROWS // len(sensors)
    rng = random.Random(1)
    items, rows = [], []
    for sensor in sensors:
        for minute in range(minutes):
            at = DAY + timedelta(minutes=minute)
            value = round(rng.uniform(1, 100), 1)
            if sensor.parameter == "CO":
                value = round(value / 50, 2)
            elif sensor.parameter == "wind_direction":
                value = round(value * 3.5, 1)
            elif sensor.parameter == "wind_speed":
                value = round(value / 10, 1)
            items.append(
                {
                    "station": sensor.station.mn,
                    "parameter": sensor.hj212_code,
                    "time": at.isoformat(),
                    "value": value,
                    "flag": "N",
                }
            )
            rows.append((sensor.pk, at, value, "N", "raw"))

    def raw_copy() -> float:
        _truncate()
        started = time.perf_counter()
        statement = f"COPY monitoring_reading {COPY_COLUMNS} FROM STDIN"
        with transaction.atomic(), connection.cursor() as wrapper:  # noqa: SIM117
            with wrapper.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        return time.perf_counter() - started

    def ingest() -> float:
        _truncate()
        started = time.perf_counter()
        report = readings_ingest(items=items, source="json", follow_up=False)
        elapsed = time.perf_counter() - started
        assert report.stored == len(rows), report.as_response()
        return elapsed

    copies, ingests = [], []
    for _ in range(3):
        copies.append(raw_copy())
        ingests.append(ingest())

    # The REST endpoint (JSON lines, Idempotency-Key), same rows, in requests
    # that stay under the body limit a JSON-lines request gets.
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from monitoring.models import Reading

    user = get_user_model().objects.create(username="bench", is_superuser=True)
    client = Client()
    client.force_login(user)
    lines = [json.dumps(item) for item in items]
    limit = min(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.UPLOAD_REQUEST_MAX_BYTES)
    per_request = min(50_000, limit // max(len(line.encode()) + 1 for line in lines))
    bodies = [
        "\n".join(lines[start : start + per_request])
        for start in range(0, len(lines), per_request)
    ]

    def post(body: str, key: str):
        return client.post(
            "/api/v1/monitoring/readings/bulk/",
            body,
            content_type="application/x-ndjson",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    _truncate()
    rest, stored = 0.0, 0
    for number, body in enumerate(bodies):
        assert len(body.encode()) <= limit
        started = time.perf_counter()
        response = post(body, f"bench-{number}")
        rest += time.perf_counter() - started
        assert response.status_code == 200, (response.status_code, response.content)
        stored += response.json()["stored"]
    assert stored == len(rows) == Reading.objects.count(), stored
    started = time.perf_counter()
    replay = post(bodies[0], "bench-0")
    replayed = time.perf_counter() - started
    assert replay.status_code == 200
    assert replay.json()["stored"] == min(per_request, len(rows))
    assert IngestBatch.objects.filter(idempotency_key="bench-0").count() == 1
    assert Reading.objects.count() == len(rows)
    _truncate()
    best_copy, best_ingest = min(copies), min(ingests)
    return {
        "rows": len(rows),
        "copy_rps": len(rows) / best_copy,
        "ingest_rps": len(rows) / best_ingest,
        "ratio": best_copy / best_ingest,
        "copies": copies,
        "ingests": ingests,
        "rest_rps": len(rows) / rest,
        "rest_requests": len(bodies),
        "rest_batch": per_request,
        "replay_s": replayed,
    }


def bench_parse() -> dict:
    from monitoring import hj212

    rng = random.Random(2)
    codes = ["a34004", "a34002", "a21026", "a21004", "a21005", "a05024", "a01007"]
    packets = [
        hj212.build(
            qn=f"20261120{n:09d}",
            cn="2011",
            mn=f"MN{n % 1000:08d}",
            flag=5,
            data_time=DAY + timedelta(seconds=10 * n),
            values={
                c: {"Rtd": round(rng.uniform(0, 200), 1), "Flag": "N"} for c in codes
            },
        )
        for n in range(PACKETS)
    ]
    # wall clock and this process's CPU time: on a shared machine the CPU rate
    # is what one process can do
    started, cpu = time.perf_counter(), time.process_time()
    for packet in packets:
        hj212.parse(packet)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    return {
        "packets": PACKETS,
        "pps": PACKETS / elapsed,
        "cpu_pps": PACKETS / cpu,
        "bytes": len(packets[0]),
    }


def bench_listener(test_db_name: str) -> dict:
    from monitoring.management.commands.simulate_monitors import simulate
    from monitoring.models import Reading
    from monitoring.partitions import reading_partitions_ensure

    stations, sensors = build_stations(MONITORS, "LST")
    today = datetime.now(UTC).date()
    reading_partitions_ensure(start=today, through=today)
    before = Reading.objects.count()
    port = _free_port()
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{test_db_name}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    listener = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "hj212_listen",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--follow-up-s",
            "3600",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # three codes per monitor keep packets small; every value is a reading
        monitors = [
            (s.mn, "22", {"a34004": "PM2_5", "a34002": "PM10", "a21004": "NO2"})
            for s in stations
        ]
        started = time.perf_counter()
        sent, answered = asyncio.run(
            simulate(
                monitors,
                host="127.0.0.1",
                port=port,
                interval=10.0,
                duration=LISTENER_SECONDS,
                exceed=set(),
                seed=3,
            )
        )
        elapsed = time.perf_counter() - started
    finally:
        listener.send_signal(signal.SIGTERM)
        output = listener.communicate(timeout=60)[0]
    stored = Reading.objects.count() - before
    return {
        "monitors": len(monitors),
        "seconds": elapsed,
        "sent": sent,
        "answered": answered,
        "stored": stored,
        "expected": sent * 3,
        "pps": answered / elapsed,
        "listener": output.strip().splitlines()[-1:] if output else [],
    }


def bench_rollup() -> dict:
    from monitoring.partitions import reading_partitions_ensure
    from monitoring.services import hourly_rollups_compute
    from monitoring.services.ingest import COPY_COLUMNS

    reading_partitions_ensure(start=DAY.date(), through=DAY.date())
    stations, sensors = build_stations(SENSORS // 8, "RUP")
    rng = random.Random(4)
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as wrapper,
        wrapper.cursor.copy(
            f"COPY monitoring_reading {COPY_COLUMNS} FROM STDIN"
        ) as copy,
    ):
        for sensor in sensors:
            value = rng.uniform(5, 80)
            for minute in range(1440):
                copy.write_row(
                    (
                        sensor.pk,
                        DAY + timedelta(minutes=minute),
                        value + minute % 7,
                        "N",
                        "raw",
                    )
                )
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE monitoring_reading")
    ids = [s.pk for s in sensors]
    started = time.perf_counter()
    written = hourly_rollups_compute(
        sensor_ids=ids, start=DAY, end=DAY + timedelta(days=1)
    )
    elapsed = time.perf_counter() - started
    return {
        "sensors": len(sensors),
        "rows": len(sensors) * 1440,
        "load_s": loaded,
        "rollup_s": elapsed,
        "hourly_rows": written,
    }


def celery_use_redis(queue: str):
    """The test settings run tasks in place; here they go through Redis."""
    from config.celery import app

    app.conf.update(
        broker_url=os.environ["REDIS_URL"],
        task_always_eager=False,
        task_default_queue=queue,
    )
    return app


def celery_worker(queue: str) -> None:
    """The worker bench_alarm starts: ``monitoring.py celery-worker QUEUE``."""
    celery_use_redis(queue).worker_main(
        [
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@bench",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--purge",
            "-l",
            "INFO",
        ]
    )


def alarm_place():
    """A district with one street and cell, a bureau and a street officer on duty,
    so that a ticket at the cell is routed."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth import get_user_model

    from grid.models import (
        Agency,
        District,
        GridCell,
        Membership,
        Street,
        TicketCategory,
    )

    if not TicketCategory.objects.exists():
        import_module("grid.migrations.0004_ticket_categories_and_holidays").load(
            apps, None
        )
    district = District.objects.create(code="310191", name="告警测试区")
    street = Street.objects.create(district=district, code="ALM", name="告警街道")
    west, south, east, north = 121.40, 31.20, 121.42, 31.22
    GridCell.objects.create(
        street=street,
        code="ALM-001",
        name="告警一",
        geometry={
            "type": "Polygon",
            "coordinates": [
                [
                    [west, south],
                    [east, south],
                    [east, north],
                    [west, north],
                    [west, south],
                ]
            ],
        },
        min_lon=west,
        min_lat=south,
        max_lon=east,
        max_lat=north,
    )
    Agency.objects.create(
        kind=Agency.Kind.BUREAU, name="告警测试区生态环境局", district=district
    )
    office = Agency.objects.create(
        kind=Agency.Kind.STREET_OFFICE,
        name="告警街道执法队",
        district=district,
        street=street,
    )
    officer = get_user_model().objects.create_user(username="bench_officer")
    Membership.objects.create(
        user=officer, agency=office, role=Membership.Role.STREET_OFFICER
    ).streets.add(street)
    return district


def alarm_trials(app, worker, stations):
    """One exceeding reading per station; the time from its arrival to the
    ticket of its alarm."""
    from grid.models import Ticket
    from monitoring.models import Alarm
    from monitoring.services import readings_ingest

    started = time.perf_counter()
    while not app.control.ping([f"{ALARM_QUEUE}@bench"], 0.5):
        if worker.poll() is not None or time.perf_counter() - started > 120:
            raise RuntimeError("the Celery worker did not start")
    latencies, tickets = [], []
    for station in stations:
        at = datetime.now(UTC) - timedelta(seconds=30)
        item = {
            "station": station.mn,
            "parameter": "a34004",
            "time": at.isoformat(),
            "value": 300.0,
            "flag": "N",
        }
        arrived = time.perf_counter()
        with transaction.atomic():
            report = readings_ingest(items=[item], source="json", follow_up=True)
        assert report.stored == 1, report.as_response()
        alarms = Alarm.objects.filter(station=station)
        while True:
            alarm = alarms.exclude(dispatch_status="pending").first()
            if alarm is not None:
                break
            if time.perf_counter() - arrived > 60 or worker.poll() is not None:
                raise RuntimeError(f"no ticket for {station.mn} in 60 s")
            time.sleep(0.02)
        latencies.append(time.perf_counter() - arrived)
        assert alarm.dispatch_status == "dispatched", alarm.dispatch_status
        tickets.append(Ticket.objects.get(reference=alarm.ticket_ref))
    return latencies, tickets


def bench_alarm(test_db_name: str) -> dict:
    from monitoring.models import Rule, Station
    from monitoring.partitions import reading_partitions_ensure
    from monitoring.services import station_create

    district = alarm_place()
    stations = []
    for n in range(ALARM_TRIALS):
        station = station_create(
            code=f"ALM-{n:03d}",
            name=f"告警空气站{n}",
            kind=Station.Kind.AMBIENT_AIR,
            lon=121.405,
            lat=31.205,
            district=district,
            mn=f"MNALM{n:05d}",
        )
        Rule.objects.create(
            name=f"PM2.5 超标 {n}",
            kind=Rule.Kind.PARAMETER,
            parameter="PM2_5",
            station=station,
            threshold=75,
            clear_threshold=60,
            duration_minutes=0,
            dispatch=True,
            ticket_category="dust",
        )
        stations.append(station)
    today = datetime.now(UTC).date()
    reading_partitions_ensure(start=today - timedelta(days=1), through=today)

    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    saved["task_default_queue"] = app.conf.task_default_queue
    celery_use_redis(ALARM_QUEUE)
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{test_db_name}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    with tempfile.TemporaryFile("w+") as log:
        worker = subprocess.Popen(
            [sys.executable, __file__, "celery-worker", ALARM_QUEUE],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            latencies, tickets = alarm_trials(app, worker, stations)
        except Exception:
            log.seek(0)
            print(log.read()[-3000:])
            raise
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            app.conf.update(saved)  # the other parts run tasks in place again
    latencies.sort()
    return {
        "trials": len(latencies),
        "median_s": latencies[len(latencies) // 2],
        "max_s": latencies[-1],
        "assigned": sum(t.assignee_id is not None for t in tickets),
    }


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=False
    )
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    wanted = only or {"parse", "ingest", "rollup", "listener", "alarm"}
    if "alarm" in wanted and not os.environ.get("REDIS_URL"):
        print("alarm → ticket: skipped, it needs REDIS_URL (a Celery broker)")
        wanted.discard("alarm")
    try:
        # first: the Celery app connects to Redis before anything else used it
        alarm = bench_alarm(test_name) if "alarm" in wanted else None
        parse = bench_parse() if "parse" in wanted else None
        ingest = bench_ingest() if "ingest" in wanted else None
        rollup = bench_rollup() if "rollup" in wanted else None
        listener = bench_listener(test_name) if "listener" in wanted else None
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)

    rows = []
    if ingest:
        rows += [
            (
                "raw COPY (same rows, best of 3)",
                f"{ingest['copy_rps']:,.0f} rows/s",
                "baseline",
            ),
            (
                "bulk ingest: validate + COPY (best of 3)",
                f"{ingest['ingest_rps']:,.0f} rows/s",
                f"{100 * ingest['ratio']:.0f} % of COPY (≥ 50 %)",
            ),
            (
                f"REST bulk endpoint, JSON lines, {ingest['rest_requests']} "
                f"requests of ≤ {ingest['rest_batch']:,} rows",
                f"{ingest['rest_rps']:,.0f} rows/s",
                "",
            ),
            (
                "REST retry of one request, same Idempotency-Key",
                f"{ingest['replay_s'] * 1000:.0f} ms",
                "nothing stored twice",
            ),
        ]
    if parse:
        rows.append(
            (
                f"HJ 212 parse ({parse['bytes']}-byte packets, CRC checked)",
                f"{parse['pps']:,.0f} packets/s wall, "
                f"{parse['cpu_pps']:,.0f} per CPU second",
                "≥ 20,000",
            )
        )
    if listener:
        lossless = (
            listener["stored"] == listener["expected"]
            and listener["answered"] == listener["sent"]
        )
        rows.append(
            (
                f"listener: {listener['monitors']} monitors, 1 packet / 10 s, "
                f"{listener['seconds']:.0f} s",
                f"{listener['answered']}/{listener['sent']} answered, "
                f"{listener['stored']}/{listener['expected']} readings stored",
                "no loss" if lossless else "LOSS",
            )
        )
    if rollup:
        rows.append(
            (
                f"hourly rollup: {rollup['sensors']} sensors × 1 day of minute data",
                f"{rollup['rollup_s']:.2f} s "
                f"({rollup['rows']:,} rows → {rollup['hourly_rows']:,})",
                "≤ 10 s",
            )
        )
    if alarm:
        rows.append(
            (
                f"alarm → ticket, Celery worker and Redis ({alarm['trials']} alarms)",
                f"median {alarm['median_s']:.2f} s, max {alarm['max_s']:.2f} s "
                f"({alarm['assigned']} assigned to the officer)",
                "≤ 5 s",
            )
        )
    width = max((len(r[0]) for r in rows), default=0)
    load = os.getloadavg()[0]
    print(
        f"\nmonitoring benchmark ({connection.vendor}, {os.cpu_count()} CPUs, "
        f"load average {load:.1f} at the end)\n"
    )
    for name, figure, target in rows:
        print(f"  {name:<{width}}  {figure:<46} {target}")
    if ingest:
        print(
            "\n  raw COPY runs (s): "
            + ", ".join(f"{t:.2f}" for t in ingest["copies"])
            + "; ingest runs (s): "
            + ", ".join(f"{t:.2f}" for t in ingest["ingests"])
        )
    if rollup:
        print(f"  rollup data load: {rollup['load_s']:.1f} s (COPY)")
    if listener and listener["listener"]:
        print(f"  listener: {listener['listener'][0]}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["celery-worker"]:
        celery_worker(sys.argv[2])
    else:
        main()

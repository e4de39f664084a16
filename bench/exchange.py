"""City–district exchange benchmark (issue 10, "Speed").

Builds its own PostgreSQL database with 300,000 enterprises in one district
(13 streets, loaded with COPY) and an exchange client, then measures in the
same run:

- the baseline: PostgreSQL writing the same rows and columns as CSV itself
  (``COPY (SELECT …) TO STDOUT``), read by the benchmark - the floor;
- the full export through the whole stack (the city's key, middleware, DRF,
  streaming) as CSV, JSON and GeoJSON; target: <= 60 s each;
- an incremental export after 3,000 enterprises changed;
- the peak memory growth of the process during the exports (streaming keeps it
  flat).

Usage:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/x \\
        .venv/bin/python bench/exchange.py [--enterprises 300000] [--reuse]
        [--db-name envenforce_bench_exchange]

The server comes from DATABASE_URL; the benchmark always works in its own
database (``--db-name``), dropped and re-created unless ``--reuse`` finds it
seeded with the same size.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXPORT_TARGET_S = 60.0
STREETS = 13


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=300_000)
    parser.add_argument("--changed", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--db-name", default="envenforce_bench_exchange")
    return parser.parse_args(argv)


def prepare_database(args) -> str:
    """Create (or keep, with --reuse) the benchmark's own database; return its URL."""
    import psycopg

    server = urlsplit(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    admin = urlunsplit(server._replace(path="/postgres"))
    url = urlunsplit(server._replace(path=f"/{args.db_name}"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.db_name]
        ).fetchone()
        if exists and not args.reuse:
            connection.execute(f'DROP DATABASE "{args.db_name}" WITH (FORCE)')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{args.db_name}"')
    return url


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(args, now) -> None:
    """One district, its streets and cells, and the enterprises, with COPY."""
    from django.db import connection

    from enforcement.models import Enterprise
    from enforcement.validators import uscc_check_character
    from grid.models import Agency, District, GridCell, Street

    if Enterprise.objects.count() == args.enterprises:
        print("reusing the seeded database")
        return
    rng = random.Random(args.seed)
    district = District.objects.create(code="310190", name="基准区")
    Agency.objects.create(kind="bureau", name="基准区生态环境局", district=district)
    streets, cells = [], []
    for n in range(STREETS):
        street = Street.objects.create(
            district=district, code=f"310190{n:03d}", name=f"基准街道{n}"
        )
        west = 121.3 + n * 0.02
        cell = GridCell.objects.create(
            street=street,
            code=f"310190{n:03d}-001",
            name=f"基准网格{n}",
            geometry={
                "type": "Polygon",
                "coordinates": [
                    [
                        [west, 31.1],
                        [west + 0.02, 31.1],
                        [west + 0.02, 31.3],
                        [west, 31.3],
                        [west, 31.1],
                    ]
                ],
            },
            min_lon=west,
            min_lat=31.1,
            max_lon=west + 0.02,
            max_lat=31.3,
        )
        streets.append(street.pk)
        cells.append(cell.pk)
    sectors = ["catering", "construction_site", "auto_repair", "industrial", "other"]
    ts = (now - timedelta(days=30)).isoformat()
    started = time.perf_counter()
    raw = connection.cursor().cursor
    # Seeding is not history: skip the row triggers (pghistory) for the load.
    raw.execute("SET session_replication_role = replica")
    columns = [
        "id",
        "created_at",
        "updated_at",
        "uscc",
        "name",
        "sector",
        "status",
        "address",
        "lon",
        "lat",
        "street_id",
        "grid_cell_id",
        "location_override",
        "location_override_note",
        "contact_name",
        "contact_phone",
        "property_manager",
        "permit_number",
    ]
    with raw.copy(
        f"COPY enforcement_enterprise ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        for n in range(1, args.enterprises + 1):
            body = f"91310190MA{n:07d}"
            index = n % STREETS
            copy.write_row(
                (
                    n,
                    ts,
                    ts,
                    body + uscc_check_character(body),
                    f"基准企业{n:06d}",
                    sectors[n % len(sectors)],
                    "operating",
                    f"基准路{n % 2000}号",
                    121.3 + index * 0.02 + rng.random() * 0.02,
                    31.1 + rng.random() * 0.2,
                    streets[index],
                    cells[index],
                    False,
                    "",
                    "",
                    "",
                    "",
                    f"91310190MA{n:07d}001P" if n % 7 == 0 else "",
                )
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('enforcement_enterprise', 'id'), %s)",
            [args.enterprises],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE enforcement_enterprise")
    elapsed = time.perf_counter() - started
    print(f"seeded {args.enterprises:,} enterprises in {elapsed:.1f} s")


BASELINE_SQL = """
COPY (
  SELECT e.id, e.uscc, e.name, e.sector, e.status, e.address, e.lon, e.lat,
         d.code, s.code, s.name, c.code, e.permit_number, e.permit_valid_until,
         e.created_at, e.updated_at
  FROM enforcement_enterprise e
  JOIN grid_street s ON s.id = e.street_id
  JOIN grid_district d ON d.id = s.district_id
  LEFT JOIN grid_gridcell c ON c.id = e.grid_cell_id
  WHERE d.id = ANY(%s)
  ORDER BY e.id
) TO STDOUT WITH (FORMAT csv, HEADER)
"""


def time_baseline(district_ids: list[int]) -> tuple[float, int]:
    from django.db import connection

    started = time.perf_counter()
    size = 0
    raw = connection.cursor().cursor
    with raw.copy(BASELINE_SQL, [district_ids]) as copy:
        for block in copy:
            size += len(block)
    return time.perf_counter() - started, size


def time_export(client, **params) -> tuple[float, int, int]:
    """Seconds, bytes and chunks of one streamed export, read to the end."""
    started = time.perf_counter()
    response = client.get("/api/v1/exchange/enterprises/", params)
    assert response.status_code == 200, response.status_code
    size = chunks = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        chunks += 1
    return time.perf_counter() - started, size, chunks


def main(argv=None) -> int:
    args = parse_args(argv)
    url = prepare_database(args)
    setup_django(url)
    from django.test import Client
    from django.utils import timezone

    now = timezone.now()
    seed(args, now)
    from enforcement.models import Enterprise
    from exchange import services
    from exchange.models import ExchangeClient
    from grid.models import District

    ExchangeClient.objects.all().delete()
    district = District.objects.get(code="310190")
    _client, key = services.exchange_client_create(
        name="基准市平台", districts=[district]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    load_before = os.getloadavg()[0]

    time_baseline([district.pk])  # warm the cache: both sides on warm buffers
    baseline, baseline_size = min(time_baseline([district.pk]) for _ in range(2))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results = {}
    for file_format in ("csv", "json", "geojson"):
        results[file_format] = time_export(client, format=file_format)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    watermark = timezone.now()
    ids = list(range(1, args.enterprises + 1, max(1, args.enterprises // args.changed)))
    Enterprise.objects.filter(pk__in=ids[: args.changed]).update(
        status="suspended", updated_at=timezone.now()
    )
    incremental = time_export(
        client, format="json", updated_since=watermark.isoformat()
    )
    load_after = os.getloadavg()[0]

    print()
    print(f"rows: {args.enterprises:,} enterprises in one district")
    print(
        f"machine: {os.cpu_count()} cores, load average {load_before:.1f} before, "
        f"{load_after:.1f} after the run (shared machine)"
    )
    print(f"{'measure':<46}{'value':>12}{'size':>10}{'target':>12}  ok")
    print(
        f"{'baseline: PostgreSQL COPY … TO STDOUT (csv)':<46}"
        f"{baseline:>10.2f} s{baseline_size / 2**20:>8.1f} MB"
    )
    failed = False
    for file_format, (seconds, size, chunks) in results.items():
        ok = seconds <= EXPORT_TARGET_S
        failed |= not ok
        print(
            f"{'full export, ' + file_format + f' ({chunks} chunks)':<46}"
            f"{seconds:>10.2f} s{size / 2**20:>8.1f} MB"
            f"{'<= ' + str(int(EXPORT_TARGET_S)) + ' s':>12}  {'yes' if ok else 'NO'}"
        )
        print(
            f"{'  ratio to baseline; rows per second':<46}"
            f"{seconds / baseline:>10.1f}x{args.enterprises / seconds:>10,.0f}/s"
        )
    seconds, size, _chunks = incremental
    print(
        f"{f'incremental export, {args.changed:,} changed (json)':<46}"
        f"{seconds:>10.2f} s{size / 2**20:>8.1f} MB"
    )
    print(
        f"{'peak memory growth during the full exports':<46}"
        f"{(rss_after - rss_before) / 1024:>9.1f} MB"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Grid dispatch benchmark (issue: Speed).

With 1,000,000 tickets in the database:
  1. intake + routing of a batch of 10,000 complaints (tickets/s; target >= 2,000),
     beside a plain bulk insert of the same 10,000 pre-routed rows;
  2. "my open tickets" API for one officer, p50/p95 (target p95 <= 50 ms);
  3. Open311 POST requests.json, p50/p95 (target p95 <= 100 ms);
  each HTTP figure beside a bare Django JSON view measured in the same run, all
  through gunicorn (2 workers) on 127.0.0.1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dispatch_bench \\
        .venv/bin/python bench/dispatch.py [--tickets 1000000] [--requests 300]

The database is migrated and filled on the first run (about a minute for a
million tickets) and reused afterwards. Request loops are bounded in count.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.dispatch_settings")

import django  # noqa: E402

from bench import database_create_if_missing  # noqa: E402

database_create_if_missing()
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from knox.models import AuthToken  # noqa: E402

from grid.models import (  # noqa: E402
    Agency,
    District,
    GridCell,
    Membership,
    Open311Client,
    Street,
    Ticket,
)
from grid.services import TicketIntake, tickets_open_many  # noqa: E402

DISTRICT_CODE = "BENCH01"
WEST, SOUTH, EAST, NORTH = 121.430, 31.200, 121.510, 31.260
COLUMNS, ROWS, STREETS = 20, 10, 13
API_KEY = "bench-open311-key"


def geography():
    """A district of 200 cells in 13 streets, two on-duty officers per street."""
    district = District.objects.filter(code=DISTRICT_CODE).first()
    if district:
        return district
    district = District.objects.create(code=DISTRICT_CODE, name="基准测试区")
    streets = [
        Street.objects.create(district=district, code=f"BS{n:03d}", name=f"测试街道{n}")
        for n in range(STREETS)
    ]
    width, height = (EAST - WEST) / COLUMNS, (NORTH - SOUTH) / ROWS
    cells = []
    for index in range(COLUMNS * ROWS):
        row, column = divmod(index, COLUMNS)
        west, south = WEST + column * width, SOUTH + row * height
        east, north = west + width, south + height
        ring = [
            [west, south],
            [east, south],
            [east, north],
            [west, north],
            [west, south],
        ]
        cells.append(
            GridCell(
                street=streets[index * STREETS // (COLUMNS * ROWS)],
                code=f"BC{index:04d}",
                name=f"网格{index}",
                geometry={"type": "Polygon", "coordinates": [ring]},
                min_lon=west,
                min_lat=south,
                max_lon=east,
                max_lat=north,
            )
        )
    GridCell.objects.bulk_create(cells)
    User = get_user_model()
    for street in streets:
        office = Agency.objects.create(
            kind="street_office", name=street.name, district=district, street=street
        )
        for n in range(2):
            user = User.objects.create_user(f"bench_{street.code}_{n}")
            Membership.objects.create(
                user=user, agency=office, role="street_officer"
            ).streets.add(street)
    Open311Client.objects.get_or_create(
        key_hash=hashlib.sha256(API_KEY.encode()).hexdigest(),
        defaults={"name": "bench"},
    )
    return district


def fill(district, target: int) -> float:
    """Top the table up to ``target`` tickets with one INSERT ... SELECT."""
    have = Ticket.objects.count()
    if have >= target:
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute(
            """
            WITH cells AS (
                SELECT row_number() OVER (ORDER BY c.id) - 1 AS n, c.id, c.street_id,
                       c.min_lon, c.min_lat, c.max_lon, c.max_lat
                FROM grid_gridcell c JOIN grid_street s ON s.id = c.street_id
                WHERE s.district_id = %(district)s
            ),
            officers AS (
                SELECT ms.street_id, array_agg(m.user_id ORDER BY m.user_id) AS ids
                FROM grid_membership m
                JOIN grid_membership_streets ms ON ms.membership_id = m.id
                GROUP BY ms.street_id
            ),
            categories AS (
                SELECT row_number() OVER (ORDER BY id) - 1 AS n, id,
                       count(*) OVER () AS total
                FROM grid_ticketcategory
            ),
            series AS (
                SELECT g AS i, random() AS r FROM generate_series(%(start)s, %(stop)s) g
            )
            INSERT INTO grid_ticket (
                created_at, updated_at, reference, category_id, source, status,
                description, lon, lat, address, reporter_contact, reporter_key_hash,
                origin, media_url, reported_at, district_id, street_id, grid_cell_id,
                queue, assignee_id, escalation_level, inspection_reference,
                violation_confirmed, resolution, stage_deadline, closed_at
            )
            SELECT now(), now(), 'BENCH-' || lpad(s.i::text, 9, '0'), k.id,
                   'citizen_web',
                   CASE WHEN s.r < 0.9 THEN 'closed' ELSE 'in_progress' END,
                   '基准测试工单', c.min_lon + random() * (c.max_lon - c.min_lon),
                   c.min_lat + random() * (c.max_lat - c.min_lat), '', '', '', '', '',
                   now() - (random() * interval '365 days'), %(district)s, c.street_id,
                   c.id, 'officer', o.ids[1 + s.i %% 2], 0, '', false, '',
                   CASE WHEN s.r < 0.9 THEN NULL
                        ELSE now() + random() * interval '5 days' END,
                   CASE WHEN s.r < 0.9 THEN now() ELSE NULL END
            FROM series s
            JOIN cells c ON c.n = s.i %% 200
            JOIN categories k ON k.n = s.i %% k.total
            JOIN officers o ON o.street_id = c.street_id
            """,
            {"district": district.pk, "start": have + 1, "stop": target},
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE grid_ticket")
    return time.perf_counter() - started


def intake(district, count: int, rng: random.Random) -> tuple[float, float]:
    codes = ["odour", "cooking_fume", "noise", "dust", "wastewater", "waste", "other"]
    items = [
        TicketIntake(
            category=rng.choice(codes),
            source="hotline",
            description="批量导入的投诉",
            lon=rng.uniform(WEST + 1e-6, EAST - 1e-6),
            lat=rng.uniform(SOUTH + 1e-6, NORTH - 1e-6),
        )
        for _ in range(count)
    ]
    started = time.perf_counter()
    tickets = tickets_open_many(items=items)
    routed = time.perf_counter() - started
    assert len(tickets) == count and all(t.pk for t in tickets)
    # Baseline: the same rows, already routed, inserted with bulk_create alone.
    copies = []
    for ticket in tickets:
        ticket.pk, ticket.reference = None, "X" + ticket.reference
        copies.append(ticket)
    started = time.perf_counter()
    with transaction.atomic():
        Ticket.objects.bulk_create(copies, batch_size=2000)
    plain = time.perf_counter() - started
    Ticket.objects.filter(reference__startswith="X").delete()
    return routed, plain


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(connection_, method, path, body=None, headers=None) -> float:
    started = time.perf_counter()
    connection_.request(method, path, body=body, headers=headers or {})
    response = connection_.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if response.status >= 400:
        raise RuntimeError(f"{method} {path}: HTTP {response.status}")
    return elapsed


def measure(port, method, path, *, count, body=None, headers=None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(20):  # warm up both workers
        timed(conn, method, path, body, headers)
    samples = [timed(conn, method, path, body, headers) for _ in range(count)]
    conn.close()
    samples.sort()
    return {
        "p50": statistics.median(samples) * 1000,
        "p95": samples[int(len(samples) * 0.95) - 1] * 1000,
    }


def serve_and_measure(officer, count: int) -> dict:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.dispatch_settings"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--pythonpath",
            str(ROOT),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        _, token = AuthToken.objects.create(officer)
        auth = {"Authorization": f"Token {token}"}
        form = urlencode(
            {
                "api_key": API_KEY,
                "service_code": "cooking_fume",
                "lat": "31.2301",
                "long": "121.4702",
                "description": "餐馆油烟直排",
                "email": "bench@example.org",
            }
        )
        form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return {
            "bare GET": measure(port, "GET", "/bench/bare/", count=count),
            "my open tickets": measure(
                port, "GET", "/api/v1/grid/tickets/mine/", count=count, headers=auth
            ),
            "bare POST": measure(
                port,
                "POST",
                "/bench/bare/",
                count=count,
                body=form,
                headers=form_headers,
            ),
            "Open311 POST": measure(
                port,
                "POST",
                "/open311/v2/requests.json",
                count=count,
                body=form,
                headers=form_headers,
            ),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/dispatch.py runs against PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    district = geography()
    filled = fill(district, args.tickets)
    total = Ticket.objects.count()
    officer = (
        get_user_model()
        .objects.filter(username__startswith="bench_")
        .order_by("id")
        .first()
    )
    open_count = Ticket.objects.filter(
        assignee=officer, status__in=Ticket.OFFICER_OPEN_STATUSES
    ).count()
    routed, plain = intake(district, args.batch, random.Random(7))
    http_figures = serve_and_measure(officer, args.requests)

    print(f"\nGrid dispatch benchmark · {total:,} tickets in the table")
    if filled:
        print(f"(filled in {filled:.1f} s)")
    print(f"officer measured holds {open_count:,} open tickets\n")
    print(f"{'figure':<44}{'value':>14}{'target':>14}")
    print("-" * 72)
    rate = args.batch / routed
    label = f"intake + routing, batch of {args.batch}"
    print(f"{label:<44}{rate:>10,.0f} t/s{'>= 2,000':>14}")
    print(
        f"{'  baseline: bulk_create of the same rows':<44}"
        f"{args.batch / plain:>10,.0f} t/s{'':>14}"
    )
    targets = {"my open tickets": 50, "Open311 POST": 100}
    for name, figures in http_figures.items():
        target = f"p95 <= {targets[name]} ms" if name in targets else "baseline"
        print(
            f"{name + ' (p50 / p95 ms)':<44}"
            f"{figures['p50']:>6.1f} /{figures['p95']:>6.1f}{target:>14}"
        )
    print(f"\n{args.requests} sequential requests each, keep-alive, gunicorn 2 workers")


if __name__ == "__main__":
    main()

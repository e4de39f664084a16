"""Benchmark of the credit codes (issue 5), against PostgreSQL (DATABASE_URL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/credit \
        .venv/bin/python bench/credit.py

Builds a throw-away test database (test_<name>) with 20,000 restaurants, then
measures: publishing a cycle of 20,000 enterprises; QR SVG generation; one
sticker PDF; and the public sticker page under 32 concurrent keep-alive clients
against a bare Django view on the same gunicorn server in the same run.
Set REDIS_URL to serve the page cache from Redis (as in production).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

from bench import database_create_if_missing  # noqa: E402

database_create_if_missing()
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

ENTERPRISES = int(os.environ.get("BENCH_ENTERPRISES", 20_000))
CLIENTS = 32
SECONDS = float(os.environ.get("BENCH_SECONDS", 8))


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = _free_port()


def build_world():
    from credit.models import Scheme
    from enforcement.models import Enterprise
    from grid.models import Agency, District, GridCell, Membership, Street
    from tests.conftest import make_uscc

    district = District.objects.create(code="310190", name="示范区")
    street = Street.objects.create(district=district, code="S1", name="梧桐街道")
    cell = GridCell.objects.create(
        street=street,
        code="S1-1",
        name="一",
        geometry={
            "type": "Polygon",
            "coordinates": [[[121, 31], [122, 31], [122, 32], [121, 31]]],
        },
        min_lon=121,
        min_lat=31,
        max_lon=122,
        max_lat=32,
    )
    bureau = Agency.objects.create(
        kind="bureau", name="示范区生态环境局", district=district
    )
    user = get_user_model().objects.create(username="bench-admin")
    Membership.objects.create(user=user, agency=bureau, role="bureau_admin")
    rng = random.Random(5)
    Enterprise.objects.bulk_create(
        (
            Enterprise(
                uscc=make_uscc(n),
                name=f"基准餐厅{n:05d}（梧桐路店）",
                sector="catering",
                address=f"梧桐路{n}号",
                lon=121 + rng.random() * 0.5,
                lat=31.2 + rng.random() * 0.5,
                street=street,
                grid_cell=cell,
                contact_name="王店长",
                property_manager="梧桐物业",
            )
            for n in range(1, ENTERPRISES + 1)
        ),
        batch_size=5000,
    )
    return district, user, Scheme.objects.get(sector="catering", is_active=True)


def bench_publish(district, user, scheme) -> dict:
    from credit import services

    now = timezone.now() - timedelta(days=30)
    started = time.perf_counter()
    cycle = services.cycle_open(
        user=user,
        scheme=scheme,
        district=district,
        name="基准周期",
        period_start=now.date() - timedelta(days=30),
        period_end=now.date(),
        self_assessment_due=now + timedelta(days=1),
        now=now,
    )
    opened = time.perf_counter() - started
    started = time.perf_counter()
    services.cycle_close_self_assessment(
        cycle=cycle, user=user, now=now + timedelta(days=2)
    )
    closed = time.perf_counter() - started
    cycle = services.cycle_start_notice(
        cycle=cycle, user=user, now=now + timedelta(days=2)
    )
    started = time.perf_counter()
    services.cycle_publish(cycle=cycle, user=user, now=cycle.notice_ends_at)
    published = time.perf_counter() - started
    return {"open": opened, "close": closed, "publish": published}


def bench_qr(tokens: list[str]) -> float:
    from credit.stickers import qr_code, qr_svg

    qr_code.cache_clear()
    urls = [f"https://hb.example.gov.cn/c/{token}/" for token in tokens]
    started = time.perf_counter()
    for url in urls:
        qr_svg(url)
    return len(urls) / (time.perf_counter() - started)


def bench_pdf(token: str) -> float:
    from datetime import date

    from credit.stickers import StickerContent, qr_code, sticker_pdf

    qr_code.cache_clear()
    content = StickerContent(
        url=f"https://hb.example.gov.cn/c/{token}/",
        name="基准餐厅00001（梧桐路店）",
        colour="yellow",
        valid_until=date(2027, 1, 31),
        issued_on=date(2026, 12, 1),
        hotline="12345",
        authority="示范区生态环境局",
    )
    started = time.perf_counter()
    sticker_pdf(content)
    return time.perf_counter() - started


async def _client(paths, deadline, latencies, errors, offset):
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    i = offset
    first = True  # every client sends at least one request, however short the window
    while first or time.perf_counter() < deadline:
        first = False
        path = paths[i % len(paths)]
        i += 1
        started = time.perf_counter()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        if status != 200:
            errors.append(status)
        if b"connection: close" in head.lower():
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.close()


async def _load(paths, seconds):
    latencies: list[float] = []
    errors: list[int] = []
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _client(paths, deadline, latencies, errors, offset)
            for offset in range(CLIENTS)
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": len(errors),
    }


def bench_http(tokens: list[str]) -> tuple[dict, dict]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "credit_bench_settings"
    env["DATABASE_URL"] = _database_url()
    env["PYTHONPATH"] = f"{ROOT}:{ROOT / 'bench'}"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(3)
        public = [f"/c/{token}/" for token in tokens]
        for start in range(0, len(public), CLIENTS):  # every page cached once
            asyncio.run(_load(public[start : start + CLIENTS], 0.05))
        asyncio.run(_load(["/bare/"], 1))
        bare = asyncio.run(_load(["/bare/"], SECONDS))
        page = asyncio.run(_load(public, SECONDS))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return bare, page


def _database_url() -> str:
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from credit.models import Sticker

        started = time.perf_counter()
        district, user, scheme = build_world()
        seeded = time.perf_counter() - started
        print(f"seeded {ENTERPRISES:,} restaurants in {seeded:.1f} s")
        cycle = bench_publish(district, user, scheme)
        tokens = list(Sticker.objects.values_list("token", flat=True)[:2000])
        qr_rate = bench_qr(tokens[:1000])
        pdf_seconds = bench_pdf(tokens[0])
        bare, page = bench_http(tokens[:500])
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    ratio = page["rps"] / bare["rps"]
    rows = [
        ("open cycle (20k evaluations)", f"{cycle['open']:.2f} s", ""),
        ("close self-assessment (20k colours)", f"{cycle['close']:.2f} s", ""),
        ("publish cycle (20k codes + stickers)", f"{cycle['publish']:.2f} s", "≤ 30 s"),
        ("QR SVG generation", f"{qr_rate:.0f} /s", "≥ 500 /s"),
        ("sticker PDF", f"{pdf_seconds * 1000:.0f} ms", "≤ 1 s"),
        ("bare Django view, 32 clients", f"{bare['rps']:.0f} req/s", "baseline"),
        ("  p50 / p99", f"{bare['p50']:.1f} / {bare['p99']:.1f} ms", ""),
        ("public sticker page, 32 clients", f"{page['rps']:.0f} req/s", ""),
        ("  p50 / p99", f"{page['p50']:.1f} / {page['p99']:.1f} ms", "p99 ≤ 50 ms"),
        ("  throughput vs bare view", f"{ratio:.0%}", "≥ 50 %"),
        ("  non-200 responses", f"{page['errors'] + bare['errors']}", "0"),
    ]
    cache = "redis" if os.environ.get("REDIS_URL") else "locmem"
    print(f"\ncredit benchmark ({ENTERPRISES:,} enterprises, page cache: {cache})")
    for name, value, target in rows:
        print(f"  {name:<40} {value:>18}  {target}")


if __name__ == "__main__":
    main()

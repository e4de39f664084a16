"""Joint-enforcement benchmark (issue 8, "Speed").

With 100,000 joint cases in the database (each with two or three invitations,
timeline entries, and every tenth with an action and measures):
  1. the invitations inbox page (/joint/) for a partner officer whose bureau
     received 2,000 invitations, for a street officer and for the team leader;
  2. the case page (/joint/cases/<id>/) of a case with a full file, as the lead
     and as the invited partner;
  3. the same reads through the API (inbox list, case detail);
  each beside a bare Django JSON view measured in the same run (the baseline),
  all through gunicorn (2 workers) on 127.0.0.1. Target: p95 <= 50 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/joint_bench \\
        .venv/bin/python bench/joint.py [--cases 100000] [--requests 300]

The database is migrated and filled on the first run (COPY) and reused
afterwards. Request loops are bounded in count.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.dispatch_settings")

import django  # noqa: E402

from bench import database_create_if_missing  # noqa: E402

database_create_if_missing()
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from knox.models import AuthToken  # noqa: E402

from enforcement.models import Enterprise, JointCase  # noqa: E402
from enforcement.validators import uscc_check_character  # noqa: E402
from grid.models import Agency, District, GridCell, Membership, Street  # noqa: E402

TARGET_MS = 50.0
DISTRICT_CODE = "JBENCH1"
STREETS = 13


def geography() -> dict:
    district = District.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        district = District.objects.create(code=DISTRICT_CODE, name="基准区")
        partner_district = District.objects.create(code="JBENCH2", name="启东基准市")
        streets = [
            Street.objects.create(district=district, code=f"JB{n:03d}", name=f"街道{n}")
            for n in range(STREETS)
        ]
        for n, street in enumerate(streets):
            west = 121.40 + n * 0.01
            GridCell.objects.create(
                street=street,
                code=f"JB{n:03d}-1",
                name=f"网格{n}",
                geometry={
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [west, 31.2],
                            [west + 0.01, 31.2],
                            [west + 0.01, 31.3],
                            [west, 31.3],
                            [west, 31.2],
                        ]
                    ],
                },
                min_lon=west,
                min_lat=31.2,
                max_lon=west + 0.01,
                max_lat=31.3,
            )
        bureau = Agency.objects.create(
            kind=Agency.Kind.BUREAU, name="基准区生态环境局", district=district
        )
        for street in streets:
            Agency.objects.create(
                kind=Agency.Kind.STREET_OFFICE,
                name=f"{street.name}综合执法队",
                district=district,
                street=street,
            )
        Agency.objects.create(
            kind=Agency.Kind.PARTNER_BUREAU,
            name="启东基准市生态环境局",
            district=partner_district,
        )
        users = get_user_model().objects
        leader = users.create_user("jbench_leader")
        Membership.objects.create(
            user=leader, agency=bureau, role=Membership.Role.BUREAU_ADMIN
        )
        street_user = users.create_user("jbench_street")
        Membership.objects.create(
            user=street_user,
            agency=Agency.objects.get(street=streets[0]),
            role=Membership.Role.STREET_OFFICER,
        ).streets.add(streets[0])
        partner = users.create_user("jbench_partner")
        Membership.objects.create(
            user=partner,
            agency=Agency.objects.get(kind=Agency.Kind.PARTNER_BUREAU),
            role=Membership.Role.PARTNER_OFFICER,
        )
    return {
        "district": district,
        "bureau": Agency.objects.get(district=district, kind=Agency.Kind.BUREAU),
        "offices": list(
            Agency.objects.filter(
                district=district, kind=Agency.Kind.STREET_OFFICE
            ).order_by("pk")
        ),
        "partner": Agency.objects.get(kind=Agency.Kind.PARTNER_BUREAU),
        "streets": list(Street.objects.filter(district=district).order_by("pk")),
    }


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(f"ANALYZE {table}")


def fill(world: dict, cases: int, rng: random.Random) -> float:
    """COPY the cases and their records; returns seconds (0 when reused)."""
    have = JointCase.objects.count()
    if have >= cases:
        return 0.0
    started = time.perf_counter()
    now = timezone.now()
    ts = now.isoformat()
    leader = get_user_model().objects.get(username="jbench_leader")
    raw = connection.cursor().cursor
    # Rows consistent by construction: no history or foreign-key trigger per row
    # (their queue made the fill run for most of an hour).
    raw.execute("SET session_replication_role = replica")
    streets, offices = world["streets"], world["offices"]
    partner, bureau = world["partner"], world["bureau"]
    cells = dict(GridCell.objects.values_list("street_id", "id"))
    base = (
        Enterprise.objects.order_by("-id").values_list("id", flat=True).first()
    ) or 0
    enterprises = 20_000
    _copy(
        raw,
        "enforcement_enterprise",
        [
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
        ],
        (
            (
                base + n,
                ts,
                ts,
                (body := f"91310190JB{base + n:07d}") + uscc_check_character(body),
                f"基准企业{n:05d}",
                "industrial",
                "operating",
                "",
                121.4 + rng.random() * 0.12,
                31.2 + rng.random() * 0.1,
                streets[n % STREETS].pk,
                cells[streets[n % STREETS].pk],
                False,
                "",
                "",
                "",
                "",
                "",
            )
            for n in range(1, enterprises + 1)
        ),
    )
    start_id = (
        JointCase.objects.order_by("-id").values_list("id", flat=True).first()
    ) or 0
    _copy(
        raw,
        "enforcement_jointcase",
        [
            "id",
            "created_at",
            "updated_at",
            "reference",
            "title",
            "description",
            "origin",
            "origin_reference",
            "enterprise_id",
            "site_name",
            "address",
            "lon",
            "lat",
            "street_id",
            "lead_agency_id",
            "status",
            "shared_sections",
            "created_by_id",
        ],
        (
            (
                start_id + n,
                (now - timedelta(minutes=n)).isoformat(),
                ts,
                f"LHB{start_id + n:09d}",
                f"基准案件{n}",
                "",
                "ticket",
                "",
                base + 1 + n % enterprises,
                "",
                "",
                121.45,
                31.25,
                streets[n % STREETS].pk,
                bureau.pk,
                "closed" if n % 3 else "open",
                "[]",
                leader.pk,
            )
            for n in range(1, cases - have + 1)
        ),
    )
    statuses = ["accepted", "declined", "sent", "expired", "withdrawn"]
    invitation_rows = []
    for n in range(1, cases - have + 1):
        case_id = start_id + n
        office = offices[n % STREETS]
        invitation_rows.append((case_id, office.pk, statuses[n % 5], False))
        if n % 50 == 0:  # 2,000 cross-jurisdiction cases with the partner
            invitation_rows.append((case_id, partner.pk, statuses[n % 3], True))
        if n % 4 == 0:
            invitation_rows.append(
                (case_id, offices[(n + 1) % STREETS].pk, "sent", False)
            )
    _copy(
        raw,
        "enforcement_jointinvitation",
        [
            "created_at",
            "updated_at",
            "case_id",
            "agency_id",
            "purpose",
            "needs",
            "proposed_start",
            "place",
            "status",
            "is_cross_jurisdiction",
            "invited_by_id",
            "sent_at",
            "expires_at",
            "decline_reason",
            "counter_note",
        ],
        (
            (
                ts,
                ts,
                case_id,
                agency_id,
                "联合检查",
                "",
                ts,
                "",
                status,
                cross,
                leader.pk,
                ts,
                ts,
                "人手不足" if status == "declined" else "",
                "",
            )
            for case_id, agency_id, status, cross in invitation_rows
        ),
    )
    _copy(
        raw,
        "enforcement_jointtimelineentry",
        ["case_id", "at", "kind", "text", "actor_id", "agency_id"],
        (
            (start_id + n, ts, "event", f"记录{k}", leader.pk, bureau.pk)
            for n in range(1, cases - have + 1)
            for k in range(3)
        ),
    )
    print(f"filled {cases - have:,} cases and {len(invitation_rows):,} invitations")
    raw.execute("SET session_replication_role = DEFAULT")
    return time.perf_counter() - started


def full_case(world: dict) -> JointCase:
    """One open case with the partner accepted and a full file, through the
    services (so it is exactly what users produce)."""
    from enforcement import services

    existing = JointCase.objects.filter(title="基准满卷案件").first()
    if existing is not None:
        return existing
    users = get_user_model().objects
    leader, partner = (
        users.get(username="jbench_leader"),
        users.get(username="jbench_partner"),
    )
    street_user = users.get(username="jbench_street")
    enterprise = Enterprise.objects.filter(street=world["streets"][0]).first()
    case = services.joint_case_open(
        user=leader, title="基准满卷案件", origin="ticket", enterprise=enterprise
    )
    soon = timezone.now() + timedelta(days=1)
    for agency, user in (
        (world["offices"][0], street_user),
        (world["partner"], partner),
    ):
        invitation = services.joint_invitation_create(
            case=case,
            user=leader,
            agency_id=agency.pk,
            purpose="联合检查",
            proposed_start=soon,
        )
        if invitation.status == "awaiting_approval":
            services.joint_invitation_approve(invitation=invitation, user=leader)
        services.joint_invitation_answer(
            invitation=invitation, user=user, answer="accept"
        )
    services.joint_case_share_sections(
        case=case, user=leader, sections=["profile", "inspections", "violations"]
    )
    for _ in range(2):
        action = services.joint_action_schedule(case=case, user=leader, starts_at=soon)
        for user in (leader, street_user, partner):
            services.joint_action_check_in(
                action=action, user=user, lon=case.lon, lat=case.lat
            )
        for kind, values in (
            ("interview", {"attendees": ["甲", "乙"], "minutes": "记录"}),
            ("halt", {"halt_scope": "全部", "halt_from": timezone.localdate()}),
            ("rectification", {"deadline": timezone.localdate() + timedelta(days=9)}),
        ):
            measure = services.joint_measure_create(
                action=action,
                user=leader,
                kind=kind,
                issuing_agency=world["bureau"].pk,
                summary="措施",
                **values,
            )
            services.joint_measure_sign(measure=measure, user=leader)
            services.joint_measure_co_sign(measure=measure, user=partner)
    return case


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(conn, path: str, headers: dict) -> float:
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if response.status >= 400:
        raise RuntimeError(f"GET {path}: HTTP {response.status}")
    return elapsed


def measure(port: int, path: str, *, count: int, headers: dict | None = None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = headers or {}
    for _ in range(20):
        timed(conn, path, headers)
    samples = sorted(timed(conn, path, headers) for _ in range(count))
    conn.close()
    return {
        "p50": statistics.median(samples) * 1000,
        "p95": samples[int(len(samples) * 0.95) - 1] * 1000,
    }


def session_cookie(user) -> dict:
    client = Client()
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def serve_and_measure(case: JointCase, count: int) -> dict:
    users = get_user_model().objects
    leader, partner, street_user = (
        users.get(username=name)
        for name in ("jbench_leader", "jbench_partner", "jbench_street")
    )
    port = free_port()
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
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.dispatch_settings"},
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        page = f"/joint/cases/{case.pk}/"
        _, token = AuthToken.objects.create(partner)
        partner_api = {"Authorization": f"Token {token}"}
        return {
            "bare GET (baseline)": measure(port, "/bench/bare/", count=count),
            "inbox page, partner": measure(
                port, "/joint/", count=count, headers=session_cookie(partner)
            ),
            "inbox page, street officer": measure(
                port, "/joint/", count=count, headers=session_cookie(street_user)
            ),
            "inbox page, team leader": measure(
                port, "/joint/", count=count, headers=session_cookie(leader)
            ),
            "case page, lead": measure(
                port, page, count=count, headers=session_cookie(leader)
            ),
            "case page, partner": measure(
                port, page, count=count, headers=session_cookie(partner)
            ),
            "API inbox list, partner": measure(
                port,
                "/api/v1/enforcement/joint-invitations/",
                count=count,
                headers=partner_api,
            ),
            "API case detail, partner": measure(
                port,
                f"/api/v1/enforcement/joint-cases/{case.pk}/",
                count=count,
                headers=partner_api,
            ),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/joint.py runs against PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    world = geography()
    filled = fill(world, args.cases, random.Random(8))
    with connection.cursor() as cursor:
        for table in ("enforcement_enterprise", "enforcement_jointcase"):
            # COPY with explicit ids leaves the id sequences behind
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")
    case = full_case(world)
    figures = serve_and_measure(case, args.requests)
    load = os.getloadavg()
    print(f"\nJoint-enforcement benchmark · {JointCase.objects.count():,} cases")
    if filled:
        print(f"(filled in {filled:.1f} s)")
    baseline = figures["bare GET (baseline)"]["p95"]
    print(
        f"{'figure (p50 / p95 ms)':<34}{'p50':>8}{'p95':>8}{'x base':>8}{'target':>12}"
    )
    print("-" * 70)
    for name, value in figures.items():
        target = "" if "baseline" in name else f"<= {TARGET_MS:.0f} ms"
        ratio = value["p95"] / baseline if baseline else 0
        print(
            f"{name:<34}{value['p50']:>8.1f}{value['p95']:>8.1f}"
            f"{ratio:>8.1f}{target:>12}"
        )
    print(
        f"\n{args.requests} sequential requests each, keep-alive, gunicorn 2 "
        f"workers; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


if __name__ == "__main__":
    main()

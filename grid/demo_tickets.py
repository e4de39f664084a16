"""Demo step: a few hundred tickets in every state across the demo district,
written in bulk (intake goes through the real routing), plus an Open311 client."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from core.demo import DemoContext
from grid.models import (
    GridCell,
    Membership,
    Open311Client,
    Ticket,
    TicketAttachment,
    TicketTransition,
)
from grid.selectors import work_calendar
from grid.services import TicketIntake, tickets_escalate_overdue, tickets_open_many
from grid.worktime import add_working_hours

DEMO_OPEN311_KEY = "demo-open311-key"
DESCRIPTIONS = {
    "odour": ["傍晚有刺鼻化工异味", "夜间闻到焦糊味，持续约一小时", "下水道口臭味明显"],
    "cooking_fume": [
        "餐馆油烟直排，熏到楼上住户",
        "烧烤店油烟很大，窗户不敢开",
        "油烟净化器好像没开",
    ],
    "noise": ["工地夜间施工噪声", "空调外机噪声很大", "商铺音响外放扰民"],
    "dust": ["工地渣土车未覆盖，扬尘严重", "道路施工扬尘", "堆场未苫盖"],
    "wastewater": ["雨水口有油污排放", "河道出现异常颜色", "洗车店污水直排雨水管"],
    "waste": ["路边堆放废机油桶", "建筑垃圾乱倒", "医疗废物混入生活垃圾"],
    "other": ["河边有死鱼", "绿地被倾倒不明液体"],
}
TARGETS = [  # (final state, weight)
    ("reported", 2),
    ("registered", 6),
    ("dispatched", 14),
    ("in_progress", 14),
    ("handled", 10),
    ("verified", 6),
    ("closed", 30),
    ("reopened", 4),
    ("rejected", 5),
    ("merged", 4),
]


def _demo_photo() -> bytes:
    """One small JPEG for every demo evidence row (content-addressed: one file)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 90)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def build_tickets(context: DemoContext) -> None:
    rng = context.random
    district = context.made["district"]
    now = timezone.now()
    cells = list(
        GridCell.objects.filter(street__district=district).values_list(
            "min_lon", "min_lat", "max_lon", "max_lat"
        )
    )
    enterprise_model = Ticket._meta.get_field("enterprise").related_model
    restaurants = list(
        enterprise_model.objects.filter(
            street__district=district, sector="catering"
        ).values_list("id", "lon", "lat")[:600]
    )
    categories = list(DESCRIPTIONS)
    weights = [1, 4, 2, 2, 1, 1, 1]
    tickets: list[Ticket] = []
    for day in range(21, -1, -1):
        items = []
        for _n in range(rng.randint(12, 24)):
            code = rng.choices(categories, weights)[0]
            enterprise_id = None
            if code == "cooking_fume" and restaurants:
                enterprise_id, lon, lat = rng.choice(restaurants)
                lon += rng.uniform(-0.0002, 0.0002)
                lat += rng.uniform(-0.0002, 0.0002)
            else:
                west, south, east, north = rng.choice(cells)
                lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            items.append(
                TicketIntake(
                    category=code,
                    source=rng.choice(
                        [
                            "citizen_web",
                            "citizen_web",
                            "hotline",
                            "open311",
                            "citizen_qr",
                            "patrol",
                        ]
                    ),
                    description=rng.choice(DESCRIPTIONS[code]),
                    lon=lon,
                    lat=lat,
                    address=f"示范路{rng.randint(1, 999)}号",
                    enterprise_id=enterprise_id,
                    reporter_contact=f"138{rng.randint(10000000, 99999999)}"
                    if rng.random() < 0.6
                    else "",
                )
            )
        moment = now - timedelta(days=day, hours=rng.uniform(0, 6))
        tickets += tickets_open_many(items=items, now=moment)
    _progress(context, tickets, now)
    tickets_escalate_overdue(now=now - timedelta(days=4))
    tickets_escalate_overdue(now=now)
    Open311Client.objects.update_or_create(
        key_hash=hashlib.sha256(DEMO_OPEN311_KEY.encode()).hexdigest(),
        defaults={"name": "演示 Open311 客户端", "is_active": True},
    )
    context.credentials.append(("Open311 client (api_key)", "-", DEMO_OPEN311_KEY))
    context.log(f"  {len(tickets)} tickets")


def _progress(context: DemoContext, tickets: list[Ticket], now) -> None:
    """Walk each ticket to its drawn final state, writing every transition."""
    rng = context.random
    calendar = work_calendar()
    verifier_by_street = dict(
        Membership.objects.active()
        .filter(role__in=Membership.BUREAU_ROLES, streets__isnull=False)
        .values_list("streets", "user_id")
    )
    leader = get_user_model().objects.filter(username="leader").first()
    photo = _demo_photo()
    sha = hashlib.sha256(photo).hexdigest()
    name = f"tickets/{sha[:2]}/{sha}.jpg"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(photo))
    states = [s for s, _w in TARGETS]
    weights = [w for _s, w in TARGETS]
    transitions: list[TicketTransition] = []
    handled_steps: list[tuple[Ticket, TicketTransition]] = []
    by_street_open: dict[int, Ticket] = {}
    reported_ids = []
    S, A = Ticket.Status, TicketTransition.Action

    def step(ticket, action, to_status, at, actor_id=None, note="", **extra):
        row = TicketTransition(
            ticket=ticket,
            action=action,
            from_status=ticket.status,
            to_status=to_status,
            actor_id=actor_id,
            actor_label="" if actor_id else "system",
            at=at,
            note=note,
            **extra,
        )
        transitions.append(row)
        ticket.status = to_status
        return row

    def deadline(ticket, stage, at):
        return add_working_hours(at, ticket.category.stage_hours(stage), calendar)

    for ticket in tickets:
        target = rng.choices(states, weights)[0]
        at = ticket.reported_at
        officer = ticket.assignee_id
        verifier = verifier_by_street.get(ticket.street_id) or (leader and leader.pk)
        age_hours = (now - at).total_seconds() / 3600
        worked_on = ("in_progress", "handled", "verified", "closed", "reopened")
        if target in worked_on and age_hours < 6:
            target = "dispatched"
        if target == "reported":
            reported_ids.append(ticket.pk)
            ticket.status, ticket.assignee_id, ticket.queue = S.REPORTED, None, "street"
            continue
        if target == "merged" and ticket.street_id in by_street_open:
            original = by_street_open[ticket.street_id]
            step(
                ticket,
                A.MERGE,
                S.MERGED,
                at + timedelta(hours=1),
                verifier,
                related_ticket=original,
            )
            step(
                original,
                A.ABSORB,
                original.status,
                at + timedelta(hours=1),
                verifier,
                related_ticket=ticket,
            )
            ticket.merged_into, ticket.closed_at, ticket.stage_deadline = (
                original,
                at,
                None,
            )
            continue
        if target == "rejected":
            at += timedelta(hours=rng.uniform(0.5, 3))
            step(ticket, A.REJECT, S.REJECTED, at, verifier, "非本部门职责，已转交城管")
            ticket.resolution, ticket.closed_at, ticket.stage_deadline = (
                "非本部门职责，已转交城管",
                at,
                None,
            )
            continue
        if target == "registered":
            at += timedelta(hours=rng.uniform(0.5, 4))
            step(
                ticket, A.HAND_BACK, S.REGISTERED, at, officer, "不在本人网格，退回街道"
            )
            ticket.assignee_id, ticket.queue = None, "street"
            ticket.stage_deadline = deadline(ticket, "dispatch", at)
            continue
        if target == "dispatched" or target == "merged":
            by_street_open.setdefault(ticket.street_id, ticket)
            continue
        at += timedelta(hours=rng.uniform(0.5, 5))
        step(
            ticket, A.ACCEPT, S.IN_PROGRESS, at, officer, lon=ticket.lon, lat=ticket.lat
        )
        ticket.stage_deadline = deadline(ticket, "handle", at)
        if target == "in_progress":
            continue
        at += timedelta(hours=rng.uniform(4, 30))
        if at > now:
            continue
        resolution = "已现场检查，责令整改，整改已完成"
        handle = step(
            ticket,
            A.HANDLE,
            S.HANDLED,
            at,
            officer,
            resolution,
            lon=ticket.lon,
            lat=ticket.lat,
        )
        handled_steps.append((ticket, handle))
        ticket.handled_by_id, ticket.resolution = officer, resolution
        ticket.violation_confirmed = rng.random() < 0.4
        ticket.stage_deadline = deadline(ticket, "verify", at)
        if target == "handled":
            continue
        at += timedelta(hours=rng.uniform(1, 12))
        if at > now:
            continue
        step(ticket, A.VERIFY, S.VERIFIED, at, verifier, "复核属实")
        if target == "verified":
            continue
        at += timedelta(hours=rng.uniform(0.2, 3))
        if at > now:
            continue
        step(ticket, A.CLOSE, S.CLOSED, at, verifier)
        ticket.closed_at, ticket.stage_deadline = at, None
        if target == "reopened":
            at += timedelta(hours=rng.uniform(2, 24))
            if at <= now:
                step(
                    ticket,
                    A.REOPEN,
                    S.REOPENED,
                    at,
                    None,
                    "油烟问题依旧，请再次处理",
                    assignee_id=officer,
                )
                ticket.closed_at = None
                ticket.stage_deadline = deadline(ticket, "handle", at)
        elif rng.random() < 0.3:
            step(ticket, A.CONFIRM, S.CLOSED, at + timedelta(hours=5), None)
            ticket.reporter_confirmed_at = at + timedelta(hours=5)
    TicketTransition.objects.filter(
        ticket_id__in=reported_ids,
        action__in=[A.REGISTER, A.DISPATCH],
    ).delete()
    TicketTransition.objects.bulk_create(transitions, batch_size=2000)
    TicketAttachment.objects.bulk_create(
        [
            TicketAttachment(
                ticket=ticket,
                transition=handle,
                kind=TicketAttachment.Kind.PHOTO,
                file=name,
                content_type="image/jpeg",
                original_name="现场照片.jpg",
                size_bytes=len(photo),
                sha256=sha,
                exif_taken_at=handle.at,
                uploaded_by_id=handle.actor_id,
            )
            for ticket, handle in handled_steps
        ],
        batch_size=2000,
    )
    Ticket.objects.bulk_update(
        tickets,
        [
            "status",
            "assignee",
            "queue",
            "stage_deadline",
            "merged_into",
            "closed_at",
            "resolution",
            "handled_by",
            "violation_confirmed",
            "reporter_confirmed_at",
        ],
        batch_size=1000,
    )

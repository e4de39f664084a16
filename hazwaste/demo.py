"""Demo step (journey 5, "waste that does not add up"): auto-repair shops,
labs and plants as producers with a container ledger; a licensed receiver and a
carrier; an auto-repair shop ships waste oil and batteries and the receiver
weighs 12 % less; another shop has a drum in storage for 340 days. The anomaly
scan then raises both warnings for staff to handle."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from core.demo import DEMO_PASSWORD, DemoContext, demo_user
from enforcement.models import Enterprise, EnterpriseAccount
from hazwaste import services
from hazwaste.models import (
    Carrier,
    Container,
    LedgerEntry,
    Producer,
    Receiver,
    StorageFacility,
    Vehicle,
    WasteCode,
)
from hazwaste.services.anomalies import rules_ensure
from hazwaste.services.catalogue import catalogue_ensure_shipped, edition_in_force

SECTOR_CODES = {
    Enterprise.Sector.AUTO_REPAIR: ["900-214-08", "900-052-31", "900-041-49"],
    Enterprise.Sector.INDUSTRIAL: [
        "900-252-12",
        "900-039-49",
        "900-402-06",
        "900-006-09",
    ],
    Enterprise.Sector.LABORATORY: ["900-047-49", "900-041-49"],
    Enterprise.Sector.MEDICAL: ["900-047-49"],
}


def _account(context: DemoContext, username: str, name: str, enterprise, role: str):
    user = demo_user(username, name)
    EnterpriseAccount.objects.create(user=user, enterprise=enterprise)
    context.credentials.append((role, username, DEMO_PASSWORD))
    return user


def demo_present() -> bool:
    return Producer.objects.exists()


def build_hazwaste(context: DemoContext) -> None:
    rng = context.random
    now = timezone.now()
    catalogue_ensure_shipped()
    rules_ensure()
    today = timezone.localtime(now).date()
    edition = edition_in_force(on=today)
    codes = {c.code: c for c in WasteCode.objects.filter(edition=edition)}
    candidates = list(
        Enterprise.objects.filter(sector__in=list(SECTOR_CODES), status="operating")
        .order_by("id")
        .values_list("id", "sector")[: context.histories]
    )
    if len(candidates) < 10:
        return
    industrial = [pk for pk, sector in candidates if sector == "industrial"]
    receiver_ids, carrier_id = industrial[:2], industrial[2]
    producers_ids = [
        (pk, s) for pk, s in candidates if pk not in (*receiver_ids, carrier_id)
    ]

    # Receivers and a carrier are enterprises of the district with their own users.
    receivers = []
    for index, pk in enumerate(receiver_ids):
        receiver = Receiver.objects.create(
            enterprise_id=pk,
            permit_number=f"沪环危废经字第{2024000 + index + 1}号",
            permit_valid_from=date(2024, 1, 1),
            permit_valid_until=date(2028, 12, 31),
            annual_capacity_kg=Decimal("5000000"),
        )
        receiver.permitted_codes.set(codes.values())
        receivers.append(receiver)
    carrier = Carrier.objects.create(
        enterprise_id=carrier_id,
        licence_number="沪交运管许可危字310190000001",
        licence_valid_until=date(2029, 6, 30),
    )
    vehicle = Vehicle.objects.create(
        carrier=carrier, plate="沪D·H2026", permit_number="危运证310190-01"
    )
    receiver_user = _account(
        context,
        "hw_receiver",
        "处置单位过磅员",
        receivers[0].enterprise,
        "waste receiver",
    )
    carrier_user = _account(
        context, "hw_carrier", "危运驾驶员", carrier.enterprise, "waste carrier"
    )

    # Background producers: profiles, a facility each and a recent ledger, in bulk.
    producers = Producer.objects.bulk_create(
        [Producer(enterprise_id=pk) for pk, _sector in producers_ids]
    )
    sector_of = dict(producers_ids)
    facilities = StorageFacility.objects.bulk_create(
        [
            StorageFacility(
                producer=p,
                name="危废贮存间",
                kind="warehouse",
                capacity_kg=Decimal("3000"),
            )
            for p in producers
        ]
    )
    containers, entries = [], []
    for producer, facility in zip(producers[2:], facilities[2:], strict=True):
        for _n in range(rng.randint(1, 5)):
            code = codes[rng.choice(SECTOR_CODES[sector_of[producer.enterprise_id]])]
            kg = Decimal(rng.randint(20, 200))
            generated = now - timedelta(
                days=rng.randint(2, 150), hours=rng.randint(0, 8)
            )
            stored = generated + timedelta(hours=2)
            containers.append(
                Container(
                    producer=producer,
                    label_code=f"HW{producer.pk:05d}-{secrets.token_hex(4).upper()}",
                    waste_code=code,
                    kind="drum",
                    unit="kg",
                    quantity=kg,
                    quantity_kg=kg,
                    pending_kg=Decimal("0"),
                    in_storage_kg=kg,
                    status="stored",
                    facility=facility,
                    generated_at=generated,
                    stored_at=stored,
                )
            )
    Container.objects.bulk_create(containers, batch_size=2000)
    for c in containers:
        for kind, at in (("generation", c.generated_at), ("into_storage", c.stored_at)):
            entries.append(
                LedgerEntry(
                    producer_id=c.producer_id,
                    container=c,
                    waste_code_id=c.waste_code_id,
                    kind=kind,
                    occurred_at=at,
                    quantity=c.quantity,
                    unit="kg",
                    quantity_kg=c.quantity_kg,
                    facility_id=c.facility_id if kind == "into_storage" else None,
                    handler="危废管理员",
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)

    # The story: shop A ships waste oil and batteries; the receiver weighs 12 % less.
    shops = [p for p in producers if sector_of[p.enterprise_id] == "auto_repair"][:2]
    shop, other_shop = shops
    shop_user = _account(
        context,
        "hw_shop",
        f"{shop.enterprise.name}危废管理员",
        shop.enterprise,
        f"waste producer ({shop.enterprise.name})",
    )
    other_user = _account(
        context,
        "hw_shop2",
        f"{other_shop.enterprise.name}危废管理员",
        other_shop.enterprise,
        f"waste producer ({other_shop.enterprise.name})",
    )
    shop_facility = shop.facilities.get()
    plan = services.plan_save(
        producer=shop,
        year=today.year,
        lines=[
            {
                "waste_code": "900-214-08",
                "expected_kg": "1200",
                "receiver": receivers[0],
            },
            {
                "waste_code": "900-052-31",
                "expected_kg": "300",
                "receiver": receivers[0],
            },
        ],
    )
    services.plan_file(
        plan=plan,
        now=timezone.make_aware(timezone.datetime(today.year, 3, 15, 10))
        if today.month > 3
        else now,
    )

    def drum(producer, user, facility, code, kg, days_ago, unit="kg", weight=None):
        moment = now - timedelta(days=days_ago)
        container = services.container_generate(
            producer=producer,
            user=user,
            waste_code=code,
            quantity=kg,
            unit=unit,
            kind="drum" if unit != "piece" else "pallet",
            weight_kg=weight,
            occurred_at=moment - timedelta(hours=1),
            now=now,
        )
        return services.container_store(
            container=container,
            user=user,
            facility=facility,
            occurred_at=moment,
            now=now,
        )

    oil = [
        drum(shop, shop_user, shop_facility, "900-214-08", "180", d)
        for d in (60, 41, 25)
    ]
    batteries = drum(
        shop, shop_user, shop_facility, "900-052-31", "24", 30, "piece", "360"
    )
    drum(shop, shop_user, shop_facility, "900-214-08", "160", 6)
    # ... and a slipped digit two days ago (1,800 kg for 180, the drum not yet
    # stored): more than the whole year's plan, first in the ledger review
    # queue (台账审核)
    services.container_generate(
        producer=shop,
        user=shop_user,
        waste_code="900-214-08",
        quantity="1800",
        unit="kg",
        kind="drum",
        occurred_at=now - timedelta(days=2),
        now=now,
    )

    def ship(containers, code, received_kg, days_ago, close):
        moment = now - timedelta(days=days_ago)
        manifest = services.manifest_create(
            producer=shop,
            user=shop_user,
            carrier=carrier,
            receiver=receivers[0],
            waste_code=code,
            vehicle=vehicle,
            now=moment,
            lines=[
                {"containers": [c.label_code for c in containers], "packaging": "铁桶"}
            ],
        )
        where = {"lon": shop.enterprise.lon, "lat": shop.enterprise.lat}
        services.manifest_submit(manifest=manifest, user=shop_user, now=moment, **where)
        services.manifest_dispatch(
            manifest=manifest,
            user=carrier_user,
            now=moment + timedelta(minutes=20),
            place=shop.enterprise.address,
            **where,
        )
        services.manifest_receive(
            manifest=manifest,
            user=receiver_user,
            now=moment + timedelta(hours=3),
            lines=[{"position": 1, "received_kg": received_kg, "outcome": "accepted"}],
            place="处置中心地磅",
        )
        if close:
            services.manifest_report_disposal(
                manifest=manifest,
                user=receiver_user,
                method="再生利用",
                now=moment + timedelta(days=2),
            )
            services.manifest_close(
                manifest=manifest, user=shop_user, now=moment + timedelta(days=3)
            )
        return manifest

    ship([batteries], "900-052-31", "358", 10, close=True)
    ship(oil, "900-214-08", "475.2", 3, close=False)  # 540 kg shipped, 12 % less

    # Shop B: a drum of waste oil in storage for 340 days.
    drum(other_shop, other_user, other_shop.facilities.get(), "900-214-08", "200", 340)

    services.producer_classes_recompute()
    report = services.anomaly_scan(now=now)
    context.made["hazwaste_shop"] = shop
    context.log(
        f"    hazwaste: {len(producers)} producers, {len(containers) + 7} containers, "
        f"{report.created} warnings"
    )

"""Hazardous-waste personas on top of the shared world: enterprise Y (an auto
repair shop) produces waste; a licensed receiver and a carrier, each with its
own enterprise account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from enforcement.models import Enterprise, EnterpriseAccount
from hazwaste import services
from hazwaste.models import Carrier, Receiver, StorageFacility, Vehicle, WasteCode
from tests.conftest import make_uscc

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@dataclass
class Waste:
    producer: object
    facility: StorageFacility
    receiver: Receiver
    receiver_user: object
    carrier: Carrier
    carrier_user: object
    vehicle: Vehicle
    other_receiver: Receiver
    other_receiver_user: object


def _enterprise(world, serial: int, name: str, sector: str = "industrial"):
    return Enterprise.objects.create(
        uscc=make_uscc(serial),
        name=name,
        sector=sector,
        lon=121.415,
        lat=31.205,
        street=world.street_a,
        grid_cell=world.cell_a,
    )


def _account(username: str, enterprise):
    user = get_user_model().objects.create_user(username=username, password="pw")
    EnterpriseAccount.objects.create(user=user, enterprise=enterprise)
    return user


@pytest.fixture
def waste(world, enterprise_user_y) -> Waste:
    producer = services.producer_register(enterprise=world.enterprise_y)
    facility = services.facility_create(
        producer=producer, name="危废间", kind="warehouse", capacity_kg=Decimal("2000")
    )
    receiver_enterprise = _enterprise(world, 11, "绿源环保处置有限公司")
    receiver = Receiver.objects.create(
        enterprise=receiver_enterprise,
        permit_number="沪危废经第0001号",
        permit_valid_from=date(2024, 1, 1),
        permit_valid_until=date(2028, 12, 31),
        annual_capacity_kg=Decimal("1000000"),
    )
    receiver.permitted_codes.set(
        WasteCode.objects.filter(code__in=["900-214-08", "900-052-31", "900-249-08"])
    )
    other_enterprise = _enterprise(world, 12, "蓝天再生资源有限公司")
    other = Receiver.objects.create(
        enterprise=other_enterprise,
        permit_number="沪危废经第0002号",
        permit_valid_from=date(2024, 1, 1),
        permit_valid_until=date(2028, 12, 31),
        annual_capacity_kg=Decimal("500000"),
    )
    other.permitted_codes.set(WasteCode.objects.filter(code="900-052-31"))
    carrier_enterprise = _enterprise(world, 13, "安达危险品运输有限公司")
    carrier = Carrier.objects.create(
        enterprise=carrier_enterprise,
        licence_number="沪交运管危字0001",
        licence_valid_until=date(2029, 12, 31),
    )
    vehicle = Vehicle.objects.create(
        carrier=carrier, plate="沪A12345", permit_number="危运0001"
    )
    return Waste(
        producer=producer,
        facility=facility,
        receiver=receiver,
        receiver_user=_account("receiver", receiver_enterprise),
        carrier=carrier,
        carrier_user=_account("carrier", carrier_enterprise),
        vehicle=vehicle,
        other_receiver=other,
        other_receiver_user=_account("other_receiver", other_enterprise),
    )


def stored_drum(waste, user, *, kg="200", code="900-214-08", when=None, now=None):
    container = services.container_generate(
        producer=waste.producer,
        user=user,
        waste_code=code,
        quantity=Decimal(kg),
        unit="kg",
        kind="drum",
        occurred_at=when,
        now=now,
    )
    return services.container_store(
        container=container,
        user=user,
        facility=waste.facility,
        occurred_at=when,
        now=now,
    )


def shipped_manifest(waste, user, containers, *, now=None, code="900-214-08"):
    manifest = services.manifest_create(
        producer=waste.producer,
        user=user,
        carrier=waste.carrier,
        receiver=waste.receiver,
        waste_code=code,
        lines=[{"containers": [c.label_code for c in containers], "packaging": "铁桶"}],
        vehicle=waste.vehicle,
        now=now,
    )
    services.manifest_submit(manifest=manifest, user=user, now=now)
    return services.manifest_dispatch(
        manifest=manifest, user=waste.carrier_user, now=now
    )

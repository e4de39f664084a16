"""A city client reads only its districts, in every dataset."""

from __future__ import annotations

import json
from datetime import date

from grid.models import TicketCategory
from grid.services import ticket_open
from monitoring.models import DailyRollup, Sensor, Station


def items(client, dataset: str) -> list[dict]:
    response = client.get(f"/api/v1/exchange/{dataset}/")
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))["items"]


def test_tickets_of_another_district_are_not_exported(city, world, foreign_enterprise):
    category = TicketCategory.objects.order_by("pk").first().code
    home = ticket_open(
        category=category, source="hotline", description="油烟", lon=121.41, lat=31.21
    )
    away = ticket_open(
        category=category, source="hotline", description="噪声", lon=120.01, lat=30.01
    )
    references = {row["reference"] for row in items(city, "tickets")}
    assert home.reference in references
    assert away.reference not in references


def _daily(district, street, code: str) -> DailyRollup:
    station = Station.objects.create(
        code=code,
        name=code,
        kind=Station.Kind.AMBIENT_AIR,
        lon=121.41,
        lat=31.21,
        district=district,
        street=street,
    )
    sensor = Sensor.objects.create(
        station=station,
        parameter="PM2_5",
        unit="ug/m3",
        interval_s=3600,
        valid_min=0,
        valid_max=1000,
    )
    return DailyRollup.objects.create(
        sensor=sensor,
        day=date.today(),
        value_mean=35.0,
        value_min=20.0,
        value_max=50.0,
        hours=24,
        expected_hours=24,
    )


def test_monitoring_means_of_another_district_are_not_exported(
    city, world, foreign_enterprise
):
    _daily(world.district, world.street_a, "HOME-AIR")
    _daily(world.partner_district, foreign_enterprise.street, "AWAY-AIR")
    rows = items(city, "monitoring-daily")
    assert [row["station_code"] for row in rows] == ["HOME-AIR"]
    assert rows[0]["value_mean"] == 35.0

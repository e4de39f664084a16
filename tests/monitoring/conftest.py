"""Monitoring fixtures: stations of every kind in the shared test district."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitoring.models import Rule, Station
from monitoring.services import station_create

# A fixed clock for tests (UTC); 02:00 UTC is 10:00 in Shanghai.
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def air_station(world):
    return station_create(
        code="AIR-A",
        name="甲街道空气站",
        kind=Station.Kind.AMBIENT_AIR,
        lon=121.405,
        lat=31.205,
        district=world.district,
        mn="MNAIR0001",
    )


@pytest.fixture
def water_station(world):
    return station_create(
        code="WATER-B",
        name="乙河断面",
        kind=Station.Kind.SURFACE_WATER,
        lon=121.435,
        lat=31.215,
        district=world.district,
        mn="MNWATER001",
        water_body="river",
        water_target="III",
        interval_s=3600,
    )


@pytest.fixture
def noise_station(world):
    return station_create(
        code="NOISE-A",
        name="甲街道噪声站",
        kind=Station.Kind.NOISE,
        lon=121.41,
        lat=31.215,
        district=world.district,
        mn="MNNOISE001",
        noise_zone="2",
    )


@pytest.fixture
def fume_station(world):
    return station_create(
        code="FUME-X",
        name="甲餐厅油烟监测",
        kind=Station.Kind.FUME,
        lon=121.41,
        lat=31.21,
        district=world.district,
        mn="MNFUME0001",
        enterprise=world.enterprise_x,
    )


@pytest.fixture
def outlet_station_y(world):
    return station_create(
        code="OUT-Y",
        name="乙汽修排口",
        kind=Station.Kind.OUTLET,
        lon=121.43,
        lat=31.21,
        district=world.district,
        mn="MNOUTY0001",
        enterprise=world.enterprise_y,
    )


@pytest.fixture
def fume_rule(db):
    return Rule.objects.create(
        name="油烟超标",
        kind=Rule.Kind.FUME,
        parameter="fume",
        station_kind=Station.Kind.FUME,
        threshold=1.0,
        clear_threshold=0.8,
        window_minutes=10,
        daily_count=1,
        ticket_category="cooking_fume",
        annotation_minutes=30,
    )


def item(station, parameter, at, value, **extra) -> dict:
    return {
        "station": station.mn,
        "parameter": parameter,
        "time": at.isoformat(),
        "value": value,
        **extra,
    }

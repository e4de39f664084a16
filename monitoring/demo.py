"""Demo step: 30 stations in the demo district (air, river and lake sections,
noise, indoor air, and online monitors at restaurants, plants and a site), three
weeks of history, rules, a few alarms and a night-time survey track.

The history is written in bulk (COPY on PostgreSQL) and rolled up once, so the
step stays quick. The stories it sets up: a river section that dropped to
class IV last night; restaurant fume exceedances at dinner; a night-time odour
hotspot downwind of the industrial corner (wind from the north-east).
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.utils import timezone

from core.demo import DemoContext
from enforcement.models import Enterprise, EnterpriseAccount
from monitoring.indices import LOCAL_TZ, NOISE_LIMITS
from monitoring.models import (
    QualityFlag,
    Reading,
    Rule,
    RuleState,
    Sensor,
    Station,
)
from monitoring.partitions import reading_partitions_ensure
from monitoring.services import (
    daily_rollups_compute,
    hourly_rollups_compute,
    readings_store,
    rules_evaluate,
    station_create,
    station_indices_compute,
    survey_create,
)
from monitoring.simulation import simulated_value

HISTORY_DAYS = 14
HOUR = timedelta(hours=1)
# Minute-resolution history would be millions of rows; the demo stores hourly
# values (fume monitors one per 10-minute window) and the sensors say so.
HOURLY = 3600
FUME_INTERVAL = 600
# Night wind from the north-east carries the industrial corner's odour south-west.
NIGHT_WIND_FROM = 45.0
# The demo enterprise user's restaurant, whose fume exceeds at some dinners.
SMOKY_KITCHEN = "FUME-01"


def _at(bbox, fx: float, fy: float) -> tuple[float, float]:
    west, south, east, north = bbox
    return round(west + fx * (east - west), 6), round(south + fy * (north - south), 6)


AIR = [
    ("AIR-01", "示范区监测站（区政府）", 0.5, 0.5),
    ("AIR-02", "梧桐路空气站", 0.15, 0.2),
    ("AIR-03", "湖滨空气站", 0.35, 0.8),
    ("AIR-04", "云锦空气站", 0.7, 0.25),
    ("AIR-05", "工业区北空气站", 0.88, 0.85),
    ("AIR-06", "望江空气站", 0.6, 0.65),
    ("AIR-07", "兰苑空气站", 0.25, 0.5),
    ("AIR-08", "星河空气站", 0.8, 0.45),
]
WATER = [
    ("WATER-01", "清水河上游断面", 0.1, 0.4, "river", "III"),
    ("WATER-02", "清水河中游断面", 0.4, 0.45, "river", "III"),
    ("WATER-03", "清水河下游断面", 0.75, 0.5, "river", "III"),
    ("WATER-04", "锦溪断面", 0.55, 0.15, "river", "IV"),
    ("WATER-05", "明湖点位", 0.3, 0.7, "lake", "III"),
]
NOISE = [
    ("NOISE-01", "居住区噪声站", 0.2, 0.6, "1"),
    ("NOISE-02", "商业区噪声站", 0.45, 0.35, "2"),
    ("NOISE-03", "工业区噪声站", 0.9, 0.8, "3"),
    ("NOISE-04", "干道噪声站", 0.5, 0.55, "4a"),
    ("NOISE-05", "学校周边噪声站", 0.65, 0.75, "1"),
]
INDOOR = [
    ("INDOOR-01", "示范区图书馆", 0.48, 0.52),
    ("INDOOR-02", "区少年宫", 0.3, 0.3),
    ("INDOOR-03", "区政务中心", 0.55, 0.48),
]


def build_monitoring(context: DemoContext) -> None:
    rng = context.random
    district = context.made["district"]
    bbox = context.made["bbox"]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    # a small demo (as the tests build) gets two days of history
    days = HISTORY_DAYS if context.enterprises >= 1000 else 2
    start = now - timedelta(days=days)
    reading_partitions_ensure(start=start.date(), through=now.date())

    stations: list[Station] = []
    mn = iter(range(1, 100))

    def make(code, name, kind, lon, lat, interval=HOURLY, **extra):
        station = station_create(
            code=code,
            name=name,
            kind=kind,
            lon=lon,
            lat=lat,
            district=district,
            mn=f"31019000{next(mn):04d}DEMO",
            interval_s=interval,
            **extra,
        )
        stations.append(station)
        return station

    for code, name, fx, fy in AIR:
        make(code, name, Station.Kind.AMBIENT_AIR, *_at(bbox, fx, fy))
    for code, name, fx, fy, body, target in WATER:
        make(
            code,
            name,
            Station.Kind.SURFACE_WATER,
            *_at(bbox, fx, fy),
            water_body=body,
            water_target=target,
        )
    for code, name, fx, fy, zone in NOISE:
        make(code, name, Station.Kind.NOISE, *_at(bbox, fx, fy), noise_zone=zone)
    for code, name, fx, fy in INDOOR:
        make(code, name, Station.Kind.INDOOR_AIR, *_at(bbox, fx, fy))

    restaurants = _restaurants(context)
    for index, restaurant in enumerate(restaurants, start=1):
        make(
            f"FUME-{index:02d}",
            f"{restaurant.name}油烟监测",
            Station.Kind.FUME,
            restaurant.lon,
            restaurant.lat,
            interval=FUME_INTERVAL,
            enterprise=restaurant,
        )
    west, south, east, north = bbox
    plants = list(
        Enterprise.objects.filter(
            sector=Enterprise.Sector.INDUSTRIAL,
            lon__gte=east - 0.02,
            lat__gte=north - 0.015,
        ).order_by("id")[:2]
    )
    for index, plant in enumerate(plants, start=1):
        make(
            f"OUT-{index:02d}",
            f"{plant.name}废水排口",
            Station.Kind.OUTLET,
            plant.lon,
            plant.lat,
            enterprise=plant,
        )
    site = (
        Enterprise.objects.filter(sector=Enterprise.Sector.CONSTRUCTION_SITE)
        .order_by("id")
        .first()
    )
    if site is not None:
        make(
            "DUST-01",
            f"{site.name}扬尘监测",
            Station.Kind.DUST,
            site.lon,
            site.lat,
            enterprise=site,
        )

    # switches are logged hourly in the history (the fan rule needs no more)
    Sensor.objects.filter(
        station__kind=Station.Kind.FUME, parameter__in=["fan_on", "cleaner_on"]
    ).update(interval_s=HOURLY)
    _history(stations, start, now, rng, days=days)
    _rules(start, stations)
    rules_evaluate(now=now)
    _survey(context, now, bbox)
    context.log(
        f"    monitoring: {len(stations)} stations, "
        f"{Reading.objects.count():,} readings over {days} days"
    )


def _restaurants(context: DemoContext) -> list[Enterprise]:
    """Six restaurants, the demo enterprise user's first (their own monitor)."""
    own = list(
        EnterpriseAccount.objects.filter(enterprise__sector=Enterprise.Sector.CATERING)
        .select_related("enterprise")
        .values_list("enterprise_id", flat=True)[:1]
    )
    others = list(
        Enterprise.objects.filter(
            sector=Enterprise.Sector.CATERING, status=Enterprise.Status.OPERATING
        )
        .exclude(pk__in=own)
        .order_by("id")[:6]
    )
    chosen = list(Enterprise.objects.filter(pk__in=own)) + others
    return chosen[:6]


def _value(sensor: Sensor, station: Station, at, rng) -> float:
    parameter = sensor.parameter
    local = at.astimezone(LOCAL_TZ)
    hours_ago = (timezone.now() - at).total_seconds() / 3600
    value = simulated_value(parameter, at, rng)
    if parameter == "wind_direction" and (local.hour >= 20 or local.hour < 6):
        value = (NIGHT_WIND_FROM + rng.gauss(0, 12)) % 360
    if parameter == "wind_speed" and (local.hour >= 20 or local.hour < 6):
        value = round(max(0.6, rng.gauss(1.8, 0.4)), 1)
    if parameter in ("PM2_5", "PM10") and 5 * 24 < hours_ago < 7 * 24:
        value = round(value * 2.6, 1)  # a haze episode last week
    if station.code == "WATER-02" and parameter == "NH3_N" and 6 < hours_ago < 16:
        value = round(rng.uniform(1.15, 1.4), 3)  # last night: class IV
    night = local.hour >= 22 or local.hour < 6
    if parameter in ("LAeq", "LAmax") and station.noise_zone:
        day_limit, night_limit = NOISE_LIMITS[station.noise_zone]
        level = (night_limit if night else day_limit) - 3 + rng.gauss(0, 1.2)
        if station.code == "NOISE-04" and night:
            level += 6  # the trunk road is loud at night
        value = round(level + (12 if parameter == "LAmax" else 0), 1)
    if parameter == "TP" and station.water_body == Station.WaterBody.LAKE:
        value = round(value * 0.3, 3)  # the lake meets its class III
    if parameter == "fume" and station.code != SMOKY_KITCHEN:
        value = round(value * 0.6, 3)  # the other kitchens keep within the limit
    dinner = 17.5 <= local.hour + local.minute / 60 < 19
    if (
        station.code == SMOKY_KITCHEN
        and parameter == "fume"
        and dinner
        and local.day % 3 == 0
    ):
        value = round(rng.uniform(1.3, 2.2), 3)  # dinner exceedances
    if (
        station.kind == Station.Kind.OUTLET
        and parameter == "COD"
        and 70 < hours_ago < 74
    ):
        value = round(rng.uniform(140, 180), 1)
    return value


def _history(stations, start, now, rng, days) -> None:
    sensors = list(
        Sensor.objects.filter(station__in=stations).select_related("station")
    )
    rows = []
    validated_before = now - timedelta(days=3)
    for sensor in sensors:
        step = timedelta(seconds=sensor.interval_s)
        at = start
        while at < now:
            value = _value(sensor, sensor.station, at, rng)
            quality = (
                QualityFlag.VALIDATED if at < validated_before else QualityFlag.RAW
            )
            rows.append((sensor.pk, at, value, "N", quality))
            at += step
        if len(rows) > 50_000:
            readings_store(rows)
            rows = []
    readings_store(rows)
    by_interval: dict[int, list[int]] = {}
    for sensor in sensors:
        by_interval.setdefault(sensor.interval_s, []).append(sensor.pk)
    for ids in by_interval.values():
        hourly_rollups_compute(sensor_ids=ids, start=start, end=now)
    days = sorted(
        {
            (start + timedelta(days=d)).astimezone(LOCAL_TZ).date()
            for d in range(days + 1)
        }
    )
    daily_rollups_compute(sensor_ids=[s.pk for s in sensors], days=days)
    station_indices_compute(station_ids=[s.pk for s in stations], start=start, end=now)
    Station.objects.filter(pk__in=[s.pk for s in stations]).update(
        last_seen_at=now - HOUR
    )


def _rules(start, stations) -> None:
    rules = [
        Rule(
            name="空气质量指数超过150（中度污染）",
            kind=Rule.Kind.AQI,
            station_kind=Station.Kind.AMBIENT_AIR,
            threshold=150,
            clear_threshold=120,
            duration_minutes=60,
            ticket_category="other",
            dispatch=False,
        ),
        Rule(
            name="断面水质劣于III类",
            kind=Rule.Kind.WATER_CLASS,
            station_kind=Station.Kind.SURFACE_WATER,
            threshold=3,
            clear_threshold=3,
            duration_minutes=60,
            ticket_category="wastewater",
        ),
        Rule(
            name="溶解氧低于3 mg/L",
            kind=Rule.Kind.PARAMETER,
            parameter="DO",
            station_kind=Station.Kind.SURFACE_WATER,
            direction=Rule.Direction.BELOW,
            threshold=3,
            clear_threshold=4,
            ticket_category="wastewater",
        ),
        Rule(
            name="噪声超过GB 3096限值",
            kind=Rule.Kind.NOISE,
            station_kind=Station.Kind.NOISE,
            threshold=0,
            clear_threshold=-1,
            duration_minutes=120,
            ticket_category="noise",
            dispatch=False,
        ),
        Rule(
            name="油烟超过1.0 mg/m³（10分钟均值）",
            kind=Rule.Kind.FUME,
            parameter="fume",
            station_kind=Station.Kind.FUME,
            threshold=1.0,
            clear_threshold=0.8,
            window_minutes=10,
            daily_count=1,
            ticket_category="cooking_fume",
            annotation_minutes=30,
        ),
        Rule(
            name="风机运行而净化器未开",
            kind=Rule.Kind.FAN_WITHOUT_CLEANER,
            station_kind=Station.Kind.FUME,
            threshold=0.5,
            clear_threshold=0.5,
            duration_minutes=10,
            ticket_category="cooking_fume",
            annotation_minutes=30,
        ),
        Rule(
            name="排口COD超过100 mg/L",
            kind=Rule.Kind.PARAMETER,
            parameter="COD",
            station_kind=Station.Kind.OUTLET,
            threshold=100,
            clear_threshold=80,
            duration_minutes=60,
            ticket_category="wastewater",
            annotation_minutes=60,
        ),
        Rule(
            name="工地TSP超过1000 µg/m³",
            kind=Rule.Kind.PARAMETER,
            parameter="TSP",
            station_kind=Station.Kind.DUST,
            threshold=1000,
            clear_threshold=800,
            duration_minutes=30,
            ticket_category="dust",
            annotation_minutes=30,
        ),
    ]
    Rule.objects.bulk_create(rules)
    # Evaluate the whole history once, so past alarms exist.
    by_kind: dict[str, list[Rule]] = {}
    for rule in Rule.objects.all():
        by_kind.setdefault(rule.station_kind, []).append(rule)
    RuleState.objects.bulk_create(
        RuleState(rule=rule, station=station, evaluated_until=start)
        for station in stations
        for rule in by_kind.get(station.kind, [])
    )


def _survey(context: DemoContext, now, bbox) -> None:
    """Last night's survey: a TVOC track with a hotspot just south-west of the
    industrial corner."""
    user = context.made.get("admin")
    if user is None:
        return
    rng = context.random
    _west, _south, east, north = bbox
    night = (now.astimezone(LOCAL_TZ) - timedelta(days=1)).replace(hour=21, minute=0)
    # a loop south-west of the industrial corner; the hotspot is where it passes
    # closest to the plants (downwind in the night's north-east wind)
    centre_lon, centre_lat, rx, ry = east - 0.03, north - 0.024, 0.01, 0.008
    hot_lon = centre_lon + rx * math.cos(math.pi / 4)
    hot_lat = centre_lat + ry * math.sin(math.pi / 4)
    lines = ["time,lon,lat,value"]
    steps = 240
    for i in range(steps):
        angle = 2 * math.pi * i / steps
        lon = centre_lon + rx * math.cos(angle)
        lat = centre_lat + ry * math.sin(angle)
        distance = math.hypot(lon - hot_lon, (lat - hot_lat) * 1.2)
        value = 0.25 + 2.4 * math.exp(-((distance / 0.004) ** 2)) + rng.uniform(0, 0.08)
        at = night + timedelta(seconds=15 * i)
        lines.append(f"{at.isoformat()},{lon:.6f},{lat:.6f},{value:.3f}")
    survey_create(
        user=user,
        name="工业区夜间走航（TVOC）",
        district=context.made["district"],
        parameter="TVOC",
        data="\n".join(lines).encode(),
        filename="survey.csv",
        hotspot_percentile=95,
    )

"""Reads behind the four boards, the enterprise-monitor board and the map. Each
board is a fixed number of queries, whatever the number of stations."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from monitoring import indices
from monitoring.models import (
    Alarm,
    HourlyRollup,
    Sensor,
    Station,
    StationIndex,
)
from monitoring.parameters import INDOOR_LIMITS, PARAMETERS

HOUR = timedelta(hours=1)
RECENT = timedelta(hours=6)  # "now" on a board: the latest index within this
NO_DATA_COLOUR = "#9AA0A6"


def _stations(user, kinds) -> list[Station]:
    return list(
        Station.objects.for_user(user)
        .filter(kind__in=kinds)
        .exclude(status=Station.Status.RETIRED)
        .select_related("street", "enterprise")
        .order_by("code")
    )


def _latest_indices(stations, kind, now) -> dict[int, StationIndex]:
    latest: dict[int, StationIndex] = {}
    for index in StationIndex.objects.filter(
        station__in=stations, kind=kind, period_start__gte=now - RECENT
    ).order_by("period_start"):
        latest[index.station_id] = index
    return latest


def _series(stations, kind, start) -> dict[int, list[StationIndex]]:
    series: dict[int, list[StationIndex]] = defaultdict(list)
    for index in StationIndex.objects.filter(
        station__in=stations, kind=kind, period_start__gte=start
    ).order_by("period_start"):
        series[index.station_id].append(index)
    return series


def _local_day(moment: datetime) -> str:
    return indices.local_date(moment).isoformat()


def board_air(*, user, now: datetime | None = None, days: int = 30) -> dict:
    """AQI now per station, and the daily AQI of the last ``days`` days."""
    now = now or timezone.now()
    stations = _stations(user, [Station.Kind.AMBIENT_AIR])
    latest = _latest_indices(stations, StationIndex.Kind.AQI_HOURLY, now)
    daily = _series(stations, StationIndex.Kind.AQI_DAILY, now - timedelta(days=days))
    labels = sorted({_local_day(i.period_start) for s in daily.values() for i in s})
    rows = []
    for station in stations:
        index = latest.get(station.pk)
        by_day = {_local_day(i.period_start): i for i in daily.get(station.pk, [])}
        rows.append(
            {
                "station": station,
                "index": index,
                "colour": (index.colour if index and index.colour else NO_DATA_COLOUR),
                "daily": [by_day[d].value if d in by_day else None for d in labels],
                "daily_colours": [
                    by_day[d].colour if d in by_day else NO_DATA_COLOUR for d in labels
                ],
                "good_days": sum(
                    1 for i in by_day.values() if i.value is not None and i.value <= 100
                ),
                "days": len(by_day),
            }
        )
    return {"stations": rows, "labels": labels, "levels": indices.AQI_LEVELS}


def board_water(*, user, now: datetime | None = None, days: int = 30) -> dict:
    """Each section's latest class against its target, and the daily trend."""
    now = now or timezone.now()
    stations = _stations(user, [Station.Kind.SURFACE_WATER])
    latest: dict[int, StationIndex] = {}
    for index in StationIndex.objects.filter(
        station__in=stations,
        kind=StationIndex.Kind.WATER_HOURLY,
        period_start__gte=now - timedelta(days=2),
    ).order_by("period_start"):
        latest[index.station_id] = index
    daily = _series(stations, StationIndex.Kind.WATER_DAILY, now - timedelta(days=days))
    labels = sorted({_local_day(i.period_start) for s in daily.values() for i in s})
    rows = []
    for station in stations:
        by_day = {_local_day(i.period_start): i for i in daily.get(station.pk, [])}
        index = latest.get(station.pk)
        rows.append(
            {
                "station": station,
                "index": index,
                "colour": index.colour if index else NO_DATA_COLOUR,
                "daily": [by_day[d].value if d in by_day else None for d in labels],
                "meets_target_days": sum(1 for i in by_day.values() if not i.exceeded),
                "days": len(by_day),
            }
        )
    return {"stations": rows, "labels": labels, "grades": indices.GRADES}


def board_noise(*, user, now: datetime | None = None, days: int = 30) -> dict:
    """Day and night compliance per station and per GB 3096 zone class."""
    now = now or timezone.now()
    stations = _stations(user, [Station.Kind.NOISE])
    start = now - timedelta(days=days)
    periods = StationIndex.objects.filter(
        station__in=stations,
        kind__in=[StationIndex.Kind.NOISE_DAY, StationIndex.Kind.NOISE_NIGHT],
        period_start__gte=start,
    ).order_by("period_start")
    latest: dict[tuple[int, str], StationIndex] = {}
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    zone_of = {s.pk: s.noise_zone for s in stations}
    for index in periods:
        latest[(index.station_id, index.kind)] = index
        bucket = totals[(zone_of[index.station_id], index.kind)]
        bucket[0] += 0 if index.exceeded else 1
        bucket[1] += 1
    now_index = _latest_indices(stations, StationIndex.Kind.NOISE_HOURLY, now)
    rows = [
        {
            "station": station,
            "now": now_index.get(station.pk),
            "day": latest.get((station.pk, StationIndex.Kind.NOISE_DAY)),
            "night": latest.get((station.pk, StationIndex.Kind.NOISE_NIGHT)),
            "limits": indices.NOISE_LIMITS.get(station.noise_zone),
        }
        for station in stations
    ]
    zones = []
    for zone in indices.NOISE_ZONES:
        day = totals.get((zone, StationIndex.Kind.NOISE_DAY))
        night = totals.get((zone, StationIndex.Kind.NOISE_NIGHT))
        if day or night:
            zones.append(
                {
                    "zone": zone,
                    "limits": indices.NOISE_LIMITS[zone],
                    "day_rate": _rate(day),
                    "night_rate": _rate(night),
                }
            )
    return {"stations": rows, "zones": zones}


def _rate(bucket) -> float | None:
    if not bucket or not bucket[1]:
        return None
    return round(100 * bucket[0] / bucket[1], 1)


def _latest_rollups(
    stations, now, parameters=None
) -> dict[int, dict[str, HourlyRollup]]:
    rollups = HourlyRollup.objects.filter(
        sensor__station__in=stations, hour_start__gte=now - RECENT
    ).select_related("sensor")
    if parameters:
        rollups = rollups.filter(sensor__parameter__in=parameters)
    latest: dict[int, dict[str, HourlyRollup]] = defaultdict(dict)
    for rollup in rollups.order_by("hour_start"):
        latest[rollup.sensor.station_id][rollup.sensor.parameter] = rollup
    return latest


def board_indoor(*, user, now: datetime | None = None) -> dict:
    """Latest hourly values of indoor stations against the indoor-air limits."""
    now = now or timezone.now()
    stations = _stations(user, [Station.Kind.INDOOR_AIR])
    latest = _latest_rollups(stations, now, list(INDOOR_LIMITS))
    rows = []
    for station in stations:
        values = []
        for parameter, limit in INDOOR_LIMITS.items():
            rollup = latest[station.pk].get(parameter)
            values.append(
                {
                    "parameter": parameter,
                    "label": PARAMETERS[parameter].label,
                    "unit": PARAMETERS[parameter].unit,
                    "limit": limit,
                    "value": rollup.value_mean if rollup else None,
                    "exceeded": bool(rollup and rollup.value_mean > limit),
                }
            )
        rows.append(
            {
                "station": station,
                "values": values,
                "exceeded": any(v["exceeded"] for v in values),
            }
        )
    return {"stations": rows, "limits": INDOOR_LIMITS}


def board_enterprise(*, user, now: datetime | None = None) -> dict:
    """Enterprise monitors: latest values, open alarms, pending remote checks."""
    now = now or timezone.now()
    stations = _stations(user, list(Station.ENTERPRISE_KINDS))
    latest = _latest_rollups(stations, now)
    open_alarms: dict[int, list[Alarm]] = defaultdict(list)
    for alarm in (
        Alarm.objects.filter(station__in=stations)
        .filter(Q(status=Alarm.Status.OPEN) | Q(dispatch_status=Alarm.Dispatch.PENDING))
        .select_related("rule")
        .order_by("-started_at")
    ):
        open_alarms[alarm.station_id].append(alarm)
    alarm_days = dict(
        Alarm.objects.filter(
            station__in=stations, started_at__gte=now - timedelta(days=30)
        )
        .values_list("station_id")
        .annotate(n=Count("id"))
    )
    rows = []
    for station in stations:
        rows.append(
            {
                "station": station,
                "values": [
                    {
                        "parameter": parameter,
                        "label": PARAMETERS[parameter].label,
                        "unit": PARAMETERS[parameter].unit,
                        "value": rollup.value_mean,
                        "hour": rollup.hour_start,
                    }
                    for parameter, rollup in sorted(latest[station.pk].items())
                ],
                "alarms": open_alarms.get(station.pk, []),
                "alarms_30d": alarm_days.get(station.pk, 0),
                "online": bool(
                    station.last_seen_at and station.last_seen_at >= now - HOUR
                ),
            }
        )
    return {"stations": rows}


def station_map(*, user, now: datetime | None = None) -> dict:
    """GeoJSON of the user's stations coloured by their current index: AQI for
    air, class for water, compliance for noise, alarms for enterprise monitors."""
    now = now or timezone.now()
    stations = _stations(user, [choice.value for choice in Station.Kind])
    aqi = _latest_indices(stations, StationIndex.Kind.AQI_HOURLY, now)
    water: dict[int, StationIndex] = {}
    for index in StationIndex.objects.filter(
        station__in=stations,
        kind=StationIndex.Kind.WATER_HOURLY,
        period_start__gte=now - timedelta(days=2),
    ).order_by("period_start"):
        water[index.station_id] = index
    noise = _latest_indices(stations, StationIndex.Kind.NOISE_HOURLY, now)
    alarmed = set(
        Alarm.objects.filter(
            station__in=stations, status=Alarm.Status.OPEN
        ).values_list("station_id", flat=True)
    )
    features = []
    for station in stations:
        index = {
            Station.Kind.AMBIENT_AIR: aqi,
            Station.Kind.SURFACE_WATER: water,
            Station.Kind.NOISE: noise,
        }.get(station.kind, {}).get(station.pk)
        if index is not None:
            colour = index.colour or NO_DATA_COLOUR
            label = (
                f"{index.value:g} {index.label}" if index.value is not None else "NA"
            )
        elif (
            station.kind in Station.ENTERPRISE_KINDS
            or station.kind == Station.Kind.INDOOR_AIR
        ):
            colour = "#E74C3C" if station.pk in alarmed else "#27AE60"
            label = ""
        else:
            colour, label = NO_DATA_COLOUR, ""
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [station.lon, station.lat],
                },
                "properties": {
                    "id": station.pk,
                    "code": station.code,
                    "name": station.name,
                    "kind": station.kind,
                    "kind_label": str(station.get_kind_display()),
                    "colour": colour,
                    "label": label,
                    "alarm": station.pk in alarmed,
                    "url": station.get_absolute_url(),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def station_recent(*, station: Station, now: datetime | None = None, hours: int = 48):
    """Hourly means of a station's sensors over the last ``hours`` for charts."""
    now = now or timezone.now()
    start = now - timedelta(hours=hours)
    sensors = list(station.sensors.order_by("parameter"))
    rollups = HourlyRollup.objects.filter(
        sensor__in=sensors, hour_start__gte=start
    ).order_by("hour_start")
    by_sensor: dict[int, list] = defaultdict(list)
    for rollup in rollups:
        by_sensor[rollup.sensor_id].append(rollup)
    return [
        {
            "sensor": sensor,
            "label": PARAMETERS[sensor.parameter].label,
            "points": [
                {
                    "t": timezone.localtime(r.hour_start).strftime("%m-%d %H:00"),
                    "v": round(r.value_mean, 3),
                    "coverage": round(r.coverage, 2),
                }
                for r in by_sensor.get(sensor.pk, [])
            ],
        }
        for sensor in sensors
    ]


def sensor_list(*, user):
    return Sensor.objects.for_user(user).select_related("station")

"""Source tracing (溯源): rank the enterprises upwind of a point.

A candidate is an enterprise within the radius. Its score multiplies:
- the angle weight: a Gaussian of the angle between the direction to the
  enterprise and the direction the wind comes from (wider in light wind, whose
  direction says less);
- the distance weight: exp(−d / (radius/3)), nearer sources count more;
- the sector weight of the complaint's kind (odour points at industry first,
  cooking fume at restaurants);
- the monitor factor: ×1.5 when one of its online monitors had an alarm or an
  exceedance in the hours around the event.
Every factor is returned with the result, so the ranking explains itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from core.geo import bearing_deg, distance_m
from enforcement.models import Enterprise
from monitoring.models import Alarm, HourlyRollup, Station
from monitoring.parameters import PARAMETERS

DEFAULT_RADIUS_M = 3000
EVENT_WINDOW = timedelta(hours=3)
MAX_CANDIDATES = 20
# Which sectors a complaint of each kind points at (1 = most likely).
SECTOR_WEIGHTS = {
    "odour": {
        "industrial": 1.0,
        "laboratory": 0.7,
        "auto_repair": 0.6,
        "catering": 0.5,
        "medical": 0.4,
        "construction_site": 0.3,
        "other": 0.3,
    },
    "cooking_fume": {"catering": 1.0},
    "dust": {"construction_site": 1.0, "industrial": 0.5},
    "noise": {"construction_site": 1.0, "industrial": 0.7, "catering": 0.4},
}
DEFAULT_SECTOR_WEIGHT = 0.2
MONITOR_FACTOR = 1.5


@dataclass(frozen=True)
class Wind:
    """Where the wind comes from (degrees from north, meteorological) and how
    fast; ``source`` says where the figures come from."""

    direction_deg: float
    speed_m_s: float
    source: str


@dataclass
class Candidate:
    enterprise: Enterprise
    score: float
    distance_m: float
    bearing_deg: float
    angle_off_deg: float
    weights: dict[str, float]
    travel_minutes: float | None
    monitor_events: list[dict] = field(default_factory=list)
    explanation: str = ""


@dataclass
class TraceResult:
    lon: float
    lat: float
    at: datetime
    wind: Wind
    radius_m: float
    category: str
    candidates: list[Candidate]
    method: str


def angle_between(a: float, b: float) -> float:
    diff = abs(a - b) % 360
    return 360 - diff if diff > 180 else diff


def wind_at(*, user, lon: float, lat: float, at: datetime) -> Wind | None:
    """The wind at the nearest ambient station (in the user's scope) with wind
    sensors, as hourly means around ``at``."""
    stations = list(
        Station.objects.for_user(user)
        .filter(sensors__parameter="wind_direction")
        .distinct()
    )
    if not stations:
        return None
    stations.sort(key=lambda s: distance_m(lat, lon, s.lat, s.lon))
    for station in stations[:3]:
        rollups = {
            r.sensor.parameter: r
            for r in HourlyRollup.objects.filter(
                sensor__station=station,
                sensor__parameter__in=["wind_direction", "wind_speed"],
                hour_start__gte=at - timedelta(hours=2),
                hour_start__lte=at,
            )
            .select_related("sensor")
            .order_by("hour_start")
        }
        if "wind_direction" in rollups:
            speed = rollups.get("wind_speed")
            hour = rollups["wind_direction"].hour_start
            return Wind(
                direction_deg=round(rollups["wind_direction"].value_mean, 1),
                speed_m_s=round(speed.value_mean, 1) if speed else 2.0,
                source=_("station %(station)s, hour from %(hour)s")
                % {"station": station.name, "hour": f"{hour:%Y-%m-%d %H:%M} UTC"},
            )
    return None


def _monitor_events(enterprise_ids: list[int], at: datetime) -> dict[int, list[dict]]:
    """Alarms and hourly means of the candidates' monitors around the event."""
    start, end = at - EVENT_WINDOW, at + EVENT_WINDOW
    events: dict[int, list[dict]] = {}
    for alarm in (
        Alarm.objects.filter(
            station__enterprise_id__in=enterprise_ids, started_at__lte=end
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))
        .select_related("station", "rule")
    ):
        events.setdefault(alarm.station.enterprise_id, []).append(
            {
                "kind": "alarm",
                "station": alarm.station.code,
                "text": _("alarm %(rule)s, peak %(peak)s %(unit)s")
                % {
                    "rule": alarm.rule.name,
                    "peak": alarm.peak_value,
                    "unit": alarm.unit,
                },
                "at": alarm.started_at.isoformat(),
                "alarm": alarm.pk,
            }
        )
    for rollup in (
        HourlyRollup.objects.filter(
            sensor__station__enterprise_id__in=enterprise_ids,
            hour_start__gte=start,
            hour_start__lte=end,
        )
        .select_related("sensor__station")
        .order_by("hour_start")
    ):
        spec = PARAMETERS.get(rollup.sensor.parameter)
        events.setdefault(rollup.sensor.station.enterprise_id, []).append(
            {
                "kind": "reading",
                "station": rollup.sensor.station.code,
                "parameter": rollup.sensor.parameter,
                "text": f"{spec.label if spec else rollup.sensor.parameter} "
                f"{rollup.value_mean:.3g} {rollup.sensor.unit}",
                "at": rollup.hour_start.isoformat(),
            }
        )
    return events


def trace_sources(
    *,
    user,
    lon: float,
    lat: float,
    at: datetime,
    wind: Wind,
    radius_m: float = DEFAULT_RADIUS_M,
    category: str = "odour",
    limit: int = MAX_CANDIDATES,
) -> TraceResult:
    """Rank the enterprises (in the user's scope) upwind of a point."""
    radius_m = max(100.0, min(float(radius_m), 20000.0))
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    enterprises = list(
        Enterprise.objects.for_user(user)
        .filter(
            lat__gte=lat - dlat,
            lat__lte=lat + dlat,
            lon__gte=lon - dlon,
            lon__lte=lon + dlon,
        )
        .exclude(status=Enterprise.Status.CLOSED)
    )
    # light wind says less about direction: widen the cone
    sigma = 25.0 if wind.speed_m_s >= 2 else 40.0
    half_angle = 2 * sigma
    sector_weights = SECTOR_WEIGHTS.get(category, {})
    scale = radius_m / 3
    scored: list[Candidate] = []
    for enterprise in enterprises:
        distance = distance_m(lat, lon, enterprise.lat, enterprise.lon)
        if distance > radius_m:
            continue
        bearing = bearing_deg(lat, lon, enterprise.lat, enterprise.lon)
        angle = 0.0 if distance < 30 else angle_between(bearing, wind.direction_deg)
        if angle > half_angle:
            continue
        weights = {
            "angle": round(math.exp(-0.5 * (angle / sigma) ** 2), 4),
            "distance": round(math.exp(-distance / scale), 4),
            "sector": sector_weights.get(enterprise.sector, DEFAULT_SECTOR_WEIGHT)
            if sector_weights
            else 1.0,
            "monitor": 1.0,
        }
        scored.append(
            Candidate(
                enterprise=enterprise,
                score=0.0,
                distance_m=round(distance),
                bearing_deg=round(bearing, 1),
                angle_off_deg=round(angle, 1),
                weights=weights,
                travel_minutes=round(distance / wind.speed_m_s / 60, 1)
                if wind.speed_m_s > 0.1
                else None,
            )
        )
    events = _monitor_events([c.enterprise.pk for c in scored], at)
    for candidate in scored:
        candidate.monitor_events = events.get(candidate.enterprise.pk, [])
        if any(e["kind"] == "alarm" for e in candidate.monitor_events):
            candidate.weights["monitor"] = MONITOR_FACTOR
        w = candidate.weights
        candidate.score = round(
            w["angle"] * w["distance"] * w["sector"] * w["monitor"], 5
        )
        candidate.explanation = _(
            "%(distance)d m away at %(bearing)s°, %(angle)s° off the wind from "
            "%(wind)s°; weights: angle %(wa)s × distance %(wd)s × sector %(ws)s × "
            "monitor %(wm)s"
        ) % {
            "distance": candidate.distance_m,
            "bearing": candidate.bearing_deg,
            "angle": candidate.angle_off_deg,
            "wind": wind.direction_deg,
            "wa": w["angle"],
            "wd": w["distance"],
            "ws": w["sector"],
            "wm": w["monitor"],
        }
        if candidate.travel_minutes is not None:
            candidate.explanation += _(
                "; air takes about %(minutes)s min to arrive"
            ) % {"minutes": candidate.travel_minutes}
    scored.sort(key=lambda c: (-c.score, c.distance_m))
    return TraceResult(
        lon=lon,
        lat=lat,
        at=at,
        wind=wind,
        radius_m=radius_m,
        category=category,
        candidates=scored[:limit],
        method=_(
            "Enterprises within %(radius)d m whose direction lies within "
            "%(cone)d° of where the wind comes from, scored by angle (Gaussian, "
            "σ=%(sigma)d°), distance (e^-d/%(scale)d m), sector likelihood for "
            "the complaint kind, and ×%(monitor)s for a monitor alarm within "
            "±%(hours)d h."
        )
        % {
            "radius": radius_m,
            "cone": half_angle,
            "sigma": sigma,
            "scale": scale,
            "monitor": MONITOR_FACTOR,
            "hours": EVENT_WINDOW.seconds // 3600,
        },
    )


def trace_request(
    *,
    user,
    alarm: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    at: datetime | None = None,
    wind_direction: float | None = None,
    wind_speed: float | None = None,
    radius_m: float = DEFAULT_RADIUS_M,
    category: str = "odour",
) -> TraceResult:
    """Trace from an alarm (its station and start) or a point; the wind is
    entered or read from the nearest station with wind sensors."""
    from django.shortcuts import get_object_or_404
    from django.utils import timezone

    from core.errors import InvalidInput

    if alarm is not None:
        alarm_obj = get_object_or_404(
            Alarm.objects.for_user(user).select_related("station"), pk=alarm
        )
        lon, lat = alarm_obj.station.lon, alarm_obj.station.lat
        at = at or alarm_obj.started_at
    at = at or timezone.now()
    if wind_direction is not None and wind_speed is not None:
        wind = Wind(wind_direction, wind_speed, _("entered"))
    else:
        wind = wind_at(user=user, lon=lon, lat=lat, at=at)
        if wind is None:
            raise InvalidInput(
                fields={
                    "wind_direction": [
                        _("No wind data near the point: enter the wind.")
                    ]
                }
            )
    return trace_sources(
        user=user,
        lon=lon,
        lat=lat,
        at=at,
        wind=wind,
        radius_m=radius_m,
        category=category,
    )

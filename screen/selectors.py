"""Reads behind the wall screen: one dict for one district, in a fixed number of
set-based queries whatever the number of stations, cells or enterprises."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Avg, Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.screen import JOINT_ACTIONS, screen_panel_provider
from credit.models import CreditCode
from enforcement.models import HealthCode
from grid.models import District, GridCell, Street, Ticket
from grid.selectors import user_scope
from monitoring.models import Alarm, HourlyRollup, Station, StationIndex
from monitoring.parameters import INDOOR_LIMITS, PARAMETERS
from screen.models import Kiosk

RECENT = timedelta(hours=6)  # "now" on the screen: the latest index within this
TICKET_POINTS = 400  # open tickets drawn on the map, newest first
NO_DATA = "#5f6b7a"
COLOURS = {"green": "#2ecc71", "yellow": "#f1c40f", "red": "#e74c3c"}
WATER_LABELS = ["I", "II", "III", "IV", "V", "劣V"]


def screen_district_ids(*, user) -> frozenset[int] | None:
    """The districts a viewer's screen shows: a kiosk its own district, bureau
    staff theirs, a superuser every district (``None``). Raises nothing: a user
    who may not see the screen gets an empty set."""
    kiosk = Kiosk.objects.active().filter(user_id=user.pk).first()
    if kiosk is not None:
        return frozenset({kiosk.district_id})
    scope = user_scope(user=user)
    if scope.is_superuser:
        return None
    return scope.district_ids


def _in(district_ids, field: str) -> Q:
    return Q() if district_ids is None else Q(**{f"{field}__in": district_ids})


def _round_ring(ring) -> list:
    return [[round(x, 5), round(y, 5)] for x, y in ring]


def _cell_shapes(district_ids) -> list[tuple[int, str, int, list]]:
    """Grid cells with their rounded rings, cached until a cell changes: the
    polygons are most of the payload's work and change a few times a year."""
    cells = GridCell.objects.filter(_in(district_ids, "street__district_id"))
    stamp = cells.aggregate(n=Count("pk"), changed=Max("updated_at"))
    key = "screen:cells:{}:{}:{}".format(
        "all" if district_ids is None else ",".join(map(str, sorted(district_ids))),
        stamp["n"],
        stamp["changed"].isoformat() if stamp["changed"] else "",
    )
    shapes = cache.get(key)
    if shapes is None:
        shapes = []
        for pk, code, street_id, geometry in cells.order_by("code").values_list(
            "pk", "code", "street_id", "geometry"
        ):
            kind = (geometry or {}).get("type")
            coordinates = (geometry or {}).get("coordinates") or []
            polygons = coordinates if kind == "MultiPolygon" else [coordinates]
            rings = [_round_ring(polygon[0]) for polygon in polygons if polygon]
            shapes.append((pk, code, street_id, rings))
        cache.set(key, shapes, 24 * 3600)
    return shapes


def _latest_station_indices(district_ids, now) -> dict[int, tuple]:
    """(value, label, colour) of each station's latest hourly index: AQI and
    noise within the last hours, water samples (less frequent) within two days."""
    latest: dict[int, tuple] = {}
    recent = Q(
        kind__in=[StationIndex.Kind.AQI_HOURLY, StationIndex.Kind.NOISE_HOURLY],
        period_start__gte=now - RECENT,
    ) | Q(
        kind=StationIndex.Kind.WATER_HOURLY, period_start__gte=now - timedelta(days=2)
    )
    for station_id, value, label, colour in (
        StationIndex.objects.filter(_in(district_ids, "station__district_id"), recent)
        .order_by("period_start")
        .values_list("station_id", "value", "label", "colour")
    ):
        latest[station_id] = (value, label, colour)
    return latest


def _map(district_ids, now) -> dict:
    open_by_cell = dict(
        Ticket.objects.open()
        .filter(_in(district_ids, "district_id"), grid_cell__isnull=False)
        .values_list("grid_cell_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    cell_rows = [
        {
            "code": code,
            "street": street_id,
            "rings": rings,
            "open_tickets": open_by_cell.get(pk, 0),
        }
        for pk, code, street_id, rings in _cell_shapes(district_ids)
    ]
    stations = list(
        Station.objects.filter(_in(district_ids, "district_id"))
        .exclude(status=Station.Status.RETIRED)
        .order_by("code")
        .values_list("pk", "code", "name", "kind", "lon", "lat")
    )
    latest = _latest_station_indices(district_ids, now)
    alarmed = set(
        Alarm.objects.filter(
            _in(district_ids, "station__district_id"), status=Alarm.Status.OPEN
        ).values_list("station_id", flat=True)
    )
    station_rows = []
    for pk, code, name, kind, lon, lat in stations:
        value, label, colour = latest.get(pk, (None, "", ""))
        if colour:
            label = f"{value:g} {label}".strip() if value is not None else label
        elif kind in Station.ENTERPRISE_KINDS or kind == Station.Kind.INDOOR_AIR:
            colour = COLOURS["red"] if pk in alarmed else COLOURS["green"]
            label = ""
        else:
            colour, label = NO_DATA, ""
        station_rows.append(
            {
                "code": code,
                "name": name,
                "kind": kind,
                "lon": lon,
                "lat": lat,
                "colour": colour,
                "label": label,
                "alarm": pk in alarmed,
            }
        )
    tickets = list(
        Ticket.objects.open()
        .filter(_in(district_ids, "district_id"))
        .order_by("-reported_at")
        .values_list("lon", "lat", "overdue_since")[:TICKET_POINTS]
    )
    return {
        "cells": cell_rows,
        "stations": station_rows,
        "tickets": [
            [round(lon, 5), round(lat, 5), overdue is not None]
            for lon, lat, overdue in tickets
        ],
    }


def _air(district_ids, now) -> dict:
    indices = StationIndex.objects.filter(
        _in(district_ids, "station__district_id"),
        station__kind=Station.Kind.AMBIENT_AIR,
        kind=StationIndex.Kind.AQI_HOURLY,
        period_start__gte=now - timedelta(hours=24),
        value__isnull=False,
    )
    trend = [
        {"hour": hour.isoformat(), "aqi": round(mean)}
        for hour, mean in indices.values_list("period_start")
        .annotate(mean=Avg("value"))
        .order_by("period_start")
        .values_list("period_start", "mean")
    ]
    latest: dict[int, tuple] = {}
    for station_id, value, label, colour in (
        indices.filter(period_start__gte=now - RECENT)
        .order_by("period_start")
        .values_list("station_id", "value", "label", "colour")
    ):
        latest[station_id] = (value, label, colour)
    values = [v[0] for v in latest.values()]
    categories = Counter((v[1], v[2]) for v in latest.values())
    return {
        "stations": len(latest),
        "aqi_mean": round(sum(values) / len(values)) if values else None,
        "aqi_max": round(max(values)) if values else None,
        "categories": [
            {"label": label, "colour": colour, "count": count}
            for (label, colour), count in sorted(categories.items())
        ],
        "trend": trend,
    }


def _water(district_ids, now) -> dict:
    latest: dict[int, tuple] = {}
    for station_id, level, target in (
        StationIndex.objects.filter(
            _in(district_ids, "station__district_id"),
            kind=StationIndex.Kind.WATER_HOURLY,
            period_start__gte=now - timedelta(days=2),
            level__isnull=False,
        )
        .order_by("period_start")
        .values_list("station_id", "level", "station__water_target")
    ):
        latest[station_id] = (level, target)
    counts = Counter(level for level, _target in latest.values())
    meeting = sum(
        1
        for level, target in latest.values()
        if target in WATER_LABELS and level <= WATER_LABELS.index(target) + 1
    )
    return {
        "stations": len(latest),
        "classes": [
            {"label": label, "count": counts.get(level, 0)}
            for level, label in enumerate(WATER_LABELS, start=1)
        ],
        "meeting_target": meeting,
    }


def _noise(district_ids, now) -> dict:
    latest: dict[int, tuple] = {}
    for station_id, value, exceeded in (
        StationIndex.objects.filter(
            _in(district_ids, "station__district_id"),
            kind=StationIndex.Kind.NOISE_HOURLY,
            period_start__gte=now - RECENT,
        )
        .order_by("period_start")
        .values_list("station_id", "value", "exceeded")
    ):
        latest[station_id] = (value, exceeded)
    values = [v for v, _e in latest.values() if v is not None]
    return {
        "stations": len(latest),
        "compliant": sum(1 for _v, exceeded in latest.values() if not exceeded),
        "exceeded": sum(1 for _v, exceeded in latest.values() if exceeded),
        "leq_max": round(max(values), 1) if values else None,
    }


def _indoor(district_ids, now) -> dict:
    latest: dict[tuple[int, str], float] = {}
    for station_id, parameter, mean in (
        HourlyRollup.objects.filter(
            _in(district_ids, "sensor__station__district_id"),
            sensor__station__kind=Station.Kind.INDOOR_AIR,
            sensor__parameter__in=list(INDOOR_LIMITS),
            hour_start__gte=now - RECENT,
        )
        .order_by("hour_start")
        .values_list("sensor__station_id", "sensor__parameter", "value_mean")
    ):
        latest[(station_id, parameter)] = mean
    by_parameter: dict[str, list[float]] = defaultdict(list)
    exceeded_stations = set()
    for (station_id, parameter), mean in latest.items():
        by_parameter[parameter].append(mean)
        if mean > INDOOR_LIMITS[parameter]:
            exceeded_stations.add(station_id)
    return {
        "stations": len({station_id for station_id, _p in latest}),
        "exceeded": len(exceeded_stations),
        "parameters": [
            {
                "parameter": parameter,
                "label": str(PARAMETERS[parameter].label),
                "unit": PARAMETERS[parameter].unit,
                "limit": limit,
                "max": round(max(by_parameter[parameter]), 3)
                if by_parameter[parameter]
                else None,
            }
            for parameter, limit in INDOOR_LIMITS.items()
        ],
    }


def _alarms_today(district_ids, now) -> dict:
    midnight = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    # today's alarms, and older ones still open: the room's business of the day
    alarms = Alarm.objects.filter(
        _in(district_ids, "station__district_id"),
        Q(started_at__gte=midnight) | Q(status=Alarm.Status.OPEN),
    )
    labels = dict(Alarm.Dispatch.choices)
    by_state = dict(
        alarms.values_list("dispatch_status").annotate(n=Count("id")).order_by()
    )
    recent = alarms.order_by("-started_at").values_list(
        "station__name",
        "rule__parameter",
        "started_at",
        "peak_value",
        "unit",
        "status",
        "dispatch_status",
        "ticket_ref",
    )[:12]
    rows = [
        {
            "station": name,
            "parameter": str(PARAMETERS[parameter].label)
            if parameter in PARAMETERS
            else parameter or "",
            "at": started.isoformat(),
            "peak": peak,
            "unit": unit,
            "open": status == Alarm.Status.OPEN,
            "dispatch": dispatch,
            "dispatch_label": str(labels.get(dispatch, dispatch)),
            "ticket": ticket,
        }
        for name, parameter, started, peak, unit, status, dispatch, ticket in recent
    ]
    return {
        "total": sum(by_state.values()),
        "by_dispatch": [
            {"state": state, "label": str(label), "count": by_state.get(state, 0)}
            for state, label in Alarm.Dispatch.choices
        ],
        "rows": rows,
    }


def _overdue_by_street(district_ids) -> dict:
    counts = (
        Ticket.objects.open()
        .filter(_in(district_ids, "district_id"))
        .values_list("street_id")
        .annotate(
            open=Count("id"), overdue=Count("id", filter=Q(overdue_since__isnull=False))
        )
        .order_by()
    )
    by_street = {
        street_id: (n_open, n_overdue) for street_id, n_open, n_overdue in counts
    }
    streets = Street.objects.filter(_in(district_ids, "district_id")).order_by("code")
    rows = [
        {
            "street": name,
            "open": by_street.get(pk, (0, 0))[0],
            "overdue": by_street.get(pk, (0, 0))[1],
        }
        for pk, name in streets.values_list("pk", "name")
    ]
    rows.sort(key=lambda row: (-row["overdue"], -row["open"], row["street"]))
    return {
        "total_open": sum(row["open"] for row in rows),
        "total_overdue": sum(row["overdue"] for row in rows),
        "streets": rows,
    }


def _distribution(queryset, field: str) -> list[dict]:
    counts = dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())
    return [
        {"colour": colour, "label": label, "count": counts.get(colour, 0)}
        for colour, label in (
            ("green", _("Green")),
            ("yellow", _("Yellow")),
            ("red", _("Red")),
        )
    ]


def _joint_actions(district_ids, now) -> dict:
    provider = screen_panel_provider(JOINT_ACTIONS)
    if provider is None:
        return {"available": False}
    data = provider(district_ids=district_ids, now=now)
    if data is None:
        return {"available": False}
    return {"available": True, **data}


def screen_data(*, district_ids, now: datetime | None = None) -> dict:
    """Everything the wall screen shows for these districts (``None``: all)."""
    now = now or timezone.now()
    names = list(
        District.objects.filter(_in(district_ids, "pk"))
        .order_by("name")
        .values_list("name", flat=True)
    )
    return {
        "generated_at": now.isoformat(),
        "district": "、".join(names),
        "map": _map(district_ids, now),
        "boards": {
            "air": _air(district_ids, now),
            "water": _water(district_ids, now),
            "noise": _noise(district_ids, now),
            "indoor": _indoor(district_ids, now),
        },
        "alarms_today": _alarms_today(district_ids, now),
        "overdue_tickets": _overdue_by_street(district_ids),
        "health_codes": _distribution(
            HealthCode.objects.filter(
                _in(district_ids, "enterprise__street__district_id")
            ),
            "colour",
        ),
        "credit_codes": _distribution(
            CreditCode.objects.filter(
                _in(district_ids, "enterprise__street__district_id"), is_current=True
            ),
            "colour",
        ),
        "joint_actions": _joint_actions(district_ids, now),
    }

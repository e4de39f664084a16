"""Mobile surveys (走航): upload a GPS track with readings, find its hotspots."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from core.geo import distance_m
from grid.models import District
from monitoring.models import Survey, SurveyHotspot, SurveyPoint
from monitoring.parameters import PARAMETERS
from monitoring.services.ingest import parse_time

MAX_POINTS = 100_000
MAX_REPORTED_PROBLEMS = 50


@dataclass
class TrackPoint:
    at: object
    lon: float
    lat: float
    value: float


@dataclass
class SurveyUpload:
    survey: Survey
    points: int
    skipped: int
    problems: list[dict] = field(default_factory=list)


def _point(line: int, at, lon, lat, value, problems: list) -> TrackPoint | None:
    try:
        moment = parse_time(at)
    except (TypeError, ValueError):
        problems.append({"line": line, "message": _("invalid time %(v)s") % {"v": at}})
        return None
    try:
        lon, lat, value = float(lon), float(lat), float(value)
    except (TypeError, ValueError):
        problems.append({"line": line, "message": _("not a number")})
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        problems.append({"line": line, "message": _("coordinates out of range")})
        return None
    if not math.isfinite(value) or value < 0:
        problems.append(
            {"line": line, "message": _("invalid value %(v)s") % {"v": value}}
        )
        return None
    return TrackPoint(moment, lon, lat, value)


def track_from_csv(data: bytes, problems: list) -> list[TrackPoint]:
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
    header = [cell.strip().lower() for cell in next(reader, [])]
    aliases = {
        "observed_at": "time",
        "longitude": "lon",
        "latitude": "lat",
        "lng": "lon",
    }
    header = [aliases.get(h, h) for h in header]
    missing = [c for c in ("time", "lon", "lat", "value") if c not in header]
    if missing:
        raise InvalidInput(
            fields={
                "file": [
                    _("Missing columns: %(columns)s") % {"columns": ", ".join(missing)}
                ]
            }
        )
    points = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append(
                {"line": reader.line_num, "message": _("wrong number of cells")}
            )
            continue
        row = dict(zip(header, values, strict=True))
        point = _point(
            reader.line_num, row["time"], row["lon"], row["lat"], row["value"], problems
        )
        if point:
            points.append(point)
    return points


def track_from_geojson(data: bytes, problems: list) -> list[TrackPoint]:
    """Point features with ``time`` and ``value`` properties, or one LineString
    feature with ``times`` and ``values`` arrays beside its coordinates."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput(fields={"file": [_("Not valid GeoJSON.")]}) from None
    features = document.get("features") if isinstance(document, dict) else None
    if document.get("type") == "Feature":
        features = [document]
    if not isinstance(features, list):
        raise InvalidInput(
            fields={"file": [_("Expected a GeoJSON FeatureCollection.")]}
        )
    points = []
    for number, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        props = (feature or {}).get("properties") or {}
        if geometry.get("type") == "Point":
            coords = geometry.get("coordinates") or [None, None]
            point = _point(
                number,
                props.get("time"),
                coords[0],
                coords[1],
                props.get("value"),
                problems,
            )
            if point:
                points.append(point)
        elif geometry.get("type") == "LineString":
            coords = geometry.get("coordinates") or []
            times, values = props.get("times") or [], props.get("values") or []
            if not len(coords) == len(times) == len(values):
                problems.append(
                    {
                        "line": number,
                        "message": _("times and values must match the coordinates"),
                    }
                )
                continue
            for index, (c, t, v) in enumerate(zip(coords, times, values, strict=True)):
                point = _point(index + 1, t, c[0], c[1], v, problems)
                if point:
                    points.append(point)
        else:
            problems.append({"line": number, "message": _("not a Point or LineString")})
    return points


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def hotspots_find(points: list[TrackPoint], p: float) -> list[dict]:
    """Runs of consecutive points above the ``p`` percentile (at it, when the
    top values tie), ranked by their peak."""
    threshold = percentile([pt.value for pt in points], p)
    strictly = any(pt.value > threshold for pt in points)
    runs: list[list[int]] = []
    current: list[int] = []
    for index, point in enumerate(points):
        if point.value > threshold or (not strictly and point.value >= threshold):
            current.append(index)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    hotspots = []
    for run in runs:
        members = [points[i] for i in run]
        length = sum(
            distance_m(a.lat, a.lon, b.lat, b.lon)
            for a, b in zip(members, members[1:], strict=False)
        )
        hotspots.append(
            {
                "first_seq": run[0],
                "last_seq": run[-1],
                "started_at": members[0].at,
                "ended_at": members[-1].at,
                "peak_value": max(m.value for m in members),
                "mean_value": sum(m.value for m in members) / len(members),
                "lon": sum(m.lon for m in members) / len(members),
                "lat": sum(m.lat for m in members) / len(members),
                "length_m": round(length, 1),
            }
        )
    hotspots.sort(key=lambda h: -h["peak_value"])
    return hotspots


@transaction.atomic
def survey_create(
    *,
    user,
    name: str,
    district: District,
    parameter: str,
    data: bytes,
    filename: str = "",
    hotspot_percentile: float = 95,
    notes: str = "",
) -> SurveyUpload:
    """Store a survey track (CSV with time, lon, lat, value; or GeoJSON) and its
    hotspots. Bad lines are skipped and reported; the rest is stored."""
    if parameter not in PARAMETERS:
        raise InvalidInput(fields={"parameter": [_("Unknown parameter.")]})
    if not 0 < hotspot_percentile < 100:
        raise InvalidInput(
            fields={"hotspot_percentile": [_("Between 0 and 100 (exclusive).")]}
        )
    problems: list[dict] = []
    text_start = data.lstrip()[:1]
    if filename.lower().endswith((".geojson", ".json")) or text_start in (b"{", b"["):
        points = track_from_geojson(data, problems)
    else:
        points = track_from_csv(data, problems)
    if len(points) > MAX_POINTS:
        raise InvalidInput(
            fields={"file": [_("At most %(n)d points.") % {"n": MAX_POINTS}]}
        )
    if len(points) < 2:
        raise InvalidInput(
            fields={
                "file": [_("A track needs at least two valid points.")],
                "problems": problems[:MAX_REPORTED_PROBLEMS],
            }
        )
    points.sort(key=lambda p: p.at)
    survey = Survey.objects.create(
        name=name,
        district=district,
        parameter=parameter,
        unit=PARAMETERS[parameter].unit,
        started_at=points[0].at,
        ended_at=points[-1].at,
        hotspot_percentile=hotspot_percentile,
        notes=notes,
        uploaded_by=user,
    )
    SurveyPoint.objects.bulk_create(
        [
            SurveyPoint(
                survey=survey,
                seq=i,
                observed_at=p.at,
                lon=p.lon,
                lat=p.lat,
                value=p.value,
            )
            for i, p in enumerate(points)
        ],
        batch_size=5000,
    )
    SurveyHotspot.objects.bulk_create(
        SurveyHotspot(survey=survey, rank=rank, **hotspot)
        for rank, hotspot in enumerate(
            hotspots_find(points, hotspot_percentile), start=1
        )
    )
    return SurveyUpload(
        survey=survey,
        points=len(points),
        skipped=len(problems),
        problems=problems[:MAX_REPORTED_PROBLEMS],
    )

"""Writes for geography and people."""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.validation import explain_validity

from core.errors import InvalidInput
from core.geo import geometry_from_geojson
from grid.models import District, GridCell, Street

# Two cells may share an edge; overlapping by more than this (in square degrees,
# roughly 1 m^2 at Shanghai's latitude) is a real overlap.
OVERLAP_TOLERANCE_DEG2 = 1e-10


def _bbox_fields(geometry) -> dict:
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    return {
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
    }


def _checked_polygon(geojson) -> tuple[object | None, str | None]:
    """A valid polygon from GeoJSON, or the reason it is not one."""
    try:
        geometry = geometry_from_geojson(geojson)
    except Exception:  # noqa: BLE001 - any malformed GeoJSON is the same user error
        return None, _("not a GeoJSON geometry")
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return None, _("geometry must be a Polygon or MultiPolygon, not %(type)s") % {
            "type": geometry.geom_type
        }
    if geometry.is_empty:
        return None, _("geometry is empty")
    if not geometry.is_valid:
        return None, _("invalid polygon: %(reason)s") % {
            "reason": explain_validity(geometry)
        }
    return geometry, None


def grid_cell_save(*, street: Street, code: str, name: str, geometry: dict) -> GridCell:
    """Create or update one cell; refuses invalid or overlapping polygons."""
    polygon, problem = _checked_polygon(geometry)
    if problem:
        raise InvalidInput(fields={"geometry": [problem]})
    overlapping = _overlapping_codes(polygon, exclude_code=code)
    if overlapping:
        raise InvalidInput(
            fields={
                "geometry": [
                    _("overlaps grid cell %(codes)s")
                    % {"codes": ", ".join(overlapping)}
                ]
            }
        )
    cell, _created = GridCell.objects.update_or_create(
        code=code,
        defaults={
            "street": street,
            "name": name,
            "geometry": shapely.geometry.mapping(polygon),
            **_bbox_fields(polygon),
        },
    )
    return cell


def _overlapping_codes(polygon, *, exclude_code: str) -> list[str]:
    min_lon, min_lat, max_lon, max_lat = polygon.bounds
    candidates = GridCell.objects.in_bbox(
        west=min_lon, south=min_lat, east=max_lon, north=max_lat
    ).exclude(code=exclude_code)
    return [
        cell.code
        for cell in candidates
        if polygon.intersection(geometry_from_geojson(cell.geometry)).area
        > OVERLAP_TOLERANCE_DEG2
    ]


@dataclass
class GridImportReport:
    created: int = 0
    updated: int = 0
    errors: list[dict] = field(
        default_factory=list
    )  # {"feature": n, "code": ..., "field":, "message":}
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors


def grid_cells_import(
    *, district: District, feature_collection: dict, dry_run: bool = True
) -> GridImportReport:
    """Import grid cells from a GeoJSON FeatureCollection.

    Each feature needs properties ``code``, ``name`` and ``street_code`` (a new
    street also needs ``street_name``). Every bad feature is reported with its
    reason; nothing is written unless all features are good and ``dry_run`` is off.
    """
    report = GridImportReport(dry_run=dry_run)
    features = (
        feature_collection.get("features")
        if isinstance(feature_collection, dict)
        else None
    )
    if not isinstance(features, list):
        raise InvalidInput(fields={"file": [_("expected a GeoJSON FeatureCollection")]})

    streets = {s.code: s for s in Street.objects.filter(district=district)}
    existing = {c.code for c in GridCell.objects.filter(street__district=district)}
    accepted: list[tuple[int, dict, object]] = []

    def error(number: int, code: str, field_name: str, message: str) -> None:
        report.errors.append(
            {
                "feature": number,
                "code": code,
                "field": field_name,
                "message": str(message),
            }
        )

    seen_codes: set[str] = set()
    for number, feature in enumerate(features, start=1):
        props = (feature or {}).get("properties") or {}
        code = str(props.get("code") or "").strip()
        if not code:
            error(number, code, "code", _("code is required"))
            continue
        if code in seen_codes:
            error(number, code, "code", _("code appears twice in the file"))
            continue
        seen_codes.add(code)
        if not str(props.get("name") or "").strip():
            error(number, code, "name", _("name is required"))
            continue
        street_code = str(props.get("street_code") or "").strip()
        if street_code not in streets and not props.get("street_name"):
            error(
                number,
                code,
                "street_code",
                _("unknown street %(street)s") % {"street": street_code},
            )
            continue
        polygon, problem = _checked_polygon((feature or {}).get("geometry") or {})
        if problem:
            error(number, code, "geometry", problem)
            continue
        accepted.append((number, props, polygon))

    # Overlaps within the file, then against cells already stored but not replaced.
    tree = shapely.STRtree([polygon for _n, _props, polygon in accepted])
    for i, (number, props, polygon) in enumerate(accepted):
        for j in tree.query(polygon, predicate="intersects"):
            j = int(j)
            if j == i:
                continue
            if polygon.intersection(accepted[j][2]).area > OVERLAP_TOLERANCE_DEG2:
                error(
                    number,
                    props["code"],
                    "geometry",
                    _("overlaps feature %(other)s in the file")
                    % {"other": accepted[j][1]["code"]},
                )
                break
        else:
            others = [
                c
                for c in _overlapping_codes(polygon, exclude_code=props["code"])
                if c not in seen_codes
            ]
            if others:
                error(
                    number,
                    props["code"],
                    "geometry",
                    _("overlaps grid cell %(codes)s") % {"codes": ", ".join(others)},
                )

    report.errors.sort(key=lambda e: e["feature"])
    report.created = sum(
        1 for _n, props, _p in accepted if props["code"] not in existing
    )
    report.updated = len(accepted) - report.created
    if dry_run or report.errors:
        return report

    with transaction.atomic():
        for _number, props, polygon in accepted:
            street_code = str(props["street_code"]).strip()
            street = streets.get(street_code)
            if street is None:
                street = Street.objects.create(
                    district=district,
                    code=street_code,
                    name=str(props["street_name"]).strip(),
                )
                streets[street_code] = street
            GridCell.objects.update_or_create(
                code=props["code"],
                defaults={
                    "street": street,
                    "name": str(props["name"]).strip(),
                    "geometry": shapely.geometry.mapping(polygon),
                    **_bbox_fields(polygon),
                },
            )
    return report

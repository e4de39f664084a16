"""Geo helpers. Coordinates are WGS-84 (lon, lat) everywhere in storage."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import shapely
from shapely.geometry import shape

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = (
        math.sin(dphi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlmb = math.radians(lon2 - lon1)
    x = math.sin(dlmb) * math.cos(phi2)
    y = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(
        dlmb
    )
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def geometry_from_geojson(geojson: dict):
    """A shapely geometry from a GeoJSON geometry dict (or a Feature)."""
    if geojson.get("type") == "Feature":
        geojson = geojson["geometry"]
    return shape(geojson)


class PolygonIndex:
    """Point-in-polygon lookup over many polygons (an STRtree)."""

    def __init__(self, items: Iterable[tuple[int, dict]]):
        keys, geometries = [], []
        for key, geojson in items:
            keys.append(key)
            geometries.append(geometry_from_geojson(geojson))
        self._keys = keys
        self._geometries = geometries
        self._tree = shapely.STRtree(geometries)

    def __len__(self) -> int:
        return len(self._keys)

    def locate(self, lon: float, lat: float) -> int | None:
        """The key of the polygon that contains the point, or None."""
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self._keys[int(min(hits))] if len(hits) else None

    def locate_many(self, points: Sequence[tuple[float, float]]) -> list[int | None]:
        """Keys for many (lon, lat) points at once (vectorised)."""
        result: list[int | None] = [None] * len(points)
        if not points:
            return result
        geoms = shapely.points([p[0] for p in points], [p[1] for p in points])
        point_idx, poly_idx = self._tree.query(geoms, predicate="intersects")
        for p, g in zip(point_idx.tolist(), poly_idx.tolist(), strict=True):
            if result[p] is None:  # a point on a shared edge goes to the first cell
                result[p] = self._keys[g]
        return result


# WGS-84 -> GCJ-02 ("Mars coordinates") for display on Amap/Tencent tiles.
# Never stored: see DESIGN.md section 5.
_A = 6378245.0
_EE = 0.00669342162296594323


def _out_of_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    )
    ret += (
        (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi))
        * 2
        / 3
    )
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    ret += (
        (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0))
        * 2
        / 3
    )
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (
        (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi))
        * 2
        / 3
    )
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    ret += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi))
        * 2
        / 3
    )
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Shift a WGS-84 point onto GCJ-02 tiles; points outside China are unchanged."""
    if _out_of_china(lon, lat):
        return lon, lat
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat

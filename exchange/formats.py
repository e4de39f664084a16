"""Streaming encoders: a dataset's rows as CSV, JSON or GeoJSON, a chunk of
text at a time, so an export of any size runs in constant memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import timezone

from exchange.datasets import Dataset
from exchange.selectors import Deletion, Window

CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
}
EXTENSIONS = {"json": "json", "csv": "csv", "geojson": "geojson"}
ROWS_PER_CHUNK = 2000
# Spreadsheet programs run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _iso(value) -> str | None:
    """RFC 3339. An aware datetime is written in UTC: in local time a date
    before 1900 would carry Shanghai's mean-time offset (+08:05:43), which
    RFC 3339 cannot express."""
    if value is None:
        return None
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = value.astimezone(UTC)
    return value.isoformat()


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def _list(value) -> list:
    return list(value or [])


def _same(value):
    return value


CONVERTERS: dict[str, Callable] = {
    "text": _same,
    "int": _same,
    "float": _same,
    "bool": _same,
    "decimal": _decimal,
    "date": _iso,
    "datetime": _iso,
    "list": _list,
}


def _converters(dataset: Dataset) -> list[Callable]:
    return [CONVERTERS[column.kind] for column in dataset.columns]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not isinstance(value, int | float):
        return "'" + text
    return text


def _batched(rows: Iterable, size: int = ROWS_PER_CHUNK) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _window_header(dataset: Dataset, window: Window) -> dict:
    return {
        "dataset": dataset.name,
        "updated_since": _iso(window.since),
        "updated_until": _iso(window.until),
        "watermark": _iso(window.until),
    }


def _deletions(deletions: list[Deletion]) -> list[dict]:
    return [
        {"id": d.id, "key": d.key, "deleted_at": d.deleted_at.isoformat()}
        for d in deletions
    ]


def encode_csv(
    dataset: Dataset, rows: Iterable[tuple], deletions: list[Deletion], window
) -> Iterator[str]:
    """One header row of column keys and a last column ``deleted_at``: empty for
    live rows; a deleted row carries only its id, its key and that time."""
    keys = [column.key for column in dataset.columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*keys, "deleted_at"])
    yield buffer.getvalue()
    for batch in _batched(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([*map(_csv_cell, row), ""] for row in batch)
        yield buffer.getvalue()
    if deletions:
        buffer.seek(0)
        buffer.truncate()
        id_at = keys.index("id") if "id" in keys else None
        key_at = keys.index(dataset.key) if dataset.key in keys else None
        for deletion in deletions:
            row = [""] * (len(keys) + 1)
            if id_at is not None:
                row[id_at] = str(deletion.id)
            if key_at is not None:
                row[key_at] = deletion.key
            row[-1] = deletion.deleted_at.isoformat()
            writer.writerow(row)
        yield buffer.getvalue()


def encode_json(
    dataset: Dataset, rows: Iterable[tuple], deletions: list[Deletion], window
) -> Iterator[str]:
    """``{"dataset", "updated_since", "updated_until", "watermark", "items":
    [...], "deleted": [...]}``, written as it is read."""
    keys = [column.key for column in dataset.columns]
    converters = _converters(dataset)
    head = _dumps(_window_header(dataset, window))
    yield head[:-1] + ',"items":['
    first = True
    for batch in _batched(rows):
        text = ",".join(
            _dumps({k: c(v) for k, c, v in zip(keys, converters, row, strict=True)})
            for row in batch
        )
        yield text if first else "," + text
        first = False
    yield '],"deleted":' + _dumps(_deletions(deletions)) + "}"


def encode_geojson(
    dataset: Dataset, rows: Iterable[tuple], deletions: list[Deletion], window
) -> Iterator[str]:
    """A FeatureCollection of points (WGS-84, [lon, lat]); the window and the
    deletions ride along as foreign members (RFC 7946 section 6.1)."""
    keys = [column.key for column in dataset.columns]
    converters = _converters(dataset)
    sources = [column.source for column in dataset.columns]
    lon_at, lat_at = (sources.index(s) for s in dataset.geometry)
    id_at = keys.index("id") if "id" in keys else None
    head = _dumps({"type": "FeatureCollection", **_window_header(dataset, window)})
    yield head[:-1] + ',"features":['
    first = True
    for batch in _batched(rows):
        features = []
        for row in batch:
            lon, lat = row[lon_at], row[lat_at]
            feature = {
                "type": "Feature",
                "geometry": (
                    None
                    if lon is None or lat is None
                    else {"type": "Point", "coordinates": [lon, lat]}
                ),
                "properties": {
                    k: c(v) for k, c, v in zip(keys, converters, row, strict=True)
                },
            }
            if id_at is not None:
                feature["id"] = row[id_at]
            features.append(_dumps(feature))
        text = ",".join(features)
        yield text if first else "," + text
        first = False
    yield '],"deleted":' + _dumps(_deletions(deletions)) + "}"


ENCODERS = {"json": encode_json, "csv": encode_csv, "geojson": encode_geojson}


def encode(
    file_format: str,
    dataset: Dataset,
    rows: Iterable[tuple],
    deletions: list[Deletion],
    window: Window,
) -> Iterator[str]:
    return ENCODERS[file_format](dataset, rows, deletions, window)

"""The enterprise export carries each enterprise's city lists (key supervision,
positive list), in every format, read a chunk at a time; an enterprise whose
tags change comes again in the next incremental sync."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange import services
from exchange.models import CityList, CityListChange
from tests.exchange.test_exports import URL, body, export

pytestmark = pytest.mark.usefixtures("city_lists")


def _apply(world, admin, code: str, usccs: list[str]):
    return services.city_list_import(
        city_list=CityList.objects.get(code=code),
        district=world.district,
        user=admin,
        rows=[(line, uscc, "") for line, uscc in enumerate(usccs, start=2)],
    )


def _tags(items) -> dict[str, list[str]]:
    return {item["uscc"]: item["city_lists"] for item in items}


def test_the_enterprise_export_names_each_enterprises_city_lists(
    city, world, bureau_admin
):
    x, y = world.enterprise_x.uscc, world.enterprise_y.uscc
    _apply(world, bureau_admin, "key-supervision", [x])
    _apply(world, bureau_admin, "positive-list", [x, y])

    assert _tags(export(city)["items"]) == {
        x: ["key-supervision", "positive-list"],
        y: ["positive-list"],
    }
    features = export(city, format="geojson")["features"]
    assert _tags([f["properties"] for f in features])[y] == ["positive-list"]
    rows = list(csv.DictReader(io.StringIO(body(city.get(URL, {"format": "csv"})))))
    assert {r["uscc"]: r["city_lists"] for r in rows} == {
        x: "key-supervision;positive-list",
        y: "positive-list",
    }


def test_an_enterprise_on_no_list_has_an_empty_list(city, world):
    assert {tuple(i["city_lists"]) for i in export(city)["items"]} == {()}


def test_the_tags_cost_one_query_per_chunk_not_per_row(
    city, world, bureau_admin, settings
):
    settings.EXCHANGE_CHUNK_SIZE = 1  # two enterprises: two chunks
    _apply(world, bureau_admin, "positive-list", [world.enterprise_x.uscc])
    with CaptureQueriesContext(connection) as two_chunks:
        body(city.get(URL))
    settings.EXCHANGE_CHUNK_SIZE = 2000
    with CaptureQueriesContext(connection) as one_chunk:
        body(city.get(URL))
    tag_reads = [
        q for q in one_chunk.captured_queries if "exchange_citylistentry" in q["sql"]
    ]
    assert len(tag_reads) == 1
    assert len(two_chunks) - len(one_chunk) == 1


def test_an_enterprise_whose_tags_change_comes_again_in_the_next_sync(
    city, world, bureau_admin
):
    x = world.enterprise_x.uscc
    watermark = export(city)["watermark"]
    _apply(world, bureau_admin, "key-supervision", [x])
    added = export(city, updated_since=watermark)
    assert _tags(added["items"]) == {x: ["key-supervision"]}

    _apply(world, bureau_admin, "key-supervision", [])  # taken off again
    removed = export(city, updated_since=added["watermark"])
    assert _tags(removed["items"]) == {x: []}
    assert export(city, updated_since=removed["watermark"])["items"] == []
    # the removal is on the record, not only gone from the entries
    assert list(
        CityListChange.objects.order_by("id").values_list("action", flat=True)
    ) == ["added", "removed"]

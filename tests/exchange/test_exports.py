"""The city's read API: streamed exports, the watermark, scoping, bad input."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from enforcement.models import Enterprise
from exchange import services
from exchange.models import ExchangeClient
from tests.conftest import make_uscc

URL = "/api/v1/exchange/enterprises/"


def body(response) -> str:
    assert response.streaming, "exports are streamed"
    return b"".join(response.streaming_content).decode()


def export(client, url=URL, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return json.loads(body(response))


def test_city_export_streams_the_district_enterprises_only(
    city, world, foreign_enterprise
):
    data = export(city)
    usccs = {item["uscc"] for item in data["items"]}
    assert usccs == {world.enterprise_x.uscc, world.enterprise_y.uscc}
    assert foreign_enterprise.uscc not in usccs
    item = next(i for i in data["items"] if i["uscc"] == world.enterprise_x.uscc)
    assert item["district_code"] == "310104"
    assert item["street_code"] == "A"
    assert item["lon"] == pytest.approx(121.41)
    assert data["updated_since"] is None and data["deleted"] == []


def test_a_client_of_the_partner_district_sees_only_that_district(
    world, foreign_enterprise
):
    from rest_framework.test import APIClient

    _client, key = services.exchange_client_create(
        name="邻市平台", districts=[world.partner_district]
    )
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {key}")
    data = export(client)
    assert [item["uscc"] for item in data["items"]] == [foreign_enterprise.uscc]


def test_incremental_export_returns_only_rows_changed_since_the_watermark(city, world):
    first = export(city)
    watermark = first["watermark"]
    assert len(first["items"]) == 2

    assert export(city, updated_since=watermark)["items"] == []

    Enterprise.objects.filter(pk=world.enterprise_y.pk).update(
        name="乙汽修（新址）", updated_at=timezone.now()
    )
    changed = export(city, updated_since=watermark)
    assert [i["uscc"] for i in changed["items"]] == [world.enterprise_y.uscc]
    assert changed["items"][0]["name"] == "乙汽修（新址）"
    assert changed["updated_since"] is not None
    assert changed["watermark"] >= watermark


def test_the_watermark_is_also_a_header(city):
    response = city.get(URL)
    assert response["X-Exchange-Watermark"]
    assert json.loads(body(response))["watermark"] == response["X-Exchange-Watermark"]


def test_rows_changed_after_the_window_end_wait_for_the_next_window(city, world):
    past = timezone.now() - timedelta(hours=2)
    Enterprise.objects.filter(pk=world.enterprise_x.pk).update(updated_at=past)
    data = export(city, updated_until=(past + timedelta(minutes=1)).isoformat())
    assert [i["uscc"] for i in data["items"]] == [world.enterprise_x.uscc]


def test_a_reversed_window_is_refused_naming_the_field(city):
    now = timezone.now()
    response = city.get(
        URL,
        {
            "updated_since": now.isoformat(),
            "updated_until": (now - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "updated_until" in response.json()["fields"]
    assert (
        "before" in response.json()["fields"]["updated_until"][0]
        or "早于" in (response.json()["fields"]["updated_until"][0])
    )


def test_the_window_is_echoed_in_utc_even_for_a_date_before_1900(city):
    """In Shanghai time a date before 1900 has a +08:05:43 offset, which RFC
    3339 (the schema's date-time) cannot express."""
    data = export(city, updated_since="0267-11-21T20:42:43.6Z")
    assert data["updated_since"] == "0267-11-21T20:42:43.600000+00:00"


def test_a_day_windowed_export_since_the_first_days_of_the_calendar(city):
    """The days that may have changed start a lookback before ``since``: from
    the year 1 that is every day, not an overflow."""
    response = city.get(
        "/api/v1/exchange/monitoring-daily/",
        {"format": "csv", "updated_since": "0001-01-02T01:19:50+01:00"},
    )
    assert response.status_code == 200
    header = next(csv.reader(io.StringIO(body(response))))
    assert header[0] == "station_code"


def test_a_malformed_time_is_refused_naming_the_field(city):
    response = city.get(URL, {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert "updated_since" in response.json()["fields"]


def test_geojson_only_for_datasets_with_locations(city):
    response = city.get("/api/v1/exchange/health-codes/", {"format": "geojson"})
    assert response.status_code == 400
    assert "format" in response.json()["fields"]


def test_csv_export_has_the_documented_columns(city, world):
    response = city.get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert {r["uscc"] for r in rows} == {
        world.enterprise_x.uscc,
        world.enterprise_y.uscc,
    }
    assert list(rows[0])[:3] == ["id", "uscc", "name"]
    assert list(rows[0])[-1] == "deleted_at"
    assert all(r["deleted_at"] == "" for r in rows)


def test_csv_cells_that_look_like_formulas_are_defused(city, world):
    Enterprise.objects.filter(pk=world.enterprise_x.pk).update(address="=HYPERLINK()")
    rows = list(csv.DictReader(io.StringIO(body(city.get(URL, {"format": "csv"})))))
    address = next(r for r in rows if r["uscc"] == world.enterprise_x.uscc)["address"]
    assert address == "'=HYPERLINK()"


def test_geojson_export_gives_points_in_wgs84(city, world):
    response = city.get(URL, {"format": "geojson"})
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(body(response))
    assert data["type"] == "FeatureCollection"
    feature = next(
        f
        for f in data["features"]
        if f["properties"]["uscc"] == world.enterprise_x.uscc
    )
    assert feature["geometry"] == {"type": "Point", "coordinates": [121.41, 31.21]}
    assert feature["id"] == world.enterprise_x.pk


def test_a_large_export_is_streamed_in_chunks(city, world):
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                uscc=make_uscc(10_000 + n),
                name=f"企业{n}",
                sector="catering",
                lon=121.41,
                lat=31.21,
                street=world.street_a,
            )
            for n in range(4500)
        ]
    )
    response = city.get(URL, {"format": "csv"})
    chunks = list(response.streaming_content)
    assert len(chunks) >= 3  # header, then a chunk per 2,000 rows
    assert b"".join(chunks).decode().count("\n") == 4500 + 2 + 1


def test_every_dataset_exports_in_every_format_it_offers(city):
    datasets = city.get("/api/v1/exchange/datasets/").json()
    assert {d["name"] for d in datasets} == {
        "enterprises",
        "health-codes",
        "credit-codes",
        "inspections",
        "penalties",
        "tickets",
        "monitoring-daily",
    }
    for dataset in datasets:
        for file_format in dataset["formats"]:
            response = city.get(
                f"/api/v1/exchange/{dataset['name']}/", {"format": file_format}
            )
            assert response.status_code == 200, (dataset["name"], file_format)
            body(response)


def test_dataset_labels_follow_the_language(city):
    datasets = city.get("/api/v1/exchange/datasets/").json()
    enterprises = next(d for d in datasets if d["name"] == "enterprises")
    assert enterprises["label"] == "企业"
    assert enterprises["columns"][1] == {
        "key": "uscc",
        "label": "统一社会信用代码",
        "type": "text",
    }


# ------------------------------------------------------------- authentication


def test_without_a_key_the_export_is_refused(api, world):
    assert api().get(URL).status_code == 401


def test_a_wrong_or_revoked_key_is_refused(world, city, city_key):
    from rest_framework.test import APIClient

    wrong = APIClient(HTTP_AUTHORIZATION="Bearer not-a-key")
    assert wrong.get(URL).status_code == 401
    ExchangeClient.objects.update(is_active=False)
    assert city.get(URL).status_code == 401


def test_the_city_key_is_read_only(city):
    assert city.post(URL, {}).status_code in (403, 405)
    assert city.post("/api/v1/exchange/city-list-imports/", {}).status_code == 401


def test_the_city_key_opens_nothing_outside_the_exchange(city):
    assert city.get("/api/v1/enforcement/enterprises/").status_code == 401


def test_a_rotated_key_replaces_the_old_one(world, city):
    from rest_framework.test import APIClient

    client = ExchangeClient.objects.get()
    new_key = services.exchange_client_rotate(client=client)
    assert city.get(URL).status_code == 401
    fresh = APIClient(HTTP_AUTHORIZATION=f"Bearer {new_key}")
    assert fresh.get(URL).status_code == 200
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_bureau_staff_export_their_district(
    api, bureau_officer, world, foreign_enterprise
):
    data = export(api(bureau_officer))
    assert foreign_enterprise.uscc not in {i["uscc"] for i in data["items"]}
    assert len(data["items"]) == 2


def test_street_officers_and_enterprises_may_not_export(
    api, officer_a, enterprise_user_x
):
    assert api(officer_a).get(URL).status_code == 403
    assert api(enterprise_user_x).get(URL).status_code == 403

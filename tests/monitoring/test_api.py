"""The monitoring API: scoped reads, bulk ingestion, alarm actions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.models import Alarm, IngestBatch, Reading, Rule, Station
from monitoring.services import readings_ingest, rollups_update, rules_evaluate
from tests.monitoring.conftest import item

pytestmark = pytest.mark.django_db
URL = "/api/v1/monitoring"


@pytest.fixture
def stations(air_station, water_station, fume_station, outlet_station_y):
    return {
        "air": air_station,
        "water": water_station,
        "fume": fume_station,
        "outlet_y": outlet_station_y,
    }


def codes(response):
    return sorted(row["code"] for row in response.data["results"])


def test_bureau_sees_every_station_of_its_district(api, stations, bureau_officer):
    response = api(bureau_officer).get(f"{URL}/stations/")
    assert codes(response) == ["AIR-A", "FUME-X", "OUT-Y", "WATER-B"]


def test_street_officer_sees_only_their_streets_stations(api, stations, officer_a):
    assert codes(api(officer_a).get(f"{URL}/stations/")) == ["AIR-A", "FUME-X"]


def test_enterprise_user_sees_only_its_own_monitors(
    api, stations, enterprise_user_x, enterprise_user_y
):
    assert codes(api(enterprise_user_x).get(f"{URL}/stations/")) == ["FUME-X"]
    response = api(enterprise_user_x).get(f"{URL}/stations/{stations['outlet_y'].pk}/")
    assert response.status_code == 404


def test_partner_officer_sees_no_station(api, stations, partner_officer):
    assert codes(api(partner_officer).get(f"{URL}/stations/")) == []


def test_station_list_has_a_fixed_number_of_queries(
    api, stations, world, bureau_officer, django_assert_max_num_queries
):
    from monitoring.services import station_create

    for n in range(10):
        station_create(
            code=f"EXTRA-{n}",
            name="x",
            kind=Station.Kind.NOISE,
            lon=121.41,
            lat=31.21,
            district=world.district,
            noise_zone="1",
        )
    client = api(bureau_officer)
    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}/stations/")
    assert response.data["count"] == 14


def test_bulk_json_stores_and_reports_rejections(api, stations, bureau_officer):
    now = timezone.now().replace(microsecond=0)
    body = [
        item(stations["air"], "PM2_5", now - timedelta(minutes=1), 30),
        item(stations["air"], "PM2_5", now, -5),
    ]
    response = api(bureau_officer).post(f"{URL}/readings/bulk/", body, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["stored"], response.data["rejected"]) == (1, 1)
    assert response.data["rejections"][0]["reason"] == "negative"


def test_bulk_json_lines_with_idempotency_key_is_stored_once(
    api, stations, bureau_officer
):
    now = timezone.now().replace(microsecond=0)
    lines = "\n".join(
        json.dumps(item(stations["air"], "NO2", now - timedelta(minutes=m), 20))
        for m in range(3)
    )
    client = api(bureau_officer)
    for _ in range(2):
        response = client.generic(
            "POST",
            f"{URL}/readings/bulk/",
            lines,
            content_type="application/x-ndjson",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )
        assert response.status_code == 200
        assert response.data["stored"] == 3  # the replay answers the same
    assert Reading.objects.count() == 3
    assert IngestBatch.objects.count() == 1
    response = client.generic(
        "POST",
        f"{URL}/readings/bulk/",
        lines + "\n",
        content_type="application/x-ndjson",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    assert response.status_code == 409


def test_bulk_csv_upload(api, stations, bureau_officer):
    now = timezone.localtime().replace(microsecond=0)
    body = (
        "station,parameter,time,value\n"
        f"AIR-A,PM10,{now.isoformat()},55\n"
        "AIR-A,PM10,broken\n"
    )
    response = api(bureau_officer).generic(
        "POST", f"{URL}/readings/bulk/", body, content_type="text/csv"
    )
    assert response.status_code == 200
    assert (response.data["stored"], response.data["rejected"]) == (1, 1)
    assert response.data["rejections"][0]["line"] == 3


def test_enterprise_may_submit_only_its_own_monitors_readings(
    api, stations, enterprise_user_x
):
    now = timezone.now().replace(microsecond=0)
    body = [
        item(stations["fume"], "fume", now, 0.4),
        item(stations["outlet_y"], "COD", now, 30),
    ]
    response = api(enterprise_user_x).post(f"{URL}/readings/bulk/", body, format="json")
    assert response.data["stored"] == 1
    assert response.data["rejections"][0]["reason"] == "unknown_station"


def test_street_officers_may_not_submit_readings(api, stations, officer_a):
    response = api(officer_a).post(f"{URL}/readings/bulk/", [], format="json")
    assert response.status_code == 403


def test_reading_list_needs_a_sensor_or_station_and_a_bounded_range(
    api, stations, bureau_officer
):
    client = api(bureau_officer)
    response = client.get(f"{URL}/readings/")
    assert response.status_code == 400
    assert "sensor" in response.data["fields"]
    sensor = stations["air"].sensors.get(parameter="PM2_5")
    now = timezone.now().replace(microsecond=0)
    readings_ingest(
        items=[
            item(stations["air"], "PM2_5", now - timedelta(minutes=m), m)
            for m in range(5)
        ],
        source="json",
        follow_up=False,
    )
    response = client.get(f"{URL}/readings/", {"sensor": sensor.pk})
    assert response.status_code == 200
    assert len(response.data["results"]) == 5
    response = client.get(
        f"{URL}/readings/",
        {"sensor": sensor.pk, "start": (now - timedelta(days=200)).isoformat()},
    )
    assert response.status_code == 400


@pytest.fixture
def fume_alarm(stations, fume_rule):
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - timedelta(minutes=30)
    report = readings_ingest(
        items=[
            item(stations["fume"], "fume", start + timedelta(minutes=m), 2.0)
            for m in range(20)
        ],
        source="json",
        follow_up=False,
    )
    rollups_update(touched=report.touched)
    rules_evaluate()
    return Alarm.objects.get()


def test_enterprise_annotates_its_alarm_through_the_api(
    api, fume_alarm, enterprise_user_x
):
    response = api(enterprise_user_x).post(
        f"{URL}/alarms/{fume_alarm.pk}/annotate/", {"annotation": "清洗净化器"}
    )
    assert response.status_code == 200, response.data
    assert response.data["annotation"] == "清洗净化器"
    assert [e["kind"] for e in response.data["events"]] == ["opened", "annotated"]


def test_other_enterprise_cannot_see_or_annotate_the_alarm(
    api, fume_alarm, enterprise_user_y
):
    client = api(enterprise_user_y)
    assert client.get(f"{URL}/alarms/{fume_alarm.pk}/").status_code == 404
    response = client.post(
        f"{URL}/alarms/{fume_alarm.pk}/annotate/", {"annotation": "x"}
    )
    assert response.status_code == 404


def test_bureau_dismisses_with_a_reason(api, fume_alarm, bureau_officer):
    client = api(bureau_officer)
    response = client.post(f"{URL}/alarms/{fume_alarm.pk}/dismiss/", {"reason": ""})
    assert response.status_code == 400
    response = client.post(
        f"{URL}/alarms/{fume_alarm.pk}/dismiss/", {"reason": "已核实"}
    )
    assert response.data["dispatch_status"] == "dismissed"


def test_alarm_list_is_scoped_and_has_a_fixed_number_of_queries(
    api, fume_alarm, bureau_officer, officer_b, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        response = api(bureau_officer).get(f"{URL}/alarms/")
    assert [a["id"] for a in response.data["results"]] == [fume_alarm.pk]
    assert api(officer_b).get(f"{URL}/alarms/").data["results"] == []


def test_map_is_geojson_coloured_by_the_current_index(api, stations, bureau_officer):
    response = api(bureau_officer).get(f"{URL}/stations/map/")
    assert response.data["type"] == "FeatureCollection"
    properties = {
        f["properties"]["code"]: f["properties"] for f in response.data["features"]
    }
    assert set(properties) == {"AIR-A", "WATER-B", "FUME-X", "OUT-Y"}
    assert all(p["colour"].startswith("#") for p in properties.values())


@pytest.mark.parametrize("name", ["air", "water", "noise", "indoor", "enterprise"])
def test_boards_answer_as_json(api, stations, bureau_officer, name):
    response = api(bureau_officer).get(f"{URL}/boards/{name}/")
    assert response.status_code == 200
    assert "stations" in response.data


def test_unknown_board_is_404(api, bureau_officer):
    assert api(bureau_officer).get(f"{URL}/boards/nope/").status_code == 404


def test_rules_are_for_bureau_staff(api, fume_rule, bureau_officer, enterprise_user_x):
    assert api(bureau_officer).get(f"{URL}/rules/").data["count"] == 1
    assert api(enterprise_user_x).get(f"{URL}/rules/").status_code == 403


def test_rule_admin_exists(admin_client, fume_rule):
    assert admin_client.get("/admin/monitoring/rule/").status_code == 200
    assert (
        admin_client.get(f"/admin/monitoring/rule/{fume_rule.pk}/change/").status_code
        == 200
    )
    assert Rule.objects.count() == 1

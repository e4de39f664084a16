"""HTML pages: boards, map, stations, alarms, surveys, tracing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from monitoring.models import Alarm, Survey
from monitoring.services import readings_ingest, rollups_update, rules_evaluate
from tests.monitoring.conftest import item

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(air_station, water_station, noise_station, fume_station, fume_rule):
    now = timezone.now().replace(second=0, microsecond=0)
    items = []
    for m in range(60):
        at = now - timedelta(minutes=60 - m)
        items += [
            item(air_station, "PM2_5", at, 80),
            item(air_station, "PM10", at, 90),
            item(noise_station, "LAeq", at, 58),
            item(fume_station, "fume", at, 1.8),
        ]
    items += [item(water_station, "NH3_N", now - timedelta(hours=1), 1.2)]
    report = readings_ingest(items=items, source="json", follow_up=False)
    rollups_update(touched=report.touched)
    rules_evaluate()
    return now


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["air", "water", "noise", "indoor", "enterprise"])
def test_bureau_officer_sees_every_board(client, fed, bureau_officer, name):
    response = login(client, bureau_officer).get(f"/monitoring/boards/{name}/")
    assert response.status_code == 200
    assert b"chart.umd.min.js" in response.content  # the vendored chart library


def test_air_board_shows_the_aqi_in_its_colour(client, fed, bureau_officer):
    response = login(client, bureau_officer).get("/monitoring/boards/air/")
    assert "甲街道空气站" in response.content.decode()
    assert (
        "#FF7E00" in response.content.decode() or "#FFFF00" in response.content.decode()
    )


def test_board_refreshes_itself_as_a_partial(client, fed, bureau_officer):
    client = login(client, bureau_officer)
    page = client.get("/monitoring/boards/water/")
    assert b'hx-trigger="every 60s"' in page.content
    partial = client.get("/monitoring/boards/water/", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content
    assert "乙河断面" in partial.content.decode()


def test_enterprise_user_lands_on_its_monitors(client, fed, enterprise_user_x):
    client = login(client, enterprise_user_x)
    response = client.get("/monitoring/")
    assert response.url.endswith("/monitoring/boards/enterprise/")
    page = client.get(response.url).content.decode()
    assert "甲餐厅油烟监测" in page
    assert "甲街道空气站" not in client.get("/monitoring/boards/air/").content.decode()


def test_station_map_data_is_scoped(client, fed, officer_b, bureau_officer):
    data = login(client, bureau_officer).get("/monitoring/map/stations.geojson").json()
    assert len(data["features"]) == 4
    client.logout()
    data = login(client, officer_b).get("/monitoring/map/stations.geojson").json()
    assert [f["properties"]["code"] for f in data["features"]] == ["WATER-B"]


def test_station_page_and_out_of_scope_is_404(
    client, fed, air_station, officer_b, officer_a
):
    assert (
        login(client, officer_a)
        .get(f"/monitoring/stations/{air_station.pk}/")
        .status_code
        == 200
    )
    client.logout()
    assert (
        login(client, officer_b)
        .get(f"/monitoring/stations/{air_station.pk}/")
        .status_code
        == 404
    )


def test_enterprise_annotates_on_the_alarm_page(client, fed, enterprise_user_x):
    alarm = Alarm.objects.get(station__code="FUME-X")
    client = login(client, enterprise_user_x)
    page = client.get(f"/monitoring/alarms/{alarm.pk}/")
    assert b'name="annotation"' in page.content
    client.post(f"/monitoring/alarms/{alarm.pk}/", {"annotation": "排风管道维修"})
    alarm.refresh_from_db()
    assert alarm.annotation == "排风管道维修"


def test_bureau_sees_the_annotation_and_may_dismiss(
    client, fed, bureau_officer, enterprise_user_x
):
    from monitoring.services import alarm_annotate

    alarm = Alarm.objects.get(station__code="FUME-X")
    alarm_annotate(alarm=alarm, user=enterprise_user_x, text="排风管道维修")
    client = login(client, bureau_officer)
    page = client.get(f"/monitoring/alarms/{alarm.pk}/").content.decode()
    assert "排风管道维修" in page
    client.post(f"/monitoring/alarms/{alarm.pk}/", {"reason": "已知原因"})
    alarm.refresh_from_db()
    assert alarm.dispatch_status == "dismissed"


def test_alarm_list_filters_open_alarms(client, fed, bureau_officer):
    page = (
        login(client, bureau_officer)
        .get("/monitoring/alarms/?status=open")
        .content.decode()
    )
    assert "油烟超标" in page


SURVEY_CSV = (
    "time,lon,lat,value\n"
    + "\n".join(
        f"2026-11-27T21:{m:02d}:00+08:00,{121.40 + m * 0.0005:.5f},31.21,"
        f"{5.0 if 20 <= m < 23 else 0.3}"
        for m in range(40)
    )
    + "\nbroken,line\n"
)


def test_survey_upload_finds_the_hotspot_and_reports_bad_lines(
    client, world, bureau_officer
):
    client = login(client, bureau_officer)
    response = client.post(
        "/monitoring/surveys/",
        {
            "name": "夜间走航",
            "parameter": "TVOC",
            "hotspot_percentile": 90,
            "file": SimpleUploadedFile("track.csv", SURVEY_CSV.encode()),
        },
    )
    survey = Survey.objects.get()
    assert response.url == survey.get_absolute_url()
    assert survey.points.count() == 40
    hotspot = survey.hotspots.get(rank=1)
    assert (hotspot.first_seq, hotspot.last_seq, hotspot.peak_value) == (20, 22, 5.0)
    page = client.get(survey.get_absolute_url()).content.decode()
    assert "survey-track" in page


def test_a_survey_lists_complaints_near_its_hotspots(client, world, bureau_officer):
    from grid.services import TicketIntake, tickets_open_many
    from monitoring.selectors import survey_nearby_complaints

    client = login(client, bureau_officer)
    client.post(
        "/monitoring/surveys/",
        {
            "name": "夜间走航",
            "parameter": "TVOC",
            "hotspot_percentile": 90,
            "file": SimpleUploadedFile("track.csv", SURVEY_CSV.encode()),
        },
    )
    survey = Survey.objects.get()
    hotspot = survey.hotspots.get(rank=1)

    def complaint(dlat, when, dlon=0.0):
        intake = TicketIntake(
            category="odour",
            source="citizen_web",
            description="夜里有刺鼻气味",
            lon=hotspot.lon + dlon,
            lat=hotspot.lat + dlat,
            occurred_at=when,
        )
        return tickets_open_many(items=[intake], single=True, now=when)[0]

    near = complaint(0.002, survey.started_at)  # ~220 m north, that night
    complaint(0.0, survey.started_at, dlon=0.02)  # ~1.9 km east
    complaint(0.001, survey.started_at - timedelta(days=30))  # a month before
    rows = survey_nearby_complaints(user=bureau_officer, survey=survey)
    assert [(r["reference"], r["hotspot"]) for r in rows] == [(near.reference, 1)]
    assert 200 <= rows[0]["distance_m"] <= 240
    assert near.reference in client.get(survey.get_absolute_url()).content.decode()


def test_survey_geojson_linestring_is_accepted(world, bureau_officer):
    import json

    from monitoring.services import survey_create

    coords = [[121.40 + i * 0.001, 31.21] for i in range(10)]
    document = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "times": [f"2026-11-27T21:0{i}:00+08:00" for i in range(10)],
            "values": [1, 1, 1, 9, 1, 1, 1, 1, 1, 1],
        },
    }
    upload = survey_create(
        user=bureau_officer,
        name="x",
        district=world.district,
        parameter="TVOC",
        data=json.dumps(document).encode(),
        filename="t.geojson",
        hotspot_percentile=90,
    )
    assert upload.points == 10
    assert upload.survey.hotspots.get(rank=1).first_seq == 3


def test_enterprise_users_cannot_open_surveys_or_tracing(
    client, world, enterprise_user_x
):
    client = login(client, enterprise_user_x)
    assert client.get("/monitoring/surveys/").status_code == 403
    assert client.get("/monitoring/tracing/").status_code == 403


def test_tracing_page_ranks_with_an_explanation(client, fed, bureau_officer, world):
    page = (
        login(client, bureau_officer)
        .get(
            "/monitoring/tracing/",
            {
                "lon": 121.40,
                "lat": 31.21,
                "wind_direction": 90,
                "wind_speed": 3,
                "radius_m": 5000,
                "category": "cooking_fume",
            },
        )
        .content.decode()
    )
    assert "甲餐厅" in page
    assert "tracing-points" in page

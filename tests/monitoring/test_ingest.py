"""Ingestion: idempotent, validating, every rejection logged with its reason."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.errors import Conflict
from monitoring.models import IngestBatch, IngestRejection, Reading, Station
from monitoring.services import items_from_csv, items_from_json, readings_ingest
from tests.monitoring.conftest import NOW, item, minutes


def ingest(items, **kwargs):
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("follow_up", False)
    return readings_ingest(items=items, source="json", **kwargs)


def test_readings_are_stored_once_however_often_they_arrive(air_station):
    batch = [item(air_station, "PM2_5", NOW - minutes(m), 30 + m) for m in range(5)]
    first = ingest(batch)
    again = ingest(batch + batch)
    assert (first.stored, first.duplicates) == (5, 0)
    assert (again.stored, again.duplicates) == (0, 10)
    assert Reading.objects.count() == 5


def test_parameter_may_be_named_by_its_hj212_code(air_station):
    report = ingest([item(air_station, "a34004", NOW, 35.2)])
    assert report.stored == 1
    assert Reading.objects.get().sensor.parameter == "PM2_5"


def test_station_may_be_named_by_its_code(air_station):
    report = ingest([{**item(air_station, "NO2", NOW, 20), "station": "AIR-A"}])
    assert report.stored == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"station": "NO-SUCH-MN"}, "unknown_station"),
        ({"parameter": "HCHO"}, "unknown_sensor"),
        ({"value": -3}, "negative"),
        ({"value": 800, "parameter": "CO"}, "out_of_range"),  # µg/m³ sent as mg/m³
        ({"value": 5000}, "out_of_range"),
        ({"value": "abc"}, "bad_value"),
        ({"value": "nan"}, "bad_value"),
        ({"time": (NOW + minutes(30)).isoformat()}, "future"),
        ({"time": "yesterday"}, "bad_time"),
        ({"unit": "ppm"}, "wrong_unit"),
        ({"flag": "X"}, "bad_flag"),
    ],
)
def test_bad_readings_are_rejected_with_a_reason_and_the_rest_stored(
    air_station, change, reason
):
    good = item(air_station, "PM2_5", NOW - minutes(1), 30)
    bad = {**item(air_station, "PM2_5", NOW, 30), **change}
    report = ingest([good, bad])
    assert report.stored == 1
    assert report.rejected == 1
    assert report.rejections[0]["reason"] == reason
    assert report.rejections[0]["line"] == 2
    rejection = IngestRejection.objects.get()
    assert rejection.reason == reason
    if reason != "unknown_station":
        assert rejection.station == air_station  # logged for the station


def test_rejection_messages_are_in_chinese_by_default(air_station):
    report = ingest([{**item(air_station, "PM2_5", NOW, -1)}])
    assert "负" in report.rejections[0]["message"]


def test_values_in_a_convertible_unit_are_converted(air_station):
    ingest([item(air_station, "PM2_5", NOW, 0.035, unit="mg/m3")])
    assert Reading.objects.get().value == pytest.approx(35)


def test_readings_with_a_fault_flag_are_stored_as_invalid(air_station):
    ingest(
        [
            item(air_station, "PM2_5", NOW - minutes(1), 30, flag="N"),
            item(air_station, "PM2_5", NOW, 30, flag="D"),
        ]
    )
    assert dict(Reading.objects.values_list("flag", "quality")) == {
        "N": "raw",
        "D": "invalid",
    }


def test_naive_times_are_china_standard_time(air_station):
    ingest([{**item(air_station, "PM2_5", NOW, 30), "time": "2026-11-28 10:00:00"}])
    assert Reading.objects.get().observed_at == NOW


def test_station_last_seen_follows_the_newest_reading(air_station):
    ingest([item(air_station, "PM2_5", NOW - minutes(m), 30) for m in (5, 1, 3)])
    air_station.refresh_from_db()
    assert air_station.last_seen_at == NOW - minutes(1)


def test_idempotency_key_replays_the_first_answer(air_station, bureau_officer):
    batch = [item(air_station, "PM2_5", NOW, 30), {"station": "nope"}]
    first = ingest(batch, user=bureau_officer, idempotency_key="k1", request_hash="h")
    replay = ingest(batch, user=bureau_officer, idempotency_key="k1", request_hash="h")
    assert replay.replayed
    assert replay.as_response() == first.as_response()
    assert IngestBatch.objects.count() == 1
    assert IngestRejection.objects.count() == 1


def test_idempotency_key_reused_for_another_body_is_a_conflict(
    air_station, bureau_officer
):
    ingest([], user=bureau_officer, idempotency_key="k1", request_hash="h1")
    with pytest.raises(Conflict):
        ingest([], user=bureau_officer, idempotency_key="k1", request_hash="h2")


def test_scope_limits_which_stations_a_user_may_write(
    fume_station, outlet_station_y, enterprise_user_x
):
    stations = Station.objects.for_user(enterprise_user_x)
    report = ingest(
        [
            item(fume_station, "fume", NOW, 0.5),
            item(outlet_station_y, "COD", NOW, 20),
        ],
        user=enterprise_user_x,
        stations=stations,
    )
    assert report.stored == 1
    assert report.rejections[0]["reason"] == "unknown_station"


def test_json_lines_and_arrays_both_parse_and_bad_lines_are_kept_as_malformed():
    lines = b'{"station": "A", "value": 1}\nnot json\n\n[1]\n'
    items = items_from_json(lines)
    assert [i.get("error") is None for i in items] == [True, False, False]
    assert items[1]["line"] == 2
    assert len(items_from_json(b'[{"station": "A"}, {"station": "B"}]')) == 2


def test_csv_upload_with_a_malformed_line_stores_the_rest(air_station):
    body = (
        b"mn,parameter,time,value,flag\n"
        b"MNAIR0001,PM2_5,2026-11-28T09:58:00+08:00,31,N\n"
        b"MNAIR0001,PM2_5,2026-11-28T09:59:00+08:00\n"
        b"MNAIR0001,PM10,2026-11-28T09:59:00+08:00,55,N\n"
    )
    report = ingest(items_from_csv(body))
    assert report.stored == 2
    assert report.rejections == [
        {
            "line": 3,
            "station": "",
            "reason": "malformed",
            "message": report.rejections[0]["message"],
        }
    ]
    assert "3" in report.rejections[0]["message"]


def test_hourly_aggregates_of_minute_sensors_are_ignored(air_station):
    report = ingest([item(air_station, "PM2_5", NOW, 30, period_s=3600)])
    assert (report.stored, report.ignored, report.rejected) == (0, 1, 0)


@pytest.mark.postgres
def test_postgres_copy_path_falls_back_when_some_readings_exist(air_station):
    from django.db import connection

    assert connection.vendor == "postgresql"
    ingest([item(air_station, "PM2_5", NOW - minutes(m), 30) for m in range(3)])
    report = ingest(
        [item(air_station, "PM2_5", NOW - minutes(m), 31) for m in range(6)]
    )
    assert (report.stored, report.duplicates) == (3, 3)
    assert Reading.objects.filter(value=30).count() == 3  # first arrival kept


@pytest.mark.postgres
def test_readings_land_in_monthly_partitions_and_default_rows_move_out(air_station):
    from datetime import date

    from django.db import connection

    from monitoring.partitions import partition_list, reading_partitions_ensure

    far = NOW.replace(year=2030, month=5)
    ingest([item(air_station, "PM2_5", far, 30)], now=far)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM monitoring_reading_default")
        assert cursor.fetchone()[0] == 1
    created = reading_partitions_ensure(
        start=date(2030, 5, 1), through=date(2030, 5, 1)
    )
    assert created == ["monitoring_reading_p2030_05"]
    assert "monitoring_reading_p2030_05" in partition_list()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM monitoring_reading_p2030_05")
        assert cursor.fetchone()[0] == 1
        cursor.execute("SELECT count(*) FROM monitoring_reading_default")
        assert cursor.fetchone()[0] == 0


def test_after_commit_rollups_and_rules_follow_the_new_readings(
    air_station, django_capture_on_commit_callbacks
):
    from monitoring.models import Alarm, HourlyRollup, Rule, Station

    Rule.objects.create(
        name="PM2.5 high",
        kind=Rule.Kind.PARAMETER,
        parameter="PM2_5",
        station_kind=Station.Kind.AMBIENT_AIR,
        threshold=75,
        clear_threshold=60,
    )
    # The follow-up task judges the readings at the real clock, so they are recent.
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - minutes(50)
    with django_capture_on_commit_callbacks(execute=True):
        readings_ingest(
            items=[
                item(air_station, "PM2_5", start + minutes(m), 90) for m in range(46)
            ],
            source="json",
            now=now,
        )
    assert HourlyRollup.objects.filter(sensor__parameter="PM2_5").exists()
    assert Alarm.objects.filter(station=air_station, status="open").count() == 1

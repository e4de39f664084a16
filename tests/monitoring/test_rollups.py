"""Rollups with coverage; station indices stored with their standard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from monitoring.models import DailyRollup, HourlyRollup, Reading, StationIndex
from monitoring.services import readings_ingest, readings_review, rollups_update
from tests.monitoring.conftest import NOW, item, minutes

HOUR = timedelta(hours=1)


def ingest(items, now=None):
    report = readings_ingest(
        items=items, source="json", now=now or NOW + 48 * HOUR, follow_up=False
    )
    rollups_update(touched=report.touched)
    return report


def test_hourly_rollup_counts_coverage_and_leaves_out_invalid_readings(air_station):
    start = NOW
    ingest(
        [item(air_station, "PM2_5", start + minutes(m), 10) for m in range(50)]
        + [item(air_station, "PM2_5", start + minutes(55), 999, flag="D")]
    )
    rollup = HourlyRollup.objects.get(sensor__parameter="PM2_5")
    assert rollup.hour_start == start
    assert (rollup.count, rollup.expected) == (50, 60)
    assert rollup.coverage == pytest.approx(50 / 60)
    assert rollup.is_valid
    assert rollup.value_max == 10


def test_hour_with_less_than_45_minutes_is_not_a_valid_hourly_mean(air_station):
    ingest([item(air_station, "PM2_5", NOW + minutes(m), 10) for m in range(44)])
    assert not HourlyRollup.objects.get().is_valid


def test_sound_levels_are_averaged_by_energy(noise_station):
    ingest(
        [
            item(noise_station, "LAeq", NOW + minutes(m), 60 if m < 30 else 70)
            for m in range(60)
        ]
    )
    assert HourlyRollup.objects.get(
        sensor__parameter="LAeq"
    ).value_mean == pytest.approx(67.4, abs=0.05)


def test_wind_direction_is_averaged_as_a_direction(air_station):
    ingest(
        [
            item(air_station, "wind_direction", NOW + minutes(m), 350 if m % 2 else 10)
            for m in range(60)
        ]
    )
    mean = HourlyRollup.objects.get(sensor__parameter="wind_direction").value_mean
    assert min(mean, 360 - mean) == pytest.approx(0, abs=1e-6)


def hourly(station, parameter, day_start, values):
    return [
        item(station, parameter, day_start + HOUR * h + minutes(m), value)
        for h, value in enumerate(values)
        for m in range(45)  # 45 minutes make a valid hourly mean
    ]


def test_daily_rollup_is_the_natural_day_in_shanghai(water_station):
    # water sensors report hourly; local day 2026-11-28 is 27 Nov 16:00 UTC onwards
    day_start = datetime(2026, 11, 27, 16, tzinfo=UTC)
    items = [
        item(water_station, "DO", day_start + HOUR * h, 6.0 + (h == 23))
        for h in range(24)
    ] + [item(water_station, "DO", day_start - HOUR, 1.0)]
    ingest(items)
    day = DailyRollup.objects.get(sensor__parameter="DO", day=date(2026, 11, 28))
    assert day.hours == 24
    assert day.value_min == 6.0
    assert day.value_mean == pytest.approx(6 + 1 / 24)
    assert day.is_valid
    previous = DailyRollup.objects.get(sensor__parameter="DO", day=date(2026, 11, 27))
    assert (previous.hours, previous.is_valid) == (1, False)


def test_ozone_daily_maximum_8_hour_mean(air_station):
    day_start = datetime(2026, 11, 27, 16, tzinfo=UTC)
    values = [50] * 10 + [200] * 8 + [50] * 6
    items = []
    for h, value in enumerate(values):
        items += [
            item(air_station, "O3", day_start + HOUR * h + minutes(m), value)
            for m in range(60)
        ]
    ingest(items)
    daily = DailyRollup.objects.get(sensor__parameter="O3")
    assert daily.value_max_8h == pytest.approx(200)
    assert daily.value_max == pytest.approx(200)


def test_hourly_and_daily_aqi_are_stored_with_the_edition(air_station):
    day_start = datetime(2026, 11, 27, 16, tzinfo=UTC)
    values = {"PM2_5": 45, "PM10": 80, "SO2": 8, "NO2": 35, "CO": 0.8, "O3": 120}
    items = []
    for parameter, value in values.items():
        items += hourly(air_station, parameter, day_start, [value] * 24)
    ingest(items)
    daily = StationIndex.objects.get(kind="aqi_daily")
    assert daily.edition == "HJ 633-2026"
    assert daily.period_start == day_start
    # O3 8h 120 → 67; PM10 80 → 72 (2026 breakpoints)
    assert (daily.value, daily.label) == (72, "良")
    assert daily.detail["primary"] == ["PM10"]
    hourly_index = StationIndex.objects.filter(kind="aqi_hourly").latest("period_start")
    assert hourly_index.edition == "HJ 633-2026"
    assert hourly_index.colour == "#FFFF00"


def test_aqi_before_march_2026_uses_the_2012_edition(air_station):
    day_start = datetime(2025, 11, 27, 16, tzinfo=UTC)
    values = {"PM2_5": 45, "PM10": 80, "SO2": 8, "NO2": 35, "CO": 0.8, "O3": 120}
    items = []
    for parameter, value in values.items():
        items += hourly(air_station, parameter, day_start, [value] * 24)
    ingest(items)
    daily = StationIndex.objects.get(kind="aqi_daily")
    assert (daily.edition, daily.value) == ("HJ 633-2012", 67)


def test_water_class_index_marks_sections_worse_than_their_target(water_station):
    at = datetime(2026, 11, 28, 1, tzinfo=UTC)
    ingest(
        [
            item(water_station, "DO", at, 6.5),
            item(water_station, "NH3_N", at, 1.2),
            item(water_station, "TP", at, 0.15),
        ]
    )
    index = StationIndex.objects.get(kind="water_hourly")
    assert (index.label, index.value, index.exceeded) == ("IV", 4, True)
    assert index.detail["limiting"] == ["NH3_N"]
    assert index.edition == "GB 3838-2002"


def test_noise_day_and_night_periods_follow_shanghai_time(noise_station):
    # local 2026-11-28 06:00 is 27 Nov 22:00 UTC; night 22:00 local is 14:00 UTC
    day_start = datetime(2026, 11, 27, 22, tzinfo=UTC)
    items = hourly(noise_station, "LAeq", day_start, [58] * 16 + [52] * 8)
    ingest(items)
    day = StationIndex.objects.get(kind="noise_day", period_start=day_start)
    night = StationIndex.objects.get(
        kind="noise_night", period_start=day_start + 16 * HOUR
    )
    assert (day.value, day.exceeded, day.detail["limit"]) == (58, False, 60)
    assert (night.value, night.exceeded, night.detail["limit"]) == (52, True, 50)


def test_review_invalidates_readings_and_rollups_follow(air_station, bureau_officer):
    ingest([item(air_station, "PM2_5", NOW + minutes(m), 10) for m in range(60)])
    changed = readings_review(
        user=bureau_officer,
        sensors=air_station.sensors.filter(parameter="PM2_5"),
        start=NOW,
        end=NOW + HOUR,
        quality="invalid",
    )
    assert changed == 60
    assert not HourlyRollup.objects.exists()
    assert Reading.objects.filter(quality="invalid").count() == 60


def test_review_to_validated_marks_rollups_validated(air_station, bureau_officer):
    ingest([item(air_station, "PM2_5", NOW + minutes(m), 10) for m in range(60)])
    readings_review(
        user=bureau_officer,
        sensors=air_station.sensors.all(),
        start=NOW,
        end=NOW + HOUR,
        quality="validated",
    )
    assert HourlyRollup.objects.get().is_validated


def test_only_bureau_staff_review_data(air_station, officer_a):
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        readings_review(
            user=officer_a,
            sensors=air_station.sensors.all(),
            start=NOW,
            end=NOW + HOUR,
            quality="validated",
        )

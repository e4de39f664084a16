"""Rules → alarms: duration, hysteresis, one open alarm per rule and station,
and the enterprise's remote check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import Conflict, PermissionDenied
from monitoring.models import Alarm, AlarmEvent, Rule, Station
from monitoring.services import (
    alarm_annotate,
    alarm_dismiss,
    readings_ingest,
    rollups_update,
    rules_evaluate,
)
from tests.monitoring.conftest import NOW, item, minutes

HOUR = timedelta(hours=1)


def feed(items, now):
    report = readings_ingest(items=items, source="json", now=now, follow_up=False)
    rollups_update(touched=report.touched)
    return rules_evaluate(now=now)


@pytest.fixture
def pm_rule(db):
    return Rule.objects.create(
        name="PM2.5 high",
        kind=Rule.Kind.PARAMETER,
        parameter="PM2_5",
        station_kind=Station.Kind.AMBIENT_AIR,
        threshold=75,
        clear_threshold=60,
        duration_minutes=5,
    )


def test_an_alarm_opens_once_the_condition_has_held_for_its_duration(
    air_station, pm_rule
):
    opened = feed(
        [item(air_station, "PM2_5", NOW + minutes(m), 90) for m in range(5)], NOW + HOUR
    )
    assert opened == []
    opened = feed([item(air_station, "PM2_5", NOW + minutes(5), 95)], NOW + HOUR)
    assert len(opened) == 1
    alarm = opened[0]
    assert alarm.started_at == NOW
    assert (alarm.peak_value, alarm.peak_at) == (95, NOW + minutes(5))
    assert alarm.threshold == 75
    assert alarm.unit == "µg/m³"
    assert AlarmEvent.objects.filter(alarm=alarm, kind="opened").exists()


def test_a_dip_below_the_threshold_restarts_the_duration(air_station, pm_rule):
    values = [90, 90, 90, 70, 90, 90, 90, 90, 90]
    feed(
        [item(air_station, "PM2_5", NOW + minutes(m), v) for m, v in enumerate(values)],
        NOW + HOUR,
    )
    assert not Alarm.objects.exists()


def test_many_exceeding_readings_give_exactly_one_open_alarm(air_station, pm_rule):
    for batch in range(6):
        feed(
            [
                item(air_station, "PM2_5", NOW + minutes(batch * 10 + m), 100 + batch)
                for m in range(10)
            ],
            NOW + 2 * HOUR,
        )
    alarm = Alarm.objects.get()
    assert alarm.status == "open"
    assert alarm.peak_value == 105


def test_hysteresis_keeps_the_alarm_open_until_the_clear_threshold(
    air_station, pm_rule
):
    feed(
        [item(air_station, "PM2_5", NOW + minutes(m), 100) for m in range(6)],
        NOW + HOUR,
    )
    feed(
        [item(air_station, "PM2_5", NOW + minutes(6 + m), 70) for m in range(10)],
        NOW + HOUR,
    )
    alarm = Alarm.objects.get()
    assert alarm.status == "open"  # 70 is below 75 but above the clear threshold 60
    feed([item(air_station, "PM2_5", NOW + minutes(16), 55)], NOW + HOUR)
    alarm.refresh_from_db()
    assert alarm.status == "closed"
    assert alarm.ended_at == NOW + minutes(16)
    assert alarm.last_value == 55
    # a new exceedance opens a new alarm, not the old one again
    feed(
        [item(air_station, "PM2_5", NOW + minutes(17 + m), 100) for m in range(6)],
        NOW + HOUR,
    )
    assert Alarm.objects.filter(status="open").count() == 1
    assert Alarm.objects.count() == 2


def test_the_database_refuses_a_second_open_alarm_for_a_rule_and_station(
    air_station, pm_rule
):
    from django.db import IntegrityError, transaction

    feed(
        [item(air_station, "PM2_5", NOW + minutes(m), 100) for m in range(6)],
        NOW + HOUR,
    )
    alarm = Alarm.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alarm.objects.create(
            rule=pm_rule,
            station=air_station,
            started_at=NOW,
            peak_value=1,
            peak_at=NOW,
            last_value=1,
            threshold=1,
        )
    assert alarm.status == "open"


def test_minimum_rules_alarm_below_and_clear_above(water_station):
    Rule.objects.create(
        name="DO low",
        kind=Rule.Kind.PARAMETER,
        parameter="DO",
        station=water_station,
        direction="below",
        threshold=3,
        clear_threshold=5,
    )
    feed([item(water_station, "DO", NOW, 2.5)], NOW + HOUR)
    alarm = Alarm.objects.get()
    feed([item(water_station, "DO", NOW + HOUR, 4)], NOW + 2 * HOUR)
    alarm.refresh_from_db()
    assert alarm.status == "open"
    assert alarm.peak_value == 2.5
    feed([item(water_station, "DO", NOW + 2 * HOUR, 5.5)], NOW + 3 * HOUR)
    alarm.refresh_from_db()
    assert alarm.status == "closed"


def test_water_class_rule_alarms_when_a_section_drops_to_class_iv(water_station):
    Rule.objects.create(
        name="Section worse than III",
        kind=Rule.Kind.WATER_CLASS,
        station_kind=Station.Kind.SURFACE_WATER,
        threshold=3,
        clear_threshold=3,
        ticket_category="wastewater",
    )
    at = NOW
    feed(
        [item(water_station, "NH3_N", at, 0.8), item(water_station, "DO", at, 6)],
        at + HOUR,
    )
    assert not Alarm.objects.exists()
    at += HOUR
    feed(
        [item(water_station, "NH3_N", at, 1.3), item(water_station, "DO", at, 6)],
        at + HOUR,
    )
    alarm = Alarm.objects.get()
    assert alarm.peak_value == 4
    assert alarm.started_at == at + HOUR  # the end of the hour that was class IV


def test_fume_windows_exceeding_open_an_alarm_for_the_enterprise_monitor(
    fume_station, fume_rule
):
    start = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    samples = [0.5] * 10 + [1.6] * 10 + [0.5] * 10
    opened = feed(
        [
            item(fume_station, "fume", start + minutes(m), v)
            for m, v in enumerate(samples)
        ],
        start + HOUR,
    )
    assert len(opened) == 1
    alarm = opened[0]
    assert alarm.started_at == start + minutes(20)  # end of the exceeding window
    assert alarm.peak_value == pytest.approx(1.6)
    alarm.refresh_from_db()
    assert alarm.status == "closed"  # the next window was back below 0.8
    assert alarm.dispatch_status == "pending"
    assert alarm.dispatch_due_at == start + HOUR + minutes(30)


def test_fume_rule_waits_for_the_daily_count_of_exceeding_windows(
    fume_station, fume_rule
):
    fume_rule.daily_count = 2
    fume_rule.save()
    start = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    samples = [1.5] * 10 + [0.5] * 10 + [1.5] * 10 + [0.5] * 10
    feed(
        [
            item(fume_station, "fume", start + minutes(m), v)
            for m, v in enumerate(samples[:20])
        ],
        start + HOUR,
    )
    assert not Alarm.objects.exists()
    feed(
        [
            item(fume_station, "fume", start + minutes(20 + m), v)
            for m, v in enumerate(samples[20:])
        ],
        start + HOUR,
    )
    assert Alarm.objects.count() == 1


def test_fan_running_with_the_cleaner_off_raises_an_alarm(fume_station):
    Rule.objects.create(
        name="Fan on, cleaner off",
        kind=Rule.Kind.FAN_WITHOUT_CLEANER,
        station_kind=Station.Kind.FUME,
        threshold=0.5,
        clear_threshold=0.5,
        duration_minutes=10,
    )
    items = []
    for m in range(15):
        items.append(item(fume_station, "fan_on", NOW + minutes(m), 1))
        items.append(
            item(fume_station, "cleaner_on", NOW + minutes(m), 0 if m >= 2 else 1)
        )
    feed(items, NOW + HOUR)
    alarm = Alarm.objects.get()
    assert alarm.started_at == NOW + minutes(2)


def test_invalid_readings_do_not_raise_alarms(air_station, pm_rule):
    feed(
        [
            item(air_station, "PM2_5", NOW + minutes(m), 300, flag="C")
            for m in range(10)
        ],
        NOW + HOUR,
    )
    assert not Alarm.objects.exists()


# --- remote check ------------------------------------------------------------------


@pytest.fixture
def fume_alarm(fume_station, fume_rule):
    start = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    feed(
        [item(fume_station, "fume", start + minutes(m), 1.6) for m in range(10)],
        start + minutes(10),
    )
    return Alarm.objects.get()


def test_enterprise_annotates_a_known_cause_within_the_window(
    fume_alarm, enterprise_user_x
):
    at = fume_alarm.dispatch_due_at - minutes(5)
    alarm = alarm_annotate(
        alarm=fume_alarm, user=enterprise_user_x, text="净化器清洗中", now=at
    )
    assert alarm.annotation == "净化器清洗中"
    assert alarm.annotated_by == enterprise_user_x
    assert alarm.events.filter(kind="annotated").exists()


def test_annotation_after_the_window_is_refused(fume_alarm, enterprise_user_x):
    with pytest.raises(Conflict):
        alarm_annotate(
            alarm=fume_alarm,
            user=enterprise_user_x,
            text="too late",
            now=fume_alarm.dispatch_due_at,
        )


def test_another_enterprise_cannot_annotate(fume_alarm, enterprise_user_y):
    with pytest.raises(PermissionDenied):
        alarm_annotate(
            alarm=fume_alarm,
            user=enterprise_user_y,
            text="not mine",
            now=fume_alarm.dispatch_due_at - minutes(1),
        )


def test_bureau_staff_may_dismiss_a_pending_alarm_once(fume_alarm, bureau_officer):
    alarm = alarm_dismiss(alarm=fume_alarm, user=bureau_officer, reason="设备校准")
    assert alarm.dispatch_status == "dismissed"
    with pytest.raises(Conflict):
        alarm_dismiss(alarm=fume_alarm, user=bureau_officer, reason="again")


def test_street_officers_cannot_dismiss(fume_alarm, officer_a):
    with pytest.raises(PermissionDenied):
        alarm_dismiss(alarm=fume_alarm, user=officer_a, reason="no")


def test_exceedance_days_count_only_alarms_whose_readings_are_validated(
    fume_station, fume_rule, bureau_officer, world
):
    from monitoring.selectors import enterprise_exceedance_days
    from monitoring.services import readings_review

    day_one = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    for day in (day_one, day_one + timedelta(days=1)):
        feed(
            [item(fume_station, "fume", day + minutes(m), 1.7) for m in range(10)]
            + [
                item(fume_station, "fume", day + minutes(10 + m), 0.3)
                for m in range(10)
            ],
            day + HOUR,
        )
    assert Alarm.objects.count() == 2
    since = day_one - timedelta(days=1)
    assert enterprise_exceedance_days(since=since) == {}  # raw data only
    readings_review(
        user=bureau_officer,
        sensors=fume_station.sensors.all(),
        start=day_one,
        end=day_one + HOUR,
        quality="validated",
    )
    assert enterprise_exceedance_days(since=since) == {world.enterprise_x.pk: 1}

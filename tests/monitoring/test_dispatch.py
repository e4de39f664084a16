"""Alarms become grid tickets once the remote check has run out, and validated
alarms at an enterprise's monitors weigh in its health code."""

from __future__ import annotations

from datetime import date, timedelta

from grid.models import Ticket
from monitoring.factors import validated_alarms
from monitoring.models import Alarm, AlarmEvent, Station
from monitoring.services import (
    alarm_annotate,
    alarm_dispatch,
    alarms_dispatch_due,
    station_create,
)
from tests.monitoring.conftest import NOW, minutes


def open_alarm(station, rule, *, due, validated=False) -> Alarm:
    return Alarm.objects.create(
        rule=rule,
        station=station,
        started_at=NOW - minutes(40),
        peak_value=1.6,
        peak_at=NOW - minutes(35),
        last_value=1.2,
        threshold=rule.threshold,
        unit="mg/m³",
        validated=validated,
        dispatch_status=Alarm.Dispatch.PENDING,
        dispatch_due_at=due,
    )


def test_an_alarm_becomes_a_ticket_at_its_station_once_the_check_has_run_out(
    fume_station, fume_rule, world
):
    alarm = open_alarm(fume_station, fume_rule, due=NOW + minutes(30))

    assert alarm_dispatch(alarm_id=alarm.pk, now=NOW).dispatch_status == "pending"
    assert not Ticket.objects.exists()  # the enterprise may still annotate

    alarm = alarm_dispatch(alarm_id=alarm.pk, now=NOW + minutes(31))
    ticket = Ticket.objects.get()
    assert alarm.dispatch_status == "dispatched"
    assert alarm.ticket_ref == ticket.reference
    assert (ticket.source, ticket.category.code) == ("monitoring_alert", "cooking_fume")
    assert ticket.enterprise_id == world.enterprise_x.pk
    assert ticket.street_id == world.street_a.pk  # routed by the station's place
    assert fume_station.name in ticket.description
    kinds = list(alarm.events.values_list("kind", flat=True))
    assert kinds == [AlarmEvent.Kind.DISPATCHED]

    alarm_dispatch(alarm_id=alarm.pk, now=NOW + minutes(60))  # a repeated task
    assert Ticket.objects.count() == 1


def test_a_monitor_exceeding_again_joins_its_ticket_until_that_is_handled(
    fume_station, fume_rule, world
):
    def ended(alarm):  # the condition cleared: the next breach is a new alarm
        Alarm.objects.filter(pk=alarm.pk).update(status="closed", ended_at=NOW)

    first = open_alarm(fume_station, fume_rule, due=NOW - minutes(1))
    first = alarm_dispatch(alarm_id=first.pk, now=NOW)
    ended(first)
    second = open_alarm(fume_station, fume_rule, due=NOW - minutes(1))
    second = alarm_dispatch(alarm_id=second.pk, now=NOW)
    ended(second)

    ticket = Ticket.objects.get()  # no second ticket for the same monitor
    assert second.dispatch_status == "dispatched"
    assert second.ticket_ref == first.ticket_ref == ticket.reference
    assert ticket.reference in second.events.get().note

    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.HANDLED)
    third = open_alarm(fume_station, fume_rule, due=NOW - minutes(1))
    third = alarm_dispatch(alarm_id=third.pk, now=NOW)
    assert Ticket.objects.count() == 2  # handled: a new exceedance is a new case
    assert third.ticket_ref != ticket.reference


def test_the_ticket_carries_the_enterprise_annotation(
    fume_station, fume_rule, enterprise_user_x
):
    alarm = open_alarm(fume_station, fume_rule, due=NOW + minutes(30))
    alarm_annotate(alarm=alarm, user=enterprise_user_x, text="清洗油烟净化器", now=NOW)
    alarm_dispatch(alarm_id=alarm.pk, now=NOW + minutes(30))
    assert "清洗油烟净化器" in Ticket.objects.get().description


def test_the_sweep_dispatches_only_due_alarms(
    fume_station, outlet_station_y, fume_rule
):
    due = open_alarm(fume_station, fume_rule, due=NOW - minutes(1))
    later = open_alarm(outlet_station_y, fume_rule, due=NOW + minutes(10))

    assert alarms_dispatch_due(now=NOW) == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.dispatch_status, later.dispatch_status) == ("dispatched", "pending")


def test_an_alarm_the_grid_cannot_place_is_marked_failed_not_lost(world, fume_rule):
    far = station_create(
        code="FUME-FAR",
        name="辖区外油烟监测",
        kind=Station.Kind.FUME,
        lon=120.10,
        lat=30.20,
        district=world.district,
        mn="MNFUMEFAR1",
        enterprise=world.enterprise_x,
    )
    alarm = alarm_dispatch(
        alarm_id=open_alarm(far, fume_rule, due=NOW).pk, now=NOW + minutes(1)
    )
    assert alarm.dispatch_status == "failed"
    assert not Ticket.objects.exists()
    event = alarm.events.get()
    assert event.kind == AlarmEvent.Kind.DISPATCH_FAILED and event.note


def test_only_validated_alarms_at_enterprise_monitors_are_a_health_factor(
    fume_station, air_station, fume_rule, world
):
    counted = open_alarm(fume_station, fume_rule, due=None, validated=True)
    open_alarm(air_station, fume_rule, due=None, validated=True)  # no enterprise
    Alarm.objects.filter(pk=counted.pk).update(status="closed", ended_at=NOW)
    raw = open_alarm(fume_station, fume_rule, due=None, validated=False)
    raw.started_at = NOW - timedelta(days=1)
    raw.save()

    today = date(2026, 11, 28)
    rows = list(validated_alarms(as_of=today).values_list("pk", "factor_enterprise"))
    assert rows == [(counted.pk, world.enterprise_x.pk)]
    assert not validated_alarms(as_of=today - timedelta(days=1)).exists()

"""The demo step tells the monitoring stories."""

from io import StringIO

import pytest
from django.core.management import call_command

from monitoring.models import Alarm, Rule, Station, StationIndex, Survey

pytestmark = pytest.mark.django_db


def test_demo_builds_30_stations_history_rules_alarms_and_a_survey():
    call_command("seed_demo", seed=3, enterprises=300, stdout=StringIO())
    assert Station.objects.count() == 30
    kinds = {
        kind: Station.objects.filter(kind=kind).count() for kind in Station.Kind.values
    }
    assert kinds["ambient_air"] == 8 and kinds["fume"] == 6
    assert all(s.sensors.exists() and s.mn for s in Station.objects.all())
    # the demo enterprise user's restaurant has its own fume monitor
    assert Station.objects.filter(
        kind="fume", enterprise__accounts__user__username="enterprise"
    ).exists()
    assert StationIndex.objects.filter(
        kind="aqi_hourly", edition="HJ 633-2026"
    ).exists()
    assert Rule.objects.filter(kind="fume", annotation_minutes=30).exists()
    # last night the river section dropped to class IV
    assert Alarm.objects.filter(
        station__code="WATER-02", rule__kind="water_class"
    ).exists()
    survey = Survey.objects.get()
    hotspot = survey.hotspots.get(rank=1)
    assert hotspot.peak_value > 2

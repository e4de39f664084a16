"""Tracing and alarm rules are scoped like the stations they name."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.models import Alarm, Rule, Station
from monitoring.services import station_create

pytestmark = pytest.mark.django_db
TRACE = {"wind_direction": 90, "wind_speed": 3, "radius_m": 5000}


@pytest.fixture
def foreign_station(db):
    from grid.models import District

    district = District.objects.create(code="990000", name="外区")
    return station_create(
        code="AIR-F",
        name="外区空气站",
        kind=Station.Kind.AMBIENT_AIR,
        lon=120.01,
        lat=30.01,
        district=district,
        mn="MNAIRF001",
    )


def test_tracing_from_an_alarm_out_of_scope_is_refused_as_an_unknown_alarm(
    api, bureau_officer, foreign_station
):
    rule = Rule.objects.create(
        name="外区 PM2.5",
        kind=Rule.Kind.PARAMETER,
        parameter="PM2_5",
        station=foreign_station,
        threshold=75,
        clear_threshold=60,
    )
    now = timezone.now()
    alarm = Alarm.objects.create(
        rule=rule,
        station=foreign_station,
        started_at=now,
        peak_value=120,
        peak_at=now,
        last_value=120,
        threshold=75,
    )
    client = api(bureau_officer)
    foreign = client.post(
        "/api/v1/monitoring/tracing/", {"alarm": alarm.pk, **TRACE}, format="json"
    )
    missing = client.post(
        "/api/v1/monitoring/tracing/", {"alarm": 987654321, **TRACE}, format="json"
    )
    assert foreign.status_code == missing.status_code == 400
    assert "对象不存在" in foreign.json()["fields"]["alarm"][0]


def test_a_station_rule_is_seen_only_with_its_station(
    api, bureau_officer, foreign_station, fume_rule
):
    own = Rule.objects.create(
        name="外区 PM2.5",
        kind=Rule.Kind.PARAMETER,
        parameter="PM2_5",
        station=foreign_station,
        threshold=75,
        clear_threshold=60,
    )
    listed = api(bureau_officer).get("/api/v1/monitoring/rules/").json()
    names = [row["name"] for row in listed.get("results", listed)]
    assert names == [fume_rule.name]  # kind-wide rules are everyone's
    assert (
        api(bureau_officer).get(f"/api/v1/monitoring/rules/{own.pk}/").status_code
        == 404
    )


def test_a_review_naming_a_sensor_out_of_scope_is_refused_and_changes_nothing(
    api, bureau_officer, air_station, foreign_station
):
    """The out-of-scope sensor is not left out quietly: the review is refused."""
    own = air_station.sensors.first()
    foreign = foreign_station.sensors.first()
    now = timezone.now()
    response = api(bureau_officer).post(
        "/api/v1/monitoring/readings/review/",
        {
            "sensors": [own.pk, foreign.pk],
            "start": (now - timedelta(hours=2)).isoformat(),
            "end": now.isoformat(),
            "quality": "invalid",
            "reason": "校准",
        },
        format="json",
    )
    assert response.status_code == 400
    assert str(foreign.pk) in response.json()["fields"]["sensors"][0]

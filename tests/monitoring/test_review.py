"""Data review: the queue flags suspect readings; staff validate or invalidate
them in bulk with a reason, all or none, on the record; the board follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from core.errors import InvalidInput
from monitoring.models import Reading, ReviewDecision
from monitoring.selectors import review_queue
from monitoring.services import readings_decide
from tests.monitoring.conftest import item
from tests.monitoring.test_rollups import ingest

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
DECISIONS = "/api/v1/monitoring/readings/decisions/"


def minutes(n):
    return timedelta(minutes=n)


@pytest.fixture
def spike(air_station):
    values = [30 + (m % 5) for m in range(60)]
    values[30] = 900  # one absurd minute
    ingest(
        [item(air_station, "PM2_5", NOW + minutes(m), v) for m, v in enumerate(values)]
    )
    return air_station.sensors.get(parameter="PM2_5")


def test_the_queue_flags_a_spike(spike, bureau_officer):
    rows = review_queue(user=bureau_officer, start=NOW, end=NOW + timedelta(hours=1))
    flagged = [r for r in rows if "spike" in r["reasons"]]
    assert [r["value"] for r in flagged] == [900]


def test_staff_invalidate_a_spike_and_the_board_changes(
    spike, air_station, bureau_officer, api
):
    from monitoring.models import HourlyRollup

    before = HourlyRollup.objects.get(sensor=spike, hour_start=NOW).value_mean
    response = api(bureau_officer).post(
        DECISIONS,
        {
            "readings": [
                {"sensor": spike.pk, "observed_at": (NOW + minutes(30)).isoformat()}
            ],
            "quality": "invalid",
            "reason": "仪器故障造成的尖峰",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    after = HourlyRollup.objects.get(sensor=spike, hour_start=NOW).value_mean
    assert before > 40 > after
    assert (
        Reading.objects.get(sensor=spike, observed_at=NOW + minutes(30)).quality
        == "invalid"
    )
    assert (
        not Reading.objects.valid()
        .filter(sensor=spike, observed_at=NOW + minutes(30))
        .exists()
    )
    decision = ReviewDecision.objects.get()
    assert decision.reason == "仪器故障造成的尖峰" and decision.count == 1
    assert decision.readings[0][2] == "raw"
    # the reading left the queue
    rows = review_queue(user=bureau_officer, start=NOW, end=NOW + timedelta(hours=1))
    assert not [r for r in rows if r["value"] == 900]


def test_a_decision_over_10000_readings_is_a_400_and_changes_nothing(
    spike, bureau_officer, api
):
    keys = [
        {"sensor": spike.pk, "observed_at": (NOW + timedelta(seconds=s)).isoformat()}
        for s in range(10_001)
    ]
    response = api(bureau_officer).post(
        DECISIONS,
        {"readings": keys, "quality": "invalid", "reason": "批量"},
        format="json",
    )
    assert response.status_code == 400
    assert "readings" in response.json()["fields"]
    assert not Reading.objects.filter(quality="invalid").exists()
    assert not ReviewDecision.objects.exists()


def test_one_unknown_reading_applies_nothing(spike, bureau_officer):
    with pytest.raises(InvalidInput) as error:
        readings_decide(
            user=bureau_officer,
            readings=[
                (spike.pk, NOW + minutes(1)),
                (spike.pk, NOW - timedelta(days=9)),
            ],
            quality="validated",
            reason="核查无误",
        )
    assert "readings" in error.value.fields
    assert not Reading.objects.filter(quality="validated").exists()


def test_a_decision_needs_a_reason(spike, bureau_officer, api):
    response = api(bureau_officer).post(
        DECISIONS,
        {
            "readings": [{"sensor": spike.pk, "observed_at": NOW.isoformat()}],
            "quality": "invalid",
            "reason": "",
        },
        format="json",
    )
    assert response.status_code == 400 and "reason" in response.json()["fields"]


def test_a_sensor_id_beyond_any_64_bit_key_is_a_400_naming_it(
    spike, bureau_officer, api
):
    response = api(bureau_officer).post(
        DECISIONS,
        {
            "readings": [{"sensor": 2**64, "observed_at": NOW.isoformat()}],
            "quality": "invalid",
            "reason": "核查",
        },
        format="json",
    )
    assert response.status_code == 400 and "readings" in response.json()["fields"]


def test_only_validated_readings_count_for_enforcement(spike, bureau_officer):
    assert not Reading.objects.valid().exists()
    readings_decide(
        user=bureau_officer,
        readings=[(spike.pk, NOW)],
        quality="validated",
        reason="核查",
    )
    assert Reading.objects.valid().count() == 1


def test_street_officers_do_not_review(spike, officer_a, api):
    response = api(officer_a).post(
        DECISIONS,
        {
            "readings": [{"sensor": spike.pk, "observed_at": NOW.isoformat()}],
            "quality": "invalid",
            "reason": "x",
        },
        format="json",
    )
    assert response.status_code in (403, 404)
    assert not ReviewDecision.objects.exists()


def _review_url(start, end) -> str:
    from urllib.parse import urlencode

    fmt = "%Y-%m-%d %H:%M"
    local = timezone.get_current_timezone()
    return "/monitoring/review/?" + urlencode(
        {
            "start": start.astimezone(local).strftime(fmt),
            "end": end.astimezone(local).strftime(fmt),
        }
    )


def test_the_review_page_lists_the_spike_and_invalidates_it_with_a_reason(
    client, spike, bureau_officer
):
    from monitoring.models import HourlyRollup

    url = _review_url(NOW, NOW + timedelta(hours=1))
    client.force_login(bureau_officer)
    page = client.get(url)
    assert page.status_code == 200
    key = f"{spike.pk}|{(NOW + minutes(30)).isoformat()}"
    assert f'value="{key}"' in page.content.decode()
    assert "尖峰" in page.content.decode()  # "spike", in Chinese
    # no reason: refused by name, nothing changes
    refused = client.post(url, {"reading": [key], "quality": "invalid"}, follow=True)
    assert "请填写决定理由。" in refused.content.decode()  # the reason, by name
    assert not ReviewDecision.objects.exists()
    before = HourlyRollup.objects.get(sensor=spike, hour_start=NOW).value_mean
    done = client.post(
        url, {"reading": [key], "quality": "invalid", "reason": "仪器故障"}
    )
    assert done.status_code == 302 and done["Location"] == url
    assert (
        Reading.objects.get(sensor=spike, observed_at=NOW + minutes(30)).quality
        == "invalid"
    )
    assert HourlyRollup.objects.get(sensor=spike, hour_start=NOW).value_mean < before
    assert f'value="{key}"' not in client.get(url).content.decode()


def test_a_tampered_reading_on_the_review_page_is_refused_and_nothing_changes(
    client, spike, bureau_officer
):
    url = _review_url(NOW, NOW + timedelta(hours=1))
    client.force_login(bureau_officer)
    key = f"{spike.pk}|{(NOW + minutes(30)).isoformat()}"
    page = client.post(
        url, {"reading": [key, "x|not-a-time"], "quality": "invalid", "reason": "r"}
    )
    assert page.status_code == 200
    assert "x|not-a-time" in page.content.decode()  # named in the error
    assert not ReviewDecision.objects.exists()
    assert (
        Reading.objects.get(sensor=spike, observed_at=NOW + minutes(30)).quality
        == "raw"
    )


def test_a_street_officer_cannot_open_the_review_page(client, officer_a):
    client.force_login(officer_a)
    assert client.get("/monitoring/review/").status_code == 403

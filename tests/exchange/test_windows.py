"""The watermark never skips a row: in-flight recomputes, day-windowed rollups,
and deletions recorded as tombstones."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from enforcement.models import Enterprise, RecomputeRun, RiskModel
from exchange.datasets import DATASETS, HEALTH_CODES
from exchange.selectors import Window, export_window
from tests.conftest import make_uscc


def test_a_running_health_code_recompute_holds_the_watermark_at_its_start(db):
    model = RiskModel.objects.first() or RiskModel.objects.create(
        version=99, name="test"
    )
    now = timezone.now()
    started = now - timedelta(minutes=10)
    RecomputeRun.objects.create(
        model=model,
        trigger="scheduled",
        as_of=now.date(),
        started_at=started,
        updated_at=now,
    )
    assert export_window(dataset=HEALTH_CODES, since=None, until=None).until == (
        started
    )
    enterprises = export_window(dataset=DATASETS["enterprises"], since=None, until=None)
    assert enterprises.until > started


def test_a_watermark_ahead_of_the_server_does_not_go_back(db):
    future = timezone.now() + timedelta(hours=1)
    window = export_window(dataset=DATASETS["enterprises"], since=future, until=None)
    assert window.until == future


def test_rollups_are_resent_for_the_lookback_days(settings):
    settings.EXCHANGE_ROLLUP_LOOKBACK_DAYS = 7
    since = timezone.make_aware(timezone.datetime(2026, 3, 10, 12, 0))
    until = timezone.make_aware(timezone.datetime(2026, 3, 11, 12, 0))
    assert Window(since=since, until=until).days(7) == (
        date(2026, 3, 3),
        date(2026, 3, 11),
    )


@pytest.mark.postgres
# History events carry their transaction's start time: commit each step.
@pytest.mark.django_db(transaction=True)
def test_a_deleted_enterprise_comes_as_a_tombstone_in_the_next_sync(
    city, world, foreign_enterprise
):
    first = json.loads(
        b"".join(city.get("/api/v1/exchange/enterprises/").streaming_content)
    )
    gone = Enterprise.objects.create(
        uscc=make_uscc(8888),
        name="x",
        sector="other",
        lon=121.41,
        lat=31.21,
        street=world.street_a,
    )
    gone_uscc, gone_pk = gone.uscc, gone.pk
    gone.delete()
    foreign_enterprise.delete()
    response = city.get(
        "/api/v1/exchange/enterprises/", {"updated_since": first["watermark"]}
    )
    data = json.loads(b"".join(response.streaming_content))
    assert [(d["id"], d["key"]) for d in data["deleted"]] == [(gone_pk, gone_uscc)]
    csv_text = b"".join(
        city.get(
            "/api/v1/exchange/enterprises/",
            {"updated_since": first["watermark"], "format": "csv"},
        ).streaming_content
    ).decode()
    last = csv_text.strip().splitlines()[-1].split(",")
    assert last[0] == str(gone_pk) and last[1] == gone_uscc and last[-1]

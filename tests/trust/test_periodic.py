"""Periodic jobs catch up from their watermark once, and a failed run changes
nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import PeriodicWatermark
from core.periodic import periodic_run

pytestmark = pytest.mark.django_db


def test_after_two_days_down_one_run_covers_the_whole_gap():
    start = timezone.now() - timedelta(days=5)
    windows = []

    def handler(since, until):
        windows.append((since, until))

    periodic_run("job", handler=handler, now=start)
    later = start + timedelta(days=2)
    assert periodic_run("job", handler=handler, now=later).ran
    assert not periodic_run("job", handler=handler, now=later).ran
    assert windows[1:] == [(start, later)]
    assert PeriodicWatermark.objects.get(name="job").runs == 2


def test_a_failed_run_leaves_the_watermark_so_the_next_one_retries_the_window():
    start = timezone.now() - timedelta(days=1)
    periodic_run("job", handler=lambda s, u: None, now=start)

    def broken(since, until):
        raise RuntimeError("mail server down")

    with pytest.raises(RuntimeError):
        periodic_run("job", handler=broken, now=start + timedelta(hours=1))
    assert PeriodicWatermark.objects.get(name="job").processed_until == start
    result = periodic_run(
        "job", handler=lambda s, u: "ok", now=start + timedelta(hours=2)
    )
    assert result.since == start and result.result == "ok"


def test_the_first_run_covers_the_first_window():
    now = timezone.now()
    result = periodic_run(
        "new", handler=lambda s, u: None, now=now, first_window=timedelta(hours=6)
    )
    assert result.since == now - timedelta(hours=6)

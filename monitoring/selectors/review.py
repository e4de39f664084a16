"""The data-review queue (数据审核): readings flagged as likely wrong, for staff
to validate or invalidate (``services.readings_decide``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from core.errors import InvalidInput
from monitoring.models import QualityFlag, Reading, ReviewDecision, Sensor

MAX_WINDOW = timedelta(days=7)
SPIKE_FACTOR = 3.0  # a reading over 3x the mean of its two neighbours
FLAT_RUN = 6  # the same value six readings running
SUSPECT_FLAGS = frozenset("DMCFB")  # HJ 212: fault, maintenance, calibration,
# stopped, communication failure
QUEUE_LIMIT = 2000


def _reasons(prev, value, nxt, run, flag, low, high) -> list[str]:
    reasons = []
    if flag in SUSPECT_FLAGS:
        reasons.append(f"flag_{flag}")
    if value < low or value > high:
        reasons.append("out_of_range")
    if prev is not None and nxt is not None:
        mean = (prev + nxt) / 2
        if abs(value - mean) > (SPIKE_FACTOR - 1) * max(abs(mean), 1.0):
            reasons.append("spike")
    if run >= FLAT_RUN and value != 0:
        reasons.append("flat_line")
    return reasons


def review_queue(*, user, start: datetime, end: datetime) -> list[dict]:
    """Flagged readings in [start, end) (at most 7 days) still awaiting a
    reviewer: spikes, flat lines, values outside the sensor's range and HJ 212
    flags D/M/C/F/B. A reading leaves the queue once a decision names it."""
    if start >= end:
        raise InvalidInput(fields={"end": [_("The end must be after the start.")]})
    if end - start > MAX_WINDOW:
        raise InvalidInput(fields={"end": [_("At most 7 days at a time.")]})
    sensors = {
        pk: (low, high, parameter, station)
        for pk, low, high, parameter, station in Sensor.objects.for_user(user)
        .exclude(parameter__in=["fan_on", "cleaner_on"])  # on/off states
        .values_list("pk", "valid_min", "valid_max", "parameter", "station__code")
    }
    decided = set()
    for rows in (
        ReviewDecision.objects.for_user(user)
        .filter(decided_at__gte=start)
        .values_list("readings", flat=True)
    ):
        decided.update((row[0], row[1]) for row in rows)
    rows = (
        Reading.objects.filter(
            sensor_id__in=list(sensors), observed_at__gte=start, observed_at__lt=end
        )
        .order_by("sensor_id", "observed_at")
        .values_list("sensor_id", "observed_at", "value", "flag", "quality")
    )
    found: list[dict] = []
    series: list[tuple] = []

    def scan(series):
        run = 0
        for i, (sensor_id, at, value, flag, quality) in enumerate(series):
            run = run + 1 if i and series[i - 1][2] == value else 1
            if quality == QualityFlag.VALIDATED:
                continue
            prev = series[i - 1][2] if i else None
            nxt = series[i + 1][2] if i + 1 < len(series) else None
            low, high, parameter, station = sensors[sensor_id]
            reasons = _reasons(prev, value, nxt, run, flag, low, high)
            if not reasons or (sensor_id, at.isoformat()) in decided:
                continue
            if quality == QualityFlag.INVALID and flag not in SUSPECT_FLAGS:
                continue
            found.append(
                {
                    "sensor": sensor_id,
                    "station": station,
                    "parameter": parameter,
                    "observed_at": at,
                    "value": value,
                    "flag": flag,
                    "quality": quality,
                    "reasons": reasons,
                }
            )

    for row in rows.iterator(chunk_size=5000):
        if series and series[-1][0] != row[0]:
            scan(series)
            series = []
        series.append(row)
    if series:
        scan(series)
    return found[:QUEUE_LIMIT]

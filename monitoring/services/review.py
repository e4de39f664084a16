"""Data review (数据审核): staff validate or invalidate chosen readings in bulk,
with a reason, on the record. Rollups, indices and alarms follow; an
invalidated reading drops out of the boards, the AQI and everything counted for
enforcement (``Reading.objects.valid()`` / ``Alarm.objects.valid()``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput, PermissionDenied
from grid.selectors import user_scope
from monitoring.models import QualityFlag, Reading, ReviewDecision, Sensor
from monitoring.services.rollups import (
    HOUR,
    daily_rollups_compute,
    hour_floor,
    hourly_rollups_compute,
    local_days,
    station_indices_compute,
)

MAX_READINGS_PER_DECISION = 10_000
DECISIONS = (QualityFlag.VALIDATED, QualityFlag.INVALID)


def _check(*, user, quality: str, reason: str) -> str:
    if not user_scope(user=user).is_bureau:
        raise PermissionDenied(_("Only bureau staff review data."))
    if quality not in DECISIONS:
        raise InvalidInput(fields={"quality": [_("Validate or invalidate.")]})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give the reason for the decision.")]})
    return reason


def readings_after_review(*, sensor_ids, start: datetime, end: datetime) -> None:
    """Recompute what the readings of these sensors in [start, end) feed."""
    from monitoring.services.stations import _alarms_revalidate

    first, last = hour_floor(start), hour_floor(end) + HOUR
    hourly_rollups_compute(sensor_ids=sensor_ids, start=first, end=last, prune=True)
    daily_rollups_compute(sensor_ids=sensor_ids, days=local_days(first, last - HOUR))
    station_ids = set(
        Sensor.objects.filter(pk__in=sensor_ids).values_list("station_id", flat=True)
    )
    station_indices_compute(station_ids=station_ids, start=first, end=last)
    _alarms_revalidate(station_ids=station_ids, start=start, end=end + HOUR)


@transaction.atomic
def readings_decide(
    *,
    user,
    readings: list[tuple[int, datetime]],
    quality: str,
    reason: str,
) -> ReviewDecision:
    """Validate or invalidate the named readings ((sensor id, time) pairs), all
    or none: more than 10,000, or one that does not exist in the user's scope,
    is a 400 and nothing changes."""
    reason = _check(user=user, quality=quality, reason=reason)
    if not readings:
        raise InvalidInput(fields={"readings": [_("No reading selected.")]})
    if len(readings) > MAX_READINGS_PER_DECISION:
        raise InvalidInput(
            fields={
                "readings": [
                    _("At most %(max)s readings in one decision; split the batch.")
                    % {"max": f"{MAX_READINGS_PER_DECISION:,}"}
                ]
            }
        )
    by_sensor: dict[int, set[datetime]] = defaultdict(set)
    for sensor_id, observed_at in readings:
        by_sensor[sensor_id].add(observed_at)
    sensors = dict(
        Sensor.objects.for_user(user)
        .filter(pk__in=list(by_sensor))
        .values_list("pk", "station__district_id")
    )
    found: list[tuple[int, datetime, str]] = []
    for sensor_id, times in by_sensor.items():
        if sensor_id not in sensors:
            continue
        found += Reading.objects.filter(
            sensor_id=sensor_id, observed_at__in=list(times)
        ).values_list("sensor_id", "observed_at", "quality")
    wanted = sum(len(times) for times in by_sensor.values())
    if len(found) != wanted:
        raise InvalidInput(
            fields={
                "readings": [
                    _("%(n)s of the readings do not exist or are not yours to review.")
                    % {"n": wanted - len(found)}
                ]
            }
        )
    changing = [row for row in found if row[2] != quality]
    for sensor_id, times in by_sensor.items():
        Reading.objects.filter(
            sensor_id=sensor_id, observed_at__in=list(times)
        ).exclude(quality=quality).update(quality=quality)
    decision = ReviewDecision.objects.create(
        district_id=next(iter(sensors.values())),
        decided_by=user,
        quality=quality,
        reason=reason,
        count=len(changing),
        readings=[[s, at.isoformat(), before] for s, at, before in changing],
    )
    if changing:
        times = [at for _s, at, _q in changing]
        readings_after_review(
            sensor_ids=sorted({s for s, _at, _q in changing}),
            start=min(times),
            end=max(times),
        )
    return decision

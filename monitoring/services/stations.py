"""Stations and sensors; review of readings (raw → validated / invalid)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, PermissionDenied
from grid.models import District
from grid.selectors import grid_cell_locate, user_scope
from monitoring.models import Alarm, QualityFlag, Reading, Sensor, Station
from monitoring.parameters import DEFAULT_PARAMETERS, PARAMETERS
from monitoring.services.rollups import (
    HOUR,
    daily_rollups_compute,
    hour_floor,
    hourly_rollups_compute,
    local_days,
    station_indices_compute,
)


def _validation_fields(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            f: [str(m) for e in errs for m in e.messages]
            for f, errs in error.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


@transaction.atomic
def station_create(
    *,
    code: str,
    name: str,
    kind: str,
    lon: float,
    lat: float,
    district: District,
    default_sensors: bool = True,
    interval_s: int = 60,
    **fields,
) -> Station:
    """Create a station located in its grid cell (and street), with one sensor
    per default parameter of its kind."""
    station = Station(
        code=code, name=name, kind=kind, lon=lon, lat=lat, district=district, **fields
    )
    cell = grid_cell_locate(lon=lon, lat=lat)
    if cell is not None:
        station.grid_cell = cell
        station.street = cell.street
    elif station.enterprise_id:
        station.street_id = station.enterprise.street_id
    try:
        station.full_clean()
    except ValidationError as error:
        raise InvalidInput(fields=_validation_fields(error)) from None
    station.save()
    if default_sensors:
        sensors_add_defaults(station=station, interval_s=interval_s)
    return station


def sensors_add_defaults(*, station: Station, interval_s: int = 60) -> list[Sensor]:
    """Add the kind's default sensors that the station does not have yet."""
    have = set(station.sensors.values_list("parameter", flat=True))
    sensors = []
    for code in DEFAULT_PARAMETERS.get(station.kind, []):
        if code in have:
            continue
        spec = PARAMETERS[code]
        sensors.append(
            Sensor(
                station=station,
                parameter=code,
                unit=spec.unit,
                hj212_code=spec.hj212_code,
                interval_s=interval_s,
                valid_min=spec.valid_min,
                valid_max=spec.valid_max,
            )
        )
    return Sensor.objects.bulk_create(sensors)


@transaction.atomic
def readings_review(
    *,
    user,
    sensors,
    start: datetime,
    end: datetime,
    quality: str,
    reason: str = "",
    now: datetime | None = None,
) -> int:
    """Mark a time range of readings validated or invalid (data review), then
    recompute the rollups and indices that used them. Alarms whose readings are
    now all validated start to count toward enforcement."""
    if not user_scope(user=user).is_bureau:
        raise PermissionDenied(_("Only bureau staff review data."))
    if quality not in (QualityFlag.VALIDATED, QualityFlag.INVALID, QualityFlag.RAW):
        raise InvalidInput(fields={"quality": [_("Unknown quality.")]})
    if start >= end:
        raise InvalidInput(fields={"end": [_("The end must be after the start.")]})
    sensor_ids = list(sensors.values_list("pk", flat=True))
    if not sensor_ids:
        raise InvalidInput(fields={"sensors": [_("No sensor selected.")]})
    from monitoring.models import ReviewDecision
    from monitoring.services.review import MAX_READINGS_PER_DECISION

    changing = Reading.objects.filter(
        sensor_id__in=sensor_ids, observed_at__gte=start, observed_at__lt=end
    ).exclude(quality=quality)
    before = list(
        changing.values_list("sensor_id", "observed_at", "quality")[
            : MAX_READINGS_PER_DECISION + 1
        ]
    )
    if len(before) > MAX_READINGS_PER_DECISION:
        raise InvalidInput(
            fields={
                "end": [
                    _("At most %(max)s readings in one decision; split the batch.")
                    % {"max": f"{MAX_READINGS_PER_DECISION:,}"}
                ]
            }
        )
    changed = changing.update(quality=quality)
    ReviewDecision.objects.create(
        district_id=sensors.values_list("station__district_id", flat=True)[0],
        decided_by=user,
        quality=quality,
        reason=(reason or "").strip() or _("Reviewed by time range"),
        count=changed,
        readings=[[s, at.isoformat(), q] for s, at, q in before],
    )
    first, last = hour_floor(start), hour_floor(end) + HOUR
    hourly_rollups_compute(sensor_ids=sensor_ids, start=first, end=last, prune=True)
    daily_rollups_compute(sensor_ids=sensor_ids, days=local_days(first, last - HOUR))
    station_ids = set(
        Sensor.objects.filter(pk__in=sensor_ids).values_list("station_id", flat=True)
    )
    station_indices_compute(station_ids=station_ids, start=first, end=last)
    _alarms_revalidate(station_ids=station_ids, start=start, end=end)
    return changed


def _alarms_revalidate(*, station_ids, start: datetime, end: datetime) -> None:
    """An alarm counts toward enforcement when every usable reading of its
    rule's parameter during the alarm is validated."""
    alarms = (
        Alarm.objects.filter(station_id__in=station_ids, started_at__lt=end)
        .exclude(ended_at__lt=start)
        .select_related("rule")
    )
    for alarm in alarms:
        readings = Reading.objects.filter(
            sensor__station_id=alarm.station_id,
            observed_at__gte=alarm.started_at,
            observed_at__lte=alarm.ended_at or timezone.now(),
        )
        if alarm.rule.parameter:
            readings = readings.filter(sensor__parameter=alarm.rule.parameter)
        usable = readings.exclude(quality=QualityFlag.INVALID)
        validated = (
            usable.exists() and not usable.filter(quality=QualityFlag.RAW).exists()
        )
        if validated != alarm.validated:
            alarm.validated = validated
            alarm.save(update_fields=["validated", "updated_at"])

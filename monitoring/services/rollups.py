"""Rollups and station indices.

Hourly rollups are one grouped query per set of sensors (invalid readings left
out, coverage kept); daily rollups follow from the hourly ones over natural days
in Asia/Shanghai; station indices (AQI, water class, noise) follow from both and
are stored with the standard edition used.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Avg, Count, DateTimeField, F, Func, Max, Min, Q
from django.db.models.functions import (
    ATan2,
    Cos,
    Degrees,
    Log,
    Mod,
    Power,
    Radians,
    Sin,
)

from monitoring import indices
from monitoring.indices import LOCAL_TZ
from monitoring.models import (
    DailyRollup,
    HourlyRollup,
    QualityFlag,
    Reading,
    Sensor,
    Station,
    StationIndex,
)
from monitoring.parameters import CIRCULAR, ENERGY, MEAN, PARAMETERS

HOUR = timedelta(hours=1)
AIR_KEYS = ("SO2", "NO2", "CO", "O3", "PM10", "PM2_5")
WATER_KEYS = indices.WATER_ITEMS
# Validity (GB 3095 data-validity rules): 45 of 60 minutes make an hourly mean,
# 6 of 8 hours an 8-hour mean, 20 of 24 hours a daily (or 24-hour) mean.
HOURLY_MIN_COVERAGE = 0.75
EIGHT_HOUR_MIN = 6
DAILY_MIN_HOURS = 20


def hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    return start, end.astimezone(UTC)


def local_days(first: datetime, last: datetime) -> list[date]:
    day, final = indices.local_date(first), indices.local_date(last)
    days = []
    while day <= final:
        days.append(day)
        day += timedelta(days=1)
    return days


@dataclass
class RollupReport:
    hourly: int = 0
    daily: int = 0
    indices: int = 0


# ---------------------------------------------------------------------------
# Hourly
# ---------------------------------------------------------------------------


def _sensor_meta(sensor_ids: Iterable[int]) -> dict[int, dict]:
    return {
        row["id"]: row
        for row in Sensor.objects.filter(pk__in=list(sensor_ids)).values(
            "id", "station_id", "parameter", "interval_s"
        )
    }


def _aggregation(parameter: str) -> str:
    spec = PARAMETERS.get(parameter)
    return spec.aggregation if spec else MEAN


class HourStart(Func):
    """The UTC hour a time falls in. On SQLite, where times are stored as UTC
    text, a substring instead of Django's per-row Python truncation (rollups
    touch every reading)."""

    output_field = DateTimeField()

    def as_sql(self, compiler, connection, **extra_context):
        return self.as_sql_template(
            compiler,
            connection,
            "DATE_TRUNC('hour', %(expressions)s AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql_template(
            compiler, connection, "SUBSTR(%(expressions)s, 1, 13) || ':00:00'"
        )

    def as_sql_template(self, compiler, connection, template):
        sql, params = compiler.compile(self.source_expressions[0])
        return template % {"expressions": sql}, params


def _hourly_select(ids: list[int], aggregation: str, start, end):
    """The grouped query of hourly means, in SQL (and its parameters)."""
    queryset = (
        Reading.objects.filter(
            sensor_id__in=ids, observed_at__gte=start, observed_at__lt=end
        )
        .exclude(quality=QualityFlag.INVALID)
        .annotate(hour=HourStart("observed_at"))
        .values("sensor_id", "hour")
        .annotate(
            low=Min("value"),
            high=Max("value"),
            n=Count("value"),
            validated=Count("value", filter=Q(quality=QualityFlag.VALIDATED)),
        )
    )
    if aggregation == ENERGY:
        queryset = queryset.annotate(
            energy=Avg(Power(10.0, F("value") / 10.0))
        ).annotate(mean=10.0 * Log(10.0, F("energy")))
    elif aggregation == CIRCULAR:
        queryset = queryset.annotate(
            s=Avg(Sin(Radians("value"))), c=Avg(Cos(Radians("value")))
        ).annotate(mean=Mod(Degrees(ATan2(F("s"), F("c"))) + 360.0, 360.0))
    else:
        queryset = queryset.annotate(mean=Avg("value"))
    return (
        queryset.order_by()
        .values_list("sensor_id", "hour", "mean", "low", "high", "n", "validated")
        .query.sql_with_params()
    )


def hourly_rollups_compute(
    *, sensor_ids: list[int], start: datetime, end: datetime, prune: bool = False
) -> int:
    """(Re)compute the hourly rollups of the sensors for hours in [start, end),
    in the database (INSERT … SELECT … ON CONFLICT DO UPDATE). With ``prune``,
    hours left without usable readings lose their rollup (after readings were
    invalidated)."""
    meta = _sensor_meta(sensor_ids)
    groups: dict[str, list[int]] = defaultdict(list)
    for sensor_id, row in meta.items():
        groups[_aggregation(row["parameter"])].append(sensor_id)
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if prune:
            HourlyRollup.objects.filter(
                sensor_id__in=sensor_ids, hour_start__gte=start, hour_start__lt=end
            ).delete()
        for aggregation, ids in groups.items():
            select, params = _hourly_select(ids, aggregation, start, end)
            # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as a join clause
            cursor.execute(
                "INSERT INTO monitoring_hourlyrollup (sensor_id, hour_start, "
                "value_mean, value_min, value_max, count, expected, validated_count) "
                "SELECT q.sensor_id, q.hour, q.mean, q.low, q.high, q.n, "
                "CASE WHEN s.interval_s >= 3600 THEN 1 ELSE 3600 / s.interval_s END, "
                f"q.validated FROM ({select}) q "
                "JOIN monitoring_sensor s ON s.id = q.sensor_id WHERE 1 = 1 "
                "ON CONFLICT (sensor_id, hour_start) DO UPDATE SET "
                "value_mean = excluded.value_mean, value_min = excluded.value_min, "
                "value_max = excluded.value_max, count = excluded.count, "
                "expected = excluded.expected, "
                "validated_count = excluded.validated_count",
                params,
            )
            written += max(cursor.rowcount, 0)
    return written


# ---------------------------------------------------------------------------
# Daily
# ---------------------------------------------------------------------------


def _mean(values: list[float], aggregation: str) -> float:
    if aggregation == ENERGY:
        return indices.energy_mean_db(values)
    if aggregation == CIRCULAR:
        s = sum(math.sin(math.radians(v)) for v in values)
        c = sum(math.cos(math.radians(v)) for v in values)
        return math.degrees(math.atan2(s, c)) % 360
    return sum(values) / len(values)


def _max_8h(by_hour: dict[int, float]) -> float | None:
    """Daily maximum of the 8-hour sliding means (windows starting 00–16 h)."""
    best = None
    for first in range(17):
        window = [by_hour[h] for h in range(first, first + 8) if h in by_hour]
        if len(window) >= EIGHT_HOUR_MIN:
            mean = sum(window) / len(window)
            best = mean if best is None else max(best, mean)
    return best


def daily_rollups_compute(*, sensor_ids: list[int], days: Iterable[date]) -> int:
    """(Re)compute daily rollups of the sensors for the given local days."""
    days = sorted(set(days))
    if not days or not sensor_ids:
        return 0
    meta = _sensor_meta(sensor_ids)
    start, _end = local_day_bounds(days[0])
    _start, end = local_day_bounds(days[-1])
    wanted = set(days)
    hours: dict[tuple[int, date], list] = defaultdict(list)
    rows = HourlyRollup.objects.filter(
        sensor_id__in=sensor_ids, hour_start__gte=start, hour_start__lt=end
    ).values_list(
        "sensor_id", "hour_start", "value_mean", "count", "expected", "validated_count"
    )
    for sensor_id, hour_start, mean, count, expected, validated in rows:
        local = hour_start.astimezone(LOCAL_TZ)
        if local.date() in wanted:
            hours[(sensor_id, local.date())].append(
                (local.hour, mean, count, expected, validated)
            )
    dailies = []
    for (sensor_id, day), entries in hours.items():
        parameter = meta[sensor_id]["parameter"]
        interval = meta[sensor_id]["interval_s"]
        valid = [e for e in entries if e[2] >= HOURLY_MIN_COVERAGE * e[3]]
        if not valid:
            continue
        values = [e[1] for e in valid]
        dailies.append(
            DailyRollup(
                sensor_id=sensor_id,
                day=day,
                value_mean=_mean(values, _aggregation(parameter)),
                value_min=min(values),
                value_max=max(values),
                value_max_8h=_max_8h({e[0]: e[1] for e in valid})
                if parameter == "O3"
                else None,
                hours=len(valid),
                expected_hours=24 if interval <= 3600 else max(1, 86400 // interval),
                validated=all(e[4] == e[2] for e in entries),
            )
        )
    DailyRollup.objects.bulk_create(
        dailies,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["sensor", "day"],
        update_fields=[
            "value_mean",
            "value_min",
            "value_max",
            "value_max_8h",
            "hours",
            "expected_hours",
            "validated",
        ],
    )
    return len(dailies)


# ---------------------------------------------------------------------------
# Station indices
# ---------------------------------------------------------------------------


def _index(station_id, kind, period_start, edition, **fields) -> StationIndex:
    return StationIndex(
        station_id=station_id,
        kind=kind,
        period_start=period_start,
        edition=edition,
        **fields,
    )


def _air_hourly(station_id, series, hours) -> list[StationIndex]:
    """series: key -> {hour_start: (mean, validated)} of valid hourly means."""
    result = []
    for hour in hours:
        values: dict[str, float] = {}
        validated = True
        for key in AIR_KEYS:
            entry = series.get(key, {}).get(hour)
            if entry is not None:
                values[key] = entry[0]
                validated &= entry[1]
        ozone = [series.get("O3", {}).get(hour - HOUR * back) for back in range(8)]
        ozone = [entry[0] for entry in ozone if entry is not None]
        if len(ozone) >= EIGHT_HOUR_MIN:
            values["O3_8h"] = sum(ozone) / len(ozone)
        edition = indices.aqi_edition(indices.local_date(hour))
        if edition == indices.EDITION_2012:
            # 2012 real-time reports index PM (and SO2 above 800) by 24-hour means
            for key, target in (
                ("PM10", "PM10"),
                ("PM2_5", "PM2_5"),
                ("SO2", "SO2_24h"),
            ):
                day = [
                    series.get(key, {}).get(hour - HOUR * back) for back in range(24)
                ]
                day = [entry[0] for entry in day if entry is not None]
                if len(day) >= DAILY_MIN_HOURS:
                    values[target] = sum(day) / len(day)
                elif target != "SO2_24h":
                    values.pop(target, None)
        if not values:
            continue
        aqi = indices.aqi_hourly(values, hour)
        result.append(
            _index(
                station_id,
                StationIndex.Kind.AQI_HOURLY,
                hour,
                aqi.edition,
                value=aqi.aqi,
                level=aqi.level,
                label=aqi.category or "NA",
                colour=aqi.colour or "",
                exceeded=aqi.aqi is not None and aqi.aqi > 100,
                validated=validated,
                detail={
                    "iaqi": aqi.iaqi,
                    "primary": aqi.primary_pollutants,
                    "missing": aqi.missing,
                    "concentrations": {k: round(v, 3) for k, v in values.items()},
                },
            )
        )
    return result


def _air_daily(station_id, daily, days) -> list[StationIndex]:
    """daily: key -> {day: DailyRollup} of valid daily rollups."""
    result = []
    for day in days:
        values: dict[str, float] = {}
        validated = True
        for key in ("SO2", "NO2", "CO", "PM10", "PM2_5"):
            rollup = daily.get(key, {}).get(day)
            if rollup is not None:
                values[key] = rollup.value_mean
                validated &= rollup.validated
        ozone = daily.get("O3", {}).get(day)
        if ozone is not None:
            values["O3"] = ozone.value_max
            if ozone.value_max_8h is not None:
                values["O3_8h"] = ozone.value_max_8h
            validated &= ozone.validated
        if not values:
            continue
        aqi = indices.aqi_daily(values, day)
        start, _end = local_day_bounds(day)
        result.append(
            _index(
                station_id,
                StationIndex.Kind.AQI_DAILY,
                start,
                aqi.edition,
                value=aqi.aqi,
                level=aqi.level,
                label=aqi.category or "NA",
                colour=aqi.colour or "",
                exceeded=aqi.aqi is not None and aqi.aqi > 100,
                validated=validated,
                detail={
                    "iaqi": aqi.iaqi,
                    "primary": aqi.primary_pollutants,
                    "missing": aqi.missing,
                    "concentrations": {k: round(v, 3) for k, v in values.items()},
                },
            )
        )
    return result


def _water(station, kind, period_start, values, validated) -> StationIndex | None:
    if not values:
        return None
    try:
        result = indices.water_class(
            values, station.water_body or "river", target=station.water_target or None
        )
    except ValueError:
        return None
    target = indices.GRADE_NUMBER.get(station.water_target or "", 6)
    return _index(
        station.pk,
        kind,
        period_start,
        "GB 3838-2002",
        value=result.grade_number,
        level=result.grade_number,
        label=result.grade,
        colour=result.colour,
        exceeded=result.grade_number > target,
        validated=validated,
        detail={
            "limiting": result.limiting,
            "quality": result.quality,
            "items": {
                item: {
                    "value": round(c.value, 4),
                    "grade": c.grade,
                    "exceedance": c.exceedance_multiple,
                }
                for item, c in result.items.items()
            },
        },
    )


def _noise(station, kind, period_start, leq, lmax, at, validated, extra=None):
    check = indices.noise_check(station.noise_zone, leq, at, lmax)
    return _index(
        station.pk,
        kind,
        period_start,
        "GB 3096-2008",
        value=round(leq, 1),
        level=None,
        label=check.period,
        colour="#E74C3C" if check.exceeded or check.lmax_exceeded else "#27AE60",
        exceeded=check.exceeded or check.lmax_exceeded,
        validated=validated,
        detail={
            "limit": check.limit,
            "lmax": None if lmax is None else round(lmax, 1),
            "lmax_exceeded": check.lmax_exceeded,
            "excess_db": check.excess_db,
            **(extra or {}),
        },
    )


def station_indices_compute(
    *, station_ids: Iterable[int], start: datetime, end: datetime
) -> int:
    """(Re)compute the hourly indices for hours in [start, end) and the daily
    ones for the local days those hours touch."""
    stations = {
        s.pk: s
        for s in Station.objects.filter(
            pk__in=list(station_ids),
            kind__in=[
                Station.Kind.AMBIENT_AIR,
                Station.Kind.SURFACE_WATER,
                Station.Kind.NOISE,
            ],
        )
    }
    if not stations:
        return 0
    start, end = hour_floor(start), hour_floor(end - timedelta(microseconds=1)) + HOUR
    days = local_days(start, end - HOUR)
    day_start, _ = local_day_bounds(days[0])
    _, day_end = local_day_bounds(days[-1])
    lookback = min(start - 24 * HOUR, day_start - HOUR)
    hourly: dict[int, dict[str, dict[datetime, tuple]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for (
        station_id,
        parameter,
        hour,
        mean,
        high,
        count,
        expected,
        validated,
    ) in HourlyRollup.objects.filter(
        sensor__station_id__in=list(stations),
        hour_start__gte=lookback,
        hour_start__lt=max(end, day_end),
    ).values_list(
        "sensor__station_id",
        "sensor__parameter",
        "hour_start",
        "value_mean",
        "value_max",
        "count",
        "expected",
        "validated_count",
    ):
        if count >= HOURLY_MIN_COVERAGE * expected:
            hourly[station_id][parameter][hour] = (mean, validated == count, high)
    daily: dict[int, dict[str, dict[date, DailyRollup]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for rollup in DailyRollup.objects.filter(
        sensor__station_id__in=list(stations), day__gte=days[0], day__lte=days[-1]
    ).select_related("sensor"):
        if rollup.is_valid:
            daily[rollup.sensor.station_id][rollup.sensor.parameter][rollup.day] = (
                rollup
            )
    hours = []
    moment = start
    while moment < end:
        hours.append(moment)
        moment += HOUR
    results: list[StationIndex] = []
    for station_id, station in stations.items():
        series = hourly[station_id]
        if station.kind == Station.Kind.AMBIENT_AIR:
            results += _air_hourly(station_id, series, hours)
            results += _air_daily(station_id, daily[station_id], days)
        elif station.kind == Station.Kind.SURFACE_WATER:
            for hour in hours:
                values = {
                    k: series[k][hour][0]
                    for k in WATER_KEYS
                    if hour in series.get(k, {})
                }
                validated = all(series[k][hour][1] for k in values)
                index = _water(
                    station, StationIndex.Kind.WATER_HOURLY, hour, values, validated
                )
                if index:
                    results.append(index)
            for day in days:
                rollups = {
                    k: daily[station_id][k][day]
                    for k in WATER_KEYS
                    if day in daily[station_id].get(k, {})
                }
                index = _water(
                    station,
                    StationIndex.Kind.WATER_DAILY,
                    local_day_bounds(day)[0],
                    {k: r.value_mean for k, r in rollups.items()},
                    all(r.validated for r in rollups.values()),
                )
                if index:
                    results.append(index)
        elif station.kind == Station.Kind.NOISE and station.noise_zone:
            leq = series.get("LAeq", {})
            lmax = series.get("LAmax", {})
            for hour in hours:
                if hour in leq:
                    peak = lmax.get(hour)
                    results.append(
                        _noise(
                            station,
                            StationIndex.Kind.NOISE_HOURLY,
                            hour,
                            leq[hour][0],
                            peak[2] if peak else None,
                            hour,
                            leq[hour][1],
                        )
                    )
            for day in days:
                results += _noise_periods(station, day, leq, lmax)
    StationIndex.objects.bulk_create(
        results,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["station", "kind", "period_start"],
        update_fields=[
            "value",
            "level",
            "label",
            "colour",
            "exceeded",
            "validated",
            "detail",
            "edition",
        ],
    )
    return len(results)


def _noise_periods(station, day: date, leq: dict, lmax: dict) -> list[StationIndex]:
    """Day (06–22) and night (22–06 next day) equivalent levels of a local day."""
    results = []
    for kind, first_hour, length in (
        (StationIndex.Kind.NOISE_DAY, 6, 16),
        (StationIndex.Kind.NOISE_NIGHT, 22, 8),
    ):
        start = datetime.combine(day, time(first_hour), tzinfo=LOCAL_TZ).astimezone(UTC)
        period = [start + HOUR * i for i in range(length)]
        levels = [leq[h] for h in period if h in leq]
        if not levels:
            continue
        peaks = [lmax[h][2] for h in period if h in lmax]
        results.append(
            _noise(
                station,
                kind,
                start,
                indices.energy_mean_db([entry[0] for entry in levels]),
                max(peaks) if peaks else None,
                start,
                all(entry[1] for entry in levels),
                extra={"hours": len(levels), "expected_hours": length},
            )
        )
    return results


# ---------------------------------------------------------------------------
# Entry point after ingestion
# ---------------------------------------------------------------------------


def rollups_update(*, touched: dict[int, tuple[datetime, datetime]]) -> RollupReport:
    """Bring rollups and indices up to date for readings that just arrived:
    ``touched`` maps a sensor id to the first and last time stored."""
    report = RollupReport()
    if not touched:
        return report
    buckets: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
    for sensor_id, (first, last) in touched.items():
        buckets[(hour_floor(first), hour_floor(last) + HOUR)].append(sensor_id)
    for (start, end), sensor_ids in buckets.items():
        report.hourly += hourly_rollups_compute(
            sensor_ids=sensor_ids, start=start, end=end
        )
        report.daily += daily_rollups_compute(
            sensor_ids=sensor_ids, days=local_days(start, end - HOUR)
        )
    overall_start = min(start for start, _end in buckets)
    overall_end = max(end for _start, end in buckets)
    station_ids = set(
        Sensor.objects.filter(pk__in=list(touched)).values_list("station_id", flat=True)
    )
    report.indices = station_indices_compute(
        station_ids=station_ids, start=overall_start, end=overall_end
    )
    return report

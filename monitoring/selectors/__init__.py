"""Reads of the monitoring app. Every read starts from ``for_user``: what is out
of a user's scope is not found."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from monitoring.models import (
    Alarm,
    DailyRollup,
    HourlyRollup,
    IngestRejection,
    Reading,
    Station,
    StationIndex,
    Survey,
)
from monitoring.selectors.boards import (
    board_air,
    board_enterprise,
    board_indoor,
    board_noise,
    board_water,
    sensor_list,
    station_map,
    station_recent,
)
from monitoring.selectors.tracing import Wind, trace_request, trace_sources, wind_at

__all__ = [
    "Wind",
    "alarm_get",
    "alarm_list",
    "board_air",
    "board_enterprise",
    "board_indoor",
    "board_noise",
    "board_water",
    "enterprise_exceedance_days",
    "reading_list",
    "rejection_list",
    "sensor_list",
    "station_get",
    "station_index_list",
    "station_list",
    "station_map",
    "station_recent",
    "survey_get",
    "survey_list",
    "trace_request",
    "trace_sources",
    "survey_district",
    "survey_nearby_complaints",
    "hourly_rollup_list",
    "daily_rollup_list",
    "wind_at",
]


def station_list(*, user) -> QuerySet[Station]:
    return Station.objects.for_user(user).select_related(
        "district", "street", "enterprise"
    )


def station_get(*, user, pk: int) -> Station:
    return get_object_or_404(station_list(user=user), pk=pk)


def reading_list(*, user) -> QuerySet[Reading]:
    return Reading.objects.for_user(user).order_by("-observed_at")


def hourly_rollup_list(*, user) -> QuerySet[HourlyRollup]:
    return HourlyRollup.objects.for_user(user).order_by("-hour_start")


def daily_rollup_list(*, user) -> QuerySet[DailyRollup]:
    return DailyRollup.objects.for_user(user).order_by("-day")


def station_index_list(*, user) -> QuerySet[StationIndex]:
    return StationIndex.objects.for_user(user).order_by("-period_start")


def alarm_list(*, user) -> QuerySet[Alarm]:
    return Alarm.objects.for_user(user).select_related(
        "rule", "station", "station__enterprise", "annotated_by"
    )


def alarm_get(*, user, pk: int) -> Alarm:
    return get_object_or_404(alarm_list(user=user), pk=pk)


def rejection_list(*, user) -> QuerySet[IngestRejection]:
    return IngestRejection.objects.for_user(user).select_related("station")


def survey_list(*, user) -> QuerySet[Survey]:
    return Survey.objects.for_user(user).select_related("uploaded_by")


def survey_get(*, user, pk: int) -> Survey:
    return get_object_or_404(survey_list(user=user), pk=pk)


def enterprise_exceedance_days(
    *, since: datetime, until: datetime | None = None
) -> dict[int, int]:
    """Per enterprise, the local days in [since, until) with an alarm at one of
    its monitors whose readings are validated (only validated data counts toward
    enforcement). One grouped query for all enterprises."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from monitoring.indices import LOCAL_TZ

    alarms = Alarm.objects.filter(
        validated=True, station__enterprise__isnull=False, started_at__gte=since
    )
    if until is not None:
        alarms = alarms.filter(started_at__lt=until)
    rows = (
        alarms.annotate(day=TruncDate("started_at", tzinfo=LOCAL_TZ))
        .values("station__enterprise_id")
        .annotate(days=Count("day", distinct=True))
        .order_by()
    )
    return {row["station__enterprise_id"]: row["days"] for row in rows}


def survey_district(*, user):
    """The district a user's survey belongs to: their bureau's district."""
    from grid.models import District
    from grid.selectors import user_scope

    scope = user_scope(user=user)
    districts = District.objects.for_user(user).order_by("pk")
    if scope.district_ids:
        districts = districts.filter(pk__in=scope.district_ids)
    return districts.first()


def survey_nearby_complaints(
    *, user, survey, radius_m: float = 500, days: int = 7
) -> list[dict]:
    """Grid tickets the user may see reported within ``radius_m`` of a hotspot
    and within ``days`` of the survey, nearest first: what citizens noticed
    where the vehicle measured high values. One bounding-box query, then exact
    distances."""
    import math
    from datetime import timedelta

    from core.geo import distance_m
    from grid.selectors import ticket_list

    hotspots = list(survey.hotspots.all())
    if not hotspots:
        return []
    dlat = radius_m / 111_320
    dlon = dlat / max(math.cos(math.radians(hotspots[0].lat)), 0.1)
    tickets = ticket_list(user=user).filter(
        reported_at__gte=survey.started_at - timedelta(days=days),
        reported_at__lte=survey.ended_at + timedelta(days=days),
        lat__gte=min(h.lat for h in hotspots) - dlat,
        lat__lte=max(h.lat for h in hotspots) + dlat,
        lon__gte=min(h.lon for h in hotspots) - dlon,
        lon__lte=max(h.lon for h in hotspots) + dlon,
    )
    found = []
    for ticket in tickets:
        distance, hotspot = min(
            (distance_m(h.lat, h.lon, ticket.lat, ticket.lon), h.rank) for h in hotspots
        )
        if distance <= radius_m:
            found.append(
                {
                    "hotspot": hotspot,
                    "reference": ticket.reference,
                    "url": ticket.get_absolute_url(),
                    "reported_at": ticket.reported_at,
                    "description": ticket.description[:200],
                    "distance_m": round(distance),
                }
            )
    return sorted(found, key=lambda row: (row["distance_m"], row["reference"]))


from monitoring.selectors.review import review_queue  # noqa: E402,F401

"""The monitoring panel on the dashboard."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from monitoring.models import Alarm, Station, StationIndex


def dashboard_context(*, user) -> dict | None:
    stations = Station.objects.for_user(user).exclude(status=Station.Status.RETIRED)
    total = stations.count()
    if not total:
        return None
    now = timezone.now()
    alarms = Alarm.objects.for_user(user)
    worst = (
        StationIndex.objects.filter(
            station__in=stations,
            kind=StationIndex.Kind.AQI_HOURLY,
            period_start__gte=now - timedelta(hours=3),
            value__isnull=False,
        )
        .order_by("-value")
        .first()
    )
    return {
        "stations": total,
        "offline": stations.exclude(last_seen_at__gte=now - timedelta(hours=2)).count(),
        "open_alarms": alarms.filter(status=Alarm.Status.OPEN).count(),
        "pending": alarms.filter(dispatch_status=Alarm.Dispatch.PENDING).count(),
        "worst_aqi": worst,
    }

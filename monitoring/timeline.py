"""The enterprise file's timeline: alarms of the enterprise's online monitors."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from enforcement.services import TimelineEvent
from monitoring.models import Alarm


def alarm_events(*, enterprise, user) -> Iterator[TimelineEvent]:
    alarms = (
        Alarm.objects.for_user(user)
        .filter(station__enterprise=enterprise)
        .select_related("rule", "station")
        .order_by("-started_at")[:50]
    )
    for alarm in alarms:
        yield TimelineEvent(
            at=alarm.started_at,
            source="monitoring",
            title=_("Monitor alarm: %(rule)s") % {"rule": alarm.rule.name},
            detail=_("%(station)s, peak %(peak)s %(unit)s, %(dispatch)s")
            % {
                "station": alarm.station.name,
                "peak": round(alarm.peak_value, 3),
                "unit": alarm.unit,
                "dispatch": alarm.get_dispatch_status_display(),
            },
            url=alarm.get_absolute_url(),
        )

"""The enterprise file's timeline: when the enterprise was put on a city list."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from enforcement.services import TimelineEvent
from exchange.models import CityListEntry


def city_list_events(*, enterprise, user) -> Iterator[TimelineEvent]:
    entries = (
        CityListEntry.objects.for_user(user)
        .filter(enterprise=enterprise)
        .select_related("city_list")
        .order_by("-listed_at")
    )
    for entry in entries:
        yield TimelineEvent(
            at=entry.listed_at,
            source="exchange",
            title=_("On the city list: %(list)s") % {"list": entry.city_list.name},
            detail=entry.city_list.get_kind_display(),
        )

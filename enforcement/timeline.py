"""Timeline events of the registry itself."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from enforcement.models import Enterprise
from enforcement.registry import TimelineEvent


def registry_events(*, enterprise: Enterprise, user) -> Iterator[TimelineEvent]:
    yield TimelineEvent(
        at=enterprise.created_at,
        source="registry",
        title=_("Registered in the platform"),
    )
    if enterprise.location_override:
        yield TimelineEvent(
            at=enterprise.updated_at,
            source="registry",
            title=_("Street / grid cell set by hand"),
            detail=enterprise.location_override_note,
        )

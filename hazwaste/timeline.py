"""What hazwaste contributes to the enterprise file and the dashboard."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from enforcement.services import TimelineEvent
from grid.selectors import user_scope
from hazwaste import selectors


def manifest_events(*, enterprise, user) -> Iterator[TimelineEvent]:
    for manifest in selectors.manifests_for_timeline(enterprise=enterprise, user=user):
        yield TimelineEvent(
            at=manifest.submitted_at or manifest.created_at,
            source="hazwaste",
            title=_("Transfer manifest %(number)s: %(status)s")
            % {"number": manifest.number, "status": manifest.get_status_display()},
            detail=f"{manifest.waste_code.code} · {manifest.shipped_kg:.1f} kg",
            url=manifest.get_absolute_url(),
        )
    for warning in selectors.warning_list(user=user, filters={"status": "all"}).filter(
        producer__enterprise=enterprise
    )[:20]:
        yield TimelineEvent(
            at=warning.first_seen_at,
            source="hazwaste",
            title=_("Waste warning: %(rule)s")
            % {"rule": warning.rule.get_code_display()},
            detail=warning.get_status_display(),
            url=warning.get_absolute_url(),
        )


def dashboard_context(*, user) -> dict | None:
    if not user_scope(user=user).is_staff_member:
        return None
    return selectors.warning_counts(user=user)

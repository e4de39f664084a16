"""Reads of the enforcement app (its public API for other apps): the enterprise
registry here, the other topics in submodules re-exported below."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from heapq import nlargest
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, F, QuerySet, Sum
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from core.errors import InvalidInput
from enforcement.models import Enterprise
from enforcement.registry import TimelineEvent, dashboard_panels, timeline_sources
from enforcement.selectors.health import (
    Explanation,
    health_code_breakdown,
    health_code_breakdowns,
    health_code_explain,
    health_code_history,
    health_code_list,
    health_overview,
    recompute_run_latest,
    risk_model_active,
)
from enforcement.selectors.joint import (
    joint_action_list,
    joint_calendar,
    joint_case_file,
    joint_case_get,
    joint_case_list,
    joint_case_visible,
    joint_evidence_list,
    joint_inbox,
    joint_invitable_agencies,
    joint_invitation_list,
    joint_measure_list,
    joint_recheck_list,
    joint_shared_sections,
)
from enforcement.selectors.planning import (
    plan_get,
    plan_list,
    plan_public_get,
    plan_targets,
    recusal_list,
)
from enforcement.selectors.records import (
    case_history,
    checklist_template_list,
    inspection_get,
    inspection_list,
    inspection_photo_get,
    penalty_list,
    rectification_list,
    status_history,
    violation_get,
    violation_list,
)


def enterprise_list(*, user, filters: dict | None = None) -> QuerySet[Enterprise]:
    """Enterprises the user may see, filtered by the shared EnterpriseFilter."""
    from enforcement.filters import EnterpriseFilter

    queryset = Enterprise.objects.for_user(user).select_related("street", "grid_cell")
    if filters:
        filterset = EnterpriseFilter(
            filters, queryset=queryset, request=SimpleNamespace(user=user)
        )
        if not filterset.is_valid():
            raise InvalidInput(fields=filterset.errors)
        queryset = filterset.qs
    return queryset


def enterprise_get(*, user, pk: int) -> Enterprise:
    """One enterprise in the user's scope; 404 otherwise."""
    return get_object_or_404(
        Enterprise.objects.for_user(user).select_related(
            "street__district", "grid_cell"
        ),
        pk=pk,
    )


def enterprise_timeline(
    *, enterprise: Enterprise, user, limit: int = 100
) -> list[TimelineEvent]:
    """The newest events from every registered timeline source."""
    events: list[TimelineEvent] = []
    for source in timeline_sources().values():
        events.extend(source(enterprise=enterprise, user=user))
    return nlargest(limit, events, key=lambda event: event.at)


def enterprise_counts(*, user) -> dict:
    """Counts for the dashboard: by sector, by status, by street."""
    queryset = Enterprise.objects.for_user(user)
    return {
        "total": queryset.count(),
        "by_sector": list(
            queryset.values("sector").annotate(n=Count("id")).order_by("-n")
        ),
        "by_status": list(
            queryset.values("status").annotate(n=Count("id")).order_by("-n")
        ),
        "by_street": list(
            queryset.values("street_id", "street__name")
            .annotate(n=Count("id"))
            .order_by("street__name")
        ),
    }


@dataclass(frozen=True)
class Viewport:
    west: float
    south: float
    east: float
    north: float
    zoom: int = 13


MAP_FEATURE_LIMIT = 5000
# A cluster per CLUSTER_PIXELS screen pixels at the viewport's zoom (256-pixel
# web-Mercator tiles), like client-side marker clustering: cluster markers then
# do not overlap. Never finer than CLUSTER_GRID cells across the viewport,
# whatever zoom is claimed: at most (CLUSTER_GRID + 1) ** 2 = 4,225 clusters,
# under the feature limit.
CLUSTER_PIXELS = 64
CLUSTER_GRID = 64
MICRODEGREES = 1_000_000
CLUSTER_WORK_MEM = "32MB"


def enterprise_map(*, user, viewport: Viewport, filters: dict | None = None) -> dict:
    """Map features inside a viewport: points when there are at most
    MAP_FEATURE_LIMIT, otherwise clusters computed in SQL on a grid sized to the
    zoom level and bounded by the viewport (so the answer never exceeds the
    limit)."""
    queryset = (
        enterprise_list(user=user, filters=filters)
        .filter(
            lat__gte=viewport.south,
            lat__lte=viewport.north,
            lon__gte=viewport.west,
            lon__lte=viewport.east,
        )
        .order_by()
    )
    # Probe past the limit first: answered from the covering index
    # (enforcement_ent_lat_lon_cover), so a busy viewport never loads 5,001 rows
    # only to throw them away.
    if not queryset[MAP_FEATURE_LIMIT : MAP_FEATURE_LIMIT + 1].exists():
        points = list(
            queryset.values("id", "name", "sector", "status", "lat", "lon")[
                :MAP_FEATURE_LIMIT
            ]
        )
        return {"type": "points", "count": len(points), "features": points}

    # Snap to the grid with integer arithmetic on whole microdegrees, offset so
    # every value is positive (integer division then floors on PostgreSQL and on
    # SQLite alike). The grid is anchored at (-180, -90), not at the viewport, so
    # clusters stay put while the map pans. Sums, not averages: the centroid is
    # divided out here, which keeps the aggregate cheap over 300,000 rows.
    span = max(viewport.east - viewport.west, viewport.north - viewport.south)
    pixel = 360 / (256 * 2**viewport.zoom)
    cell_degrees = max(CLUSTER_PIXELS * pixel, span / CLUSTER_GRID)
    cell = max(1, math.ceil(cell_degrees * MICRODEGREES))
    clusters = (
        queryset.annotate(
            gx=Cast((F("lon") + 180) * MICRODEGREES, BigIntegerField()) / cell,
            gy=Cast((F("lat") + 90) * MICRODEGREES, BigIntegerField()) / cell,
        )
        .values("gx", "gy")
        .annotate(n=Count("*"), lat_sum=Sum("lat"), lon_sum=Sum("lon"))
        .values_list("n", "lat_sum", "lon_sum")
    )
    with _planned_for_few_groups():
        features = [
            {"lat": lat_sum / n, "lon": lon_sum / n, "count": n}
            for n, lat_sum, lon_sum in clusters
        ]
    return {
        "type": "clusters",
        "count": sum(f["count"] for f in features),
        "features": features,
    }


@contextmanager
def _planned_for_few_groups() -> Iterator[None]:
    """PostgreSQL cannot know that the grid bounds the clusters to a few
    thousand groups: it plans for one group per ~2 rows, which tips a whole
    district (300,000 rows) into sorting on disk and, past its cost threshold,
    into JIT compilation that takes longer than the query itself. For this one
    query (SET LOCAL lasts to the end of the transaction), give the hash table
    room and skip JIT."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
            [CLUSTER_WORK_MEM],
        )
        yield


def dashboard_panel_list(*, user) -> list[tuple[str, dict]]:
    """(template, context) of every registered panel the user may see."""
    rendered = []
    for panel in dashboard_panels():
        context = panel.context(user=user)
        if context is not None:
            rendered.append((panel.template, context))
    return rendered


__all__ = [
    "joint_action_list",
    "joint_calendar",
    "joint_case_file",
    "joint_case_get",
    "joint_case_list",
    "joint_case_visible",
    "joint_evidence_list",
    "joint_inbox",
    "joint_invitable_agencies",
    "joint_invitation_list",
    "joint_measure_list",
    "joint_recheck_list",
    "joint_shared_sections",
    "MAP_FEATURE_LIMIT",
    "Explanation",
    "Viewport",
    "case_history",
    "checklist_template_list",
    "dashboard_panel_list",
    "enterprise_counts",
    "enterprise_get",
    "enterprise_list",
    "enterprise_map",
    "enterprise_timeline",
    "health_code_breakdown",
    "health_code_breakdowns",
    "health_code_explain",
    "health_code_history",
    "health_code_list",
    "health_overview",
    "inspection_get",
    "inspection_list",
    "inspection_photo_get",
    "penalty_list",
    "plan_get",
    "plan_list",
    "plan_public_get",
    "plan_targets",
    "recusal_list",
    "recompute_run_latest",
    "rectification_list",
    "risk_model_active",
    "status_history",
    "violation_get",
    "violation_list",
]

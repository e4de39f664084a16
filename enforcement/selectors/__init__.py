"""Reads of the enforcement app (its public API for other apps): the enterprise
registry here, the other topics in submodules re-exported below."""

from __future__ import annotations

from dataclasses import dataclass
from heapq import nlargest
from types import SimpleNamespace

from django.db.models import Avg, Count, F, FloatField, QuerySet
from django.db.models.functions import Cast, Floor
from django.shortcuts import get_object_or_404

from core.errors import InvalidInput
from enforcement.models import Enterprise
from enforcement.registry import TimelineEvent, dashboard_panels, timeline_sources
from enforcement.selectors.health import (
    Explanation,
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


def enterprise_map(*, user, viewport: Viewport, filters: dict | None = None) -> dict:
    """Map features inside a viewport: points when there are at most
    MAP_FEATURE_LIMIT, otherwise clusters computed in SQL on a grid sized to the
    zoom level (so the answer never exceeds the limit)."""
    queryset = enterprise_list(user=user, filters=filters).filter(
        lat__gte=viewport.south,
        lat__lte=viewport.north,
        lon__gte=viewport.west,
        lon__lte=viewport.east,
    )
    points = list(
        queryset.order_by().values("id", "name", "sector", "status", "lat", "lon")[
            : MAP_FEATURE_LIMIT + 1
        ]
    )
    if len(points) <= MAP_FEATURE_LIMIT:
        return {"type": "points", "count": len(points), "features": points}

    # ~64 x 64 cells over the viewport at most: well under the feature limit.
    cell = (
        max(viewport.east - viewport.west, viewport.north - viewport.south) / 64 or 1e-6
    )
    clusters = (
        queryset.order_by()
        .annotate(
            gx=Floor(Cast(F("lon"), FloatField()) / cell),
            gy=Floor(Cast(F("lat"), FloatField()) / cell),
        )
        .values("gx", "gy")
        .annotate(n=Count("id"), lat=Avg("lat"), lon=Avg("lon"))
    )
    features = [{"lat": c["lat"], "lon": c["lon"], "count": c["n"]} for c in clusters]
    return {
        "type": "clusters",
        "count": sum(f["count"] for f in features),
        "features": features,
    }


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
    "health_code_explain",
    "health_code_history",
    "health_code_list",
    "health_overview",
    "inspection_get",
    "inspection_list",
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

"""Reads for inspection plans."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from enforcement.models import InspectionPlan, PlanTarget, Recusal


def plan_list(*, user) -> QuerySet[InspectionPlan]:
    return (
        InspectionPlan.objects.for_user(user)
        .select_related("district", "model", "created_by")
        .annotate(
            target_count=Count("targets", distinct=True),
            inspected_count=Count(
                "targets", filter=Q(targets__inspection__isnull=False), distinct=True
            ),
        )
        .order_by("-created_at", "-id")  # Meta.ordering does not apply to GROUP BY
    )


def plan_get(*, user, pk: int) -> InspectionPlan:
    return get_object_or_404(plan_list(user=user).prefetch_related("streets"), pk=pk)


def plan_targets(*, plan: InspectionPlan, user=None) -> QuerySet[PlanTarget]:
    """A plan's targets with inspectors and outcome. An inspector who is not
    bureau staff of the plan's district sees only their own targets."""
    from grid.selectors import user_scope

    targets = plan.targets.select_related(
        "enterprise__street", "inspection"
    ).prefetch_related("inspectors")
    if user is not None:
        scope = user_scope(user=user)
        if not scope.is_superuser and plan.district_id not in scope.district_ids:
            targets = targets.filter(assignments__officer=user)
    return targets.order_by("position")


def plan_public_get(*, pk: int) -> InspectionPlan:
    """Any plan, for the public verification page (which shows only what is
    public: hashes always; seed, list and results after closing)."""
    return get_object_or_404(
        InspectionPlan.objects.select_related("district").prefetch_related(
            Prefetch(
                "targets",
                queryset=PlanTarget.objects.select_related(
                    "enterprise", "inspection"
                ).order_by("position"),
            )
        ),
        pk=pk,
    )


def recusal_list(*, user) -> QuerySet[Recusal]:
    # newest first, with the id as a tie-break: pages of the list are stable
    return (
        Recusal.objects.for_user(user)
        .select_related("enterprise", "officer")
        .order_by("-created_at", "-id")
    )

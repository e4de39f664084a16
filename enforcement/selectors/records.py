"""Reads of the enforcement record: inspections, violations, penalties, orders."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from enforcement.models import (
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    PenaltyDecision,
    RectificationOrder,
    StatusChange,
    Violation,
)


def checklist_template_list(*, active_only: bool = True) -> QuerySet[ChecklistTemplate]:
    templates = ChecklistTemplate.objects.prefetch_related("items")
    return templates.active() if active_only else templates


def inspection_list(*, user) -> QuerySet[Inspection]:
    return (
        Inspection.objects.for_user(user)
        .select_related("enterprise", "template", "recorded_by")
        .prefetch_related("officers")
    )


def inspection_get(*, user, pk: int) -> Inspection:
    return get_object_or_404(
        inspection_list(user=user).prefetch_related(
            Prefetch(
                "answers",
                queryset=InspectionAnswer.objects.select_related("item").order_by(
                    "item__position"
                ),
            ),
            "photos",
            "violations",
        ),
        pk=pk,
    )


def inspection_photo_get(*, user, pk: int) -> InspectionPhoto:
    """A photo of an inspection the user may see, or one they uploaded and have
    not attached yet."""
    return get_object_or_404(InspectionPhoto.objects.for_user(user), pk=pk)


def violation_list(*, user) -> QuerySet[Violation]:
    return Violation.objects.for_user(user).select_related(
        "enterprise", "inspection", "penalty"
    )


def violation_get(*, user, pk: int) -> Violation:
    return get_object_or_404(
        violation_list(user=user).prefetch_related("penalty__rectification_orders"),
        pk=pk,
    )


def penalty_list(*, user) -> QuerySet[PenaltyDecision]:
    return PenaltyDecision.objects.for_user(user).select_related(
        "enterprise", "violation"
    )


def rectification_list(*, user) -> QuerySet[RectificationOrder]:
    return RectificationOrder.objects.for_user(user).select_related(
        "enterprise", "penalty", "recheck_inspection"
    )


def status_history(*, record_type: str, record_ids: list[int]) -> list[StatusChange]:
    """Transitions of records the caller already fetched in scope."""
    return list(
        StatusChange.objects.filter(record_type=record_type, record_id__in=record_ids)
        .select_related("by")
        .order_by("at", "id")
    )


def case_history(*, violation: Violation) -> list[StatusChange]:
    """Every transition of a violation, its penalty and its orders, in order."""
    penalty = getattr(violation, "penalty", None)
    changes = status_history(
        record_type=StatusChange.RecordType.VIOLATION, record_ids=[violation.pk]
    )
    if penalty is not None:
        changes += status_history(
            record_type=StatusChange.RecordType.PENALTY, record_ids=[penalty.pk]
        )
        changes += status_history(
            record_type=StatusChange.RecordType.RECTIFICATION,
            record_ids=[o.pk for o in penalty.rectification_orders.all()],
        )
    return sorted(changes, key=lambda change: (change.at, change.pk))

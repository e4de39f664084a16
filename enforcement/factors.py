"""The health-code factors the enforcement record provides. Each provider is one
set-based query over all enterprises: the records behind the factor, annotated
with ``factor_enterprise``, ``factor_on`` and ``factor_value`` (see
``enforcement.registry.Factor``)."""

from __future__ import annotations

from datetime import date

from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import Cast, TruncDate
from django.utils.translation import gettext_lazy as _

from enforcement.models import (
    Inspection,
    JointMeasure,
    PenaltyDecision,
    RectificationOrder,
    Violation,
)
from enforcement.registry import Factor, register_factor
from grid.selectors import tickets_substantiated

ONE = Value(1.0, output_field=FloatField())


def _rows(queryset: QuerySet, *, on: str, value=ONE) -> QuerySet:
    return queryset.annotate(
        factor_enterprise=F("enterprise_id"), factor_on=F(on), factor_value=value
    )


def penalty_count(*, as_of: date) -> QuerySet:
    """Penalty decisions (not revoked), dated by decision."""
    return _rows(
        PenaltyDecision.objects.exclude(status=PenaltyDecision.Status.REVOKED).filter(
            decided_on__lte=as_of
        ),
        on="decided_on",
    )


def penalty_amount(*, as_of: date) -> QuerySet:
    """Fines in units of 10,000 yuan (万元), dated by decision."""
    return _rows(
        PenaltyDecision.objects.exclude(status=PenaltyDecision.Status.REVOKED).filter(
            decided_on__lte=as_of, amount_yuan__gt=0
        ),
        on="decided_on",
        value=Cast(F("amount_yuan"), FloatField()) / 10000.0,
    )


def inspections_with_issues(*, as_of: date) -> QuerySet:
    return _rows(
        Inspection.objects.filter(
            result=Inspection.Result.ISSUES_FOUND, inspected_on__lte=as_of
        ),
        on="inspected_on",
    )


def inspections_with_violation(*, as_of: date) -> QuerySet:
    return _rows(
        Inspection.objects.filter(
            result=Inspection.Result.VIOLATION, inspected_on__lte=as_of
        ),
        on="inspected_on",
    )


def open_rectifications(*, as_of: date) -> QuerySet:
    """Rectification orders still open (a state: it does not decay)."""
    return _rows(
        RectificationOrder.objects.filter(
            status=RectificationOrder.Status.OPEN, issued_on__lte=as_of
        ),
        on="issued_on",
    )


def overdue_rectifications(*, as_of: date) -> QuerySet:
    """Open rectification orders past their deadline."""
    return _rows(
        RectificationOrder.objects.filter(
            status=RectificationOrder.Status.OPEN, deadline__lt=as_of
        ),
        on="deadline",
    )


def open_major_violations(*, as_of: date) -> QuerySet:
    """Major violations not yet closed or dismissed."""
    return _rows(
        Violation.objects.filter(
            severity=Violation.Severity.MAJOR,
            status__in=[Violation.Status.OPEN, Violation.Status.PENALIZED],
            found_on__lte=as_of,
        ),
        on="found_on",
    )


def substantiated_complaints(*, as_of: date) -> QuerySet:
    """Complaints (grid tickets) closed with a confirmed violation, dated by
    closing."""
    return tickets_substantiated(as_of=as_of).annotate(
        factor_enterprise=F("enterprise_id"),
        factor_on=TruncDate("closed_at"),
        factor_value=ONE,
    )


def _joint_rows(queryset: QuerySet) -> QuerySet:
    return queryset.filter(case__enterprise__isnull=False).annotate(
        factor_enterprise=F("case__enterprise_id"),
        factor_on=F("issued_on"),
        factor_value=ONE,
    )


def joint_halt_orders(*, as_of: date) -> QuerySet:
    """Halt orders (停产) of joint actions, signed and not amended away, dated by
    issue: a strong factor."""
    return _joint_rows(
        JointMeasure.objects.filter(
            kind=JointMeasure.Kind.HALT,
            status__in=JointMeasure.SIGNED_STATES,
            issued_on__lte=as_of,
        )
    )


def joint_measures(*, as_of: date) -> QuerySet:
    """Other joint-action measures (interview, rectification, referral)."""
    return _joint_rows(
        JointMeasure.objects.filter(
            status__in=JointMeasure.SIGNED_STATES, issued_on__lte=as_of
        ).exclude(kind=JointMeasure.Kind.HALT)
    )


FACTORS = [
    Factor(
        name="grid.substantiated_complaints",
        label=_("Substantiated complaints"),
        unit=_("complaints"),
        provider=substantiated_complaints,
        order=5,
    ),
    Factor(
        name="enforcement.penalty_count",
        label=_("Penalty decisions"),
        unit=_("decisions"),
        provider=penalty_count,
        order=10,
    ),
    Factor(
        name="enforcement.penalty_amount",
        label=_("Fines"),
        unit=_("10,000 yuan"),
        provider=penalty_amount,
        order=11,
    ),
    Factor(
        name="enforcement.inspections_with_issues",
        label=_("Inspections with issues found"),
        unit=_("inspections"),
        provider=inspections_with_issues,
        order=20,
    ),
    Factor(
        name="enforcement.inspections_with_violation",
        label=_("Inspections finding a violation"),
        unit=_("inspections"),
        provider=inspections_with_violation,
        order=21,
    ),
    Factor(
        name="enforcement.open_rectifications",
        label=_("Open rectification orders"),
        unit=_("orders"),
        provider=open_rectifications,
        remedy=_("Complete the rectification and pass the re-check inspection."),
        order=30,
    ),
    Factor(
        name="enforcement.overdue_rectifications",
        label=_("Overdue rectification orders"),
        unit=_("orders"),
        provider=overdue_rectifications,
        remedy=_("Complete the overdue rectification and pass the re-check."),
        order=31,
    ),
    Factor(
        name="enforcement.open_major_violations",
        label=_("Open major violations"),
        unit=_("violations"),
        provider=open_major_violations,
        remedy=_(
            "Settle the major violation (penalty executed, rectification passed)."
        ),
        order=40,
    ),
    Factor(
        name="enforcement.joint_halt_orders",
        label=_("Halt orders of joint enforcement"),
        unit=_("orders"),
        provider=joint_halt_orders,
        order=50,
    ),
    Factor(
        name="enforcement.joint_measures",
        label=_("Other joint-enforcement measures"),
        unit=_("measures"),
        provider=joint_measures,
        order=51,
    ),
]


def register_enforcement_factors() -> None:
    for factor in FACTORS:
        register_factor(factor)

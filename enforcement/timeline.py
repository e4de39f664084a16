"""Timeline events of the registry and of the enforcement record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.models import (
    Colour,
    Enterprise,
    HealthCodeChange,
    Inspection,
    JointMeasure,
    PenaltyDecision,
    RectificationOrder,
    Violation,
)
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


def _start_of_day(day):
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def inspection_events(*, enterprise: Enterprise, user) -> Iterator[TimelineEvent]:
    results = dict(Inspection.Result.choices)
    for inspection in (
        Inspection.objects.for_user(user)
        .filter(enterprise=enterprise)
        .select_related("template")[:100]
    ):
        yield TimelineEvent(
            at=_start_of_day(inspection.inspected_on),
            source="inspections",
            title=_("Inspection: %(result)s") % {"result": results[inspection.result]},
            detail=inspection.template.title,
            url=inspection.get_absolute_url(),
        )


def case_events(*, enterprise: Enterprise, user) -> Iterator[TimelineEvent]:
    for violation in Violation.objects.for_user(user).filter(enterprise=enterprise)[
        :100
    ]:
        yield TimelineEvent(
            at=_start_of_day(violation.found_on),
            source="cases",
            title=_("Violation (%(severity)s): %(article)s")
            % {
                "severity": violation.get_severity_display(),
                "article": violation.law_article,
            },
            detail=violation.get_status_display(),
            url=violation.get_absolute_url(),
        )
    for penalty in PenaltyDecision.objects.for_user(user).filter(enterprise=enterprise)[
        :100
    ]:
        yield TimelineEvent(
            at=_start_of_day(penalty.decided_on),
            source="cases",
            title=_("Penalty decision %(number)s: %(amount)s yuan")
            % {"number": penalty.decision_number, "amount": penalty.amount_yuan},
            detail=", ".join(penalty.get_measures_display()),
            url=penalty.get_absolute_url(),
        )
    for order in (
        RectificationOrder.objects.for_user(user)
        .filter(enterprise=enterprise)
        .select_related("penalty")[:100]
    ):
        yield TimelineEvent(
            at=_start_of_day(order.issued_on),
            source="cases",
            title=_("Rectification order, deadline %(deadline)s")
            % {"deadline": order.deadline.isoformat()},
            detail=order.get_status_display(),
            url=order.get_absolute_url(),
        )


def health_code_events(*, enterprise: Enterprise, user) -> Iterator[TimelineEvent]:
    colours = dict(Colour.choices)
    for change in (
        HealthCodeChange.objects.for_user(user)
        .filter(enterprise=enterprise)
        .select_related("model")[:100]
    ):
        yield TimelineEvent(
            at=change.changed_at,
            source="health_code",
            title=_("Health code: %(colour)s") % {"colour": colours[change.to_colour]},
            detail=_("score %(score)s, risk model v%(version)s")
            % {"score": change.score, "version": change.model.version},
            url=f"{enterprise.get_absolute_url()}#health",
        )


def joint_events(*, enterprise: Enterprise, user) -> Iterator[TimelineEvent]:
    """Signed measures of joint actions (the case page shows the rest)."""
    for measure in (
        JointMeasure.objects.for_user(user)
        .filter(
            case__enterprise=enterprise,
            status__in=[*JointMeasure.SIGNED_STATES, JointMeasure.Status.SUPERSEDED],
        )
        .select_related("case", "issuing_agency")
        .order_by("-issued_on")[:100]
    ):
        yield TimelineEvent(
            at=_start_of_day(measure.issued_on),
            source="joint",
            title=_("Joint enforcement: %(kind)s (%(agency)s)")
            % {"kind": measure.get_kind_display(), "agency": measure.issuing_agency},
            detail=f"{measure.case.reference} · {measure.get_status_display()}",
            url=measure.get_absolute_url(),
        )

"""Writes for the case chain: violation → penalty decision → rectification order.

Every status change locks the row, checks the current status, writes a
StatusChange row and saves; an illegal or concurrent change is a Conflict (409).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from enforcement.models import (
    Enterprise,
    Inspection,
    PenaltyDecision,
    RectificationOrder,
    StatusChange,
    Violation,
)
from enforcement.services.health import health_code_request_recompute

RECORD_TYPES = {
    Violation: StatusChange.RecordType.VIOLATION,
    PenaltyDecision: StatusChange.RecordType.PENALTY,
    RectificationOrder: StatusChange.RecordType.RECTIFICATION,
}


def _transition(record, to_status: str, *, allowed_from, user, note: str = ""):
    """Move a locked record to ``to_status`` if its status allows it."""
    if record.status not in allowed_from:
        raise Conflict(
            _("Cannot change %(record)s from “%(from)s” to “%(to)s”.")
            % {
                "record": record._meta.verbose_name,
                "from": record.get_status_display(),
                "to": type(record).Status(to_status).label,
            },
            code="illegal_transition",
        )
    StatusChange.objects.create(
        record_type=RECORD_TYPES[type(record)],
        record_id=record.pk,
        from_status=record.status,
        to_status=to_status,
        by=user,
        note=note,
    )
    record.status = to_status
    record.save(update_fields=["status", "updated_at"])
    return record


def _created(record, user, note: str = "") -> None:
    StatusChange.objects.create(
        record_type=RECORD_TYPES[type(record)],
        record_id=record.pk,
        from_status="",
        to_status=record.status,
        by=user,
        note=note,
    )


def _locked(model, record):
    return model.objects.select_for_update().get(pk=record.pk)


def _today() -> date:
    return timezone.localdate()


# ---------------------------------------------------------------- violations


@transaction.atomic
def violation_record(
    *,
    enterprise: Enterprise,
    law_article: str,
    description: str,
    severity: str,
    found_on: date,
    user,
    inspection: Inspection | None = None,
) -> Violation:
    fields: dict = {}
    if not law_article.strip():
        fields["law_article"] = [_("Name the law article that was broken.")]
    if not description.strip():
        fields["description"] = [_("Describe the violation.")]
    if severity not in Violation.Severity.values:
        fields["severity"] = [_("Unknown severity.")]
    if found_on > _today():
        fields["found_on"] = [_("The date is in the future.")]
    if inspection is not None and inspection.enterprise_id != enterprise.pk:
        fields["inspection"] = [_("The inspection is of another enterprise.")]
    if fields:
        raise InvalidInput(fields=fields)
    violation = Violation.objects.create(
        enterprise=enterprise,
        inspection=inspection,
        law_article=law_article.strip(),
        description=description.strip(),
        severity=severity,
        found_on=found_on,
        recorded_by=user,
    )
    _created(violation, user)
    health_code_request_recompute(enterprise_id=enterprise.pk)
    return violation


@transaction.atomic
def violation_dismiss(*, violation: Violation, reason: str, user) -> Violation:
    if not reason.strip():
        raise InvalidInput(fields={"reason": [_("Give the reason for dismissing.")]})
    violation = _locked(Violation, violation)
    _transition(
        violation,
        Violation.Status.DISMISSED,
        allowed_from=[Violation.Status.OPEN],
        user=user,
        note=reason.strip(),
    )
    health_code_request_recompute(enterprise_id=violation.enterprise_id)
    return violation


def _close_violation_if_settled(violation_id: int, user) -> None:
    """A violation is settled when its penalty is executed and its last
    rectification order (if any) passed with none still open."""
    violation = Violation.objects.select_for_update().get(pk=violation_id)
    if violation.status != Violation.Status.PENALIZED:
        return
    penalty = violation.penalty
    if penalty.status != PenaltyDecision.Status.EXECUTED:
        return
    orders = list(penalty.rectification_orders.order_by("-issued_on", "-id"))
    if any(o.status == RectificationOrder.Status.OPEN for o in orders):
        return
    live = [o for o in orders if o.status != RectificationOrder.Status.CANCELLED]
    if live and live[0].status != RectificationOrder.Status.PASSED:
        return
    _transition(
        violation,
        Violation.Status.CLOSED,
        allowed_from=[Violation.Status.PENALIZED],
        user=user,
        note=_("Penalty executed and rectification passed."),
    )


# ----------------------------------------------------------------- penalties


def _amount(value) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


@transaction.atomic
def penalty_decide(
    *,
    violation: Violation,
    decision_number: str,
    decided_on: date,
    amount_yuan,
    measures: list[str],
    user,
    rectification_deadline: date | None = None,
    rectification_requirements: str = "",
) -> PenaltyDecision:
    """Issue the penalty decision for an open violation (and, optionally, the
    rectification order that goes with it)."""
    violation = _locked(Violation, violation)
    fields: dict = {}
    number = decision_number.strip()
    if not number:
        fields["decision_number"] = [_("The decision number is required.")]
    elif PenaltyDecision.objects.filter(decision_number=number).exists():
        fields["decision_number"] = [
            _("Decision number %(number)s is already used.") % {"number": number}
        ]
    amount = _amount(amount_yuan)
    if amount is None:
        fields["amount_yuan"] = [_("Enter the fine in yuan as a number.")]
    elif amount < 0:
        fields["amount_yuan"] = [_("The fine cannot be negative.")]
    elif amount != amount.quantize(Decimal("0.01")):
        fields["amount_yuan"] = [_("The fine is in yuan with at most two decimals.")]
    measures = list(dict.fromkeys(measures or []))
    unknown = [m for m in measures if m not in PenaltyDecision.Measure.values]
    if not measures or unknown:
        fields["measures"] = [_("Choose at least one known measure.")]
    elif amount is not None and amount >= 0:
        has_fine = PenaltyDecision.Measure.FINE in measures
        if has_fine and amount == 0:
            fields["amount_yuan"] = [_("A fine needs an amount above 0.")]
        elif not has_fine and amount > 0:
            fields["measures"] = [_("An amount is given but “fine” is not chosen.")]
    if decided_on > _today():
        fields["decided_on"] = [_("The decision date is in the future.")]
    elif decided_on < violation.found_on:
        fields["decided_on"] = [_("The decision cannot precede the violation.")]
    if rectification_deadline is not None:
        if rectification_deadline < decided_on:
            fields["rectification_deadline"] = [
                _("The deadline cannot be before the decision date.")
            ]
        if not rectification_requirements.strip():
            fields["rectification_requirements"] = [_("Say what must be rectified.")]
    if fields:
        raise InvalidInput(fields=fields)
    if violation.status != Violation.Status.OPEN:
        raise Conflict(
            _("Only an open violation can be penalised."), code="illegal_transition"
        )
    try:
        with transaction.atomic():
            penalty = PenaltyDecision.objects.create(
                violation=violation,
                enterprise_id=violation.enterprise_id,
                decision_number=number,
                decided_on=decided_on,
                amount_yuan=amount,
                measures=measures,
                decided_by=user,
            )
    except IntegrityError as error:  # the number was taken a moment ago
        raise InvalidInput(
            fields={
                "decision_number": [
                    _("Decision number %(number)s is already used.")
                    % {"number": number}
                ]
            }
        ) from error
    _created(penalty, user)
    _transition(
        violation,
        Violation.Status.PENALIZED,
        allowed_from=[Violation.Status.OPEN],
        user=user,
        note=number,
    )
    if rectification_deadline is not None:
        _order_create(
            penalty=penalty,
            issued_on=decided_on,
            deadline=rectification_deadline,
            requirements=rectification_requirements,
            user=user,
        )
    health_code_request_recompute(enterprise_id=violation.enterprise_id)
    return penalty


@transaction.atomic
def penalty_execute(
    *, penalty: PenaltyDecision, user, note: str = ""
) -> PenaltyDecision:
    """The fine is paid and the measures carried out."""
    penalty = _locked(PenaltyDecision, penalty)
    _transition(
        penalty,
        PenaltyDecision.Status.EXECUTED,
        allowed_from=[PenaltyDecision.Status.ISSUED],
        user=user,
        note=note,
    )
    _close_violation_if_settled(penalty.violation_id, user)
    health_code_request_recompute(enterprise_id=penalty.enterprise_id)
    return penalty


@transaction.atomic
def penalty_revoke(*, penalty: PenaltyDecision, reason: str, user) -> PenaltyDecision:
    """Revoked on review or in court: the violation is open again and the
    decision's open rectification orders are cancelled."""
    if not reason.strip():
        raise InvalidInput(fields={"reason": [_("Give the reason for revoking.")]})
    penalty = _locked(PenaltyDecision, penalty)
    _transition(
        penalty,
        PenaltyDecision.Status.REVOKED,
        allowed_from=[PenaltyDecision.Status.ISSUED, PenaltyDecision.Status.EXECUTED],
        user=user,
        note=reason.strip(),
    )
    for order in RectificationOrder.objects.select_for_update().filter(
        penalty=penalty, status=RectificationOrder.Status.OPEN
    ):
        _transition(
            order,
            RectificationOrder.Status.CANCELLED,
            allowed_from=[RectificationOrder.Status.OPEN],
            user=user,
            note=reason.strip(),
        )
    violation = Violation.objects.select_for_update().get(pk=penalty.violation_id)
    if violation.status in (Violation.Status.PENALIZED, Violation.Status.CLOSED):
        _transition(
            violation,
            Violation.Status.DISMISSED,
            allowed_from=[Violation.Status.PENALIZED, Violation.Status.CLOSED],
            user=user,
            note=reason.strip(),
        )
    health_code_request_recompute(enterprise_id=penalty.enterprise_id)
    return penalty


# ----------------------------------------------------------- rectification


def _order_create(
    *,
    penalty: PenaltyDecision,
    issued_on: date,
    deadline: date,
    requirements: str,
    user,
) -> RectificationOrder:
    order = RectificationOrder.objects.create(
        penalty=penalty,
        enterprise_id=penalty.enterprise_id,
        issued_on=issued_on,
        deadline=deadline,
        requirements=requirements.strip(),
    )
    _created(order, user)
    return order


@transaction.atomic
def rectification_order_issue(
    *,
    penalty: PenaltyDecision,
    deadline: date,
    requirements: str,
    user,
    issued_on: date | None = None,
) -> RectificationOrder:
    """Order a rectification under a decision (a further one after a failed
    re-check, too)."""
    penalty = _locked(PenaltyDecision, penalty)
    issued_on = issued_on or _today()
    fields: dict = {}
    if issued_on < penalty.decided_on:
        fields["issued_on"] = [_("The order cannot precede the decision.")]
    if deadline < penalty.decided_on:
        fields["deadline"] = [_("The deadline cannot be before the decision date.")]
    elif deadline < issued_on:
        fields["deadline"] = [_("The deadline cannot be before the order is issued.")]
    if not requirements.strip():
        fields["requirements"] = [_("Say what must be rectified.")]
    if fields:
        raise InvalidInput(fields=fields)
    if penalty.status == PenaltyDecision.Status.REVOKED:
        raise Conflict(
            _("The decision was revoked; no order can be issued under it."),
            code="illegal_transition",
        )
    order = _order_create(
        penalty=penalty,
        issued_on=issued_on,
        deadline=deadline,
        requirements=requirements,
        user=user,
    )
    if Violation.objects.filter(
        pk=penalty.violation_id, status=Violation.Status.CLOSED
    ).exists():
        _reopen_closed_violation(penalty.violation_id, user)
    health_code_request_recompute(enterprise_id=penalty.enterprise_id)
    return order


def _reopen_closed_violation(violation_id: int, user) -> None:
    violation = Violation.objects.select_for_update().get(pk=violation_id)
    _transition(
        violation,
        Violation.Status.PENALIZED,
        allowed_from=[Violation.Status.CLOSED],
        user=user,
        note=_("A new rectification order was issued."),
    )


@transaction.atomic
def rectification_recheck(
    *, order: RectificationOrder, inspection: Inspection, user, outcome: str = ""
) -> RectificationOrder:
    """Record the re-check: a compliant inspection passes the order, any other
    result fails it."""
    order = _locked(RectificationOrder, order)
    fields: dict = {}
    if inspection.enterprise_id != order.enterprise_id:
        fields["inspection"] = [_("The inspection is of another enterprise.")]
    elif inspection.inspected_on < order.issued_on:
        fields["inspection"] = [_("The inspection took place before the order.")]
    if fields:
        raise InvalidInput(fields=fields)
    passed = inspection.result == Inspection.Result.COMPLIANT
    order.recheck_inspection = inspection
    order.outcome = outcome.strip() or inspection.findings
    order.closed_on = inspection.inspected_on
    _transition(
        order,
        RectificationOrder.Status.PASSED
        if passed
        else RectificationOrder.Status.FAILED,
        allowed_from=[RectificationOrder.Status.OPEN],
        user=user,
        note=order.outcome,
    )
    order.save(update_fields=["recheck_inspection", "outcome", "closed_on"])
    _close_violation_if_settled(order.penalty.violation_id, user)
    health_code_request_recompute(enterprise_id=order.enterprise_id)
    return order

"""Due process around a published colour: appeal, right to reply, credit repair."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, PermissionDenied
from credit.models import (
    COLOUR_RANK,
    COLOUR_VALUES,
    Appeal,
    CreditCode,
    RepairRequest,
    ReplyStatement,
)
from credit.services._common import (
    checked_evidence,
    now_or,
    record,
    require_account,
    require_bureau,
    required_text,
)
from credit.services.codes import code_replace, invalidate_on_commit
from enforcement.models import Enterprise

# Appeal window for codes that did not come from a cycle (appeal, repair).
DEFAULT_APPEAL_DAYS = 15
REPLY_MAX_CHARS = 500


def _current_code(enterprise: Enterprise) -> CreditCode:
    code = (
        CreditCode.objects.select_related("evaluation__cycle")
        .filter(enterprise=enterprise, is_current=True)
        .first()
    )
    if code is None:
        raise InvalidInput(
            fields={"enterprise": [_("The enterprise has no published code.")]}
        )
    return code


def appeal_deadline(code: CreditCode) -> datetime:
    days = (
        code.evaluation.cycle.appeal_days
        if code.evaluation_id is not None
        else DEFAULT_APPEAL_DAYS
    )
    return code.valid_from + timedelta(days=days)


@transaction.atomic
def appeal_file(
    *,
    enterprise: Enterprise,
    user,
    reason: str,
    evidence=None,
    now: datetime | None = None,
) -> Appeal:
    """The enterprise appeals its current colour within the appeal window."""
    now = now_or(now)
    require_account(user, enterprise)
    code = _current_code(enterprise)
    deadline = appeal_deadline(code)
    if now > deadline:
        raise InvalidInput(
            fields={
                "code": [
                    _("The appeal window closed on %(date)s.")
                    % {
                        "date": formats.date_format(
                            timezone.localtime(deadline), "Y-m-d H:i"
                        )
                    }
                ]
            }
        )
    reason = required_text(reason, "reason", _("Give the grounds of the appeal."))
    digest = checked_evidence(evidence, "evidence") if evidence else ""
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                enterprise=enterprise,
                code=code,
                filed_by=user,
                reason=reason[:4000],
                evidence_sha256=digest,
            )
    except IntegrityError as error:
        raise Conflict(_("An appeal against this code is already pending.")) from error
    if evidence:
        appeal.evidence.save(evidence.name, evidence, save=True)
    record(
        subject="appeal",
        subject_id=appeal.pk,
        action="appeal_filed",
        at=now,
        actor=user,
        enterprise_id=enterprise.pk,
        to_state=Appeal.State.SUBMITTED,
        reason=reason,
    )
    invalidate_on_commit([enterprise.pk])
    return appeal


@transaction.atomic
def appeal_decide(
    *,
    appeal: Appeal,
    user,
    upheld: bool,
    reason: str,
    new_colour: str = "",
    now: datetime | None = None,
) -> Appeal:
    """Decide an appeal. The reviewer must not be who decided the colour."""
    require_bureau(user)
    now = now_or(now)
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("code__evaluation", "enterprise")
        .get(pk=appeal.pk)
    )
    if appeal.state != Appeal.State.SUBMITTED:
        raise Conflict(_("The appeal was already decided."))
    deciders = {appeal.code.decided_by_id}
    if appeal.code.evaluation is not None:
        deciders.add(appeal.code.evaluation.decided_by_id)
    if user.pk in deciders:
        raise PermissionDenied(
            _("An appeal is reviewed by a staff member who did not make the decision.")
        )
    reason = required_text(reason, "reason", _("Give the reason for the decision."))
    if upheld:
        if new_colour not in COLOUR_VALUES:
            raise InvalidInput(fields={"new_colour": [_("Choose the new colour.")]})
        if COLOUR_RANK[new_colour] >= COLOUR_RANK[appeal.code.colour]:
            raise InvalidInput(
                fields={"new_colour": [_("An upheld appeal improves the colour.")]}
            )
    to = Appeal.State.UPHELD if upheld else Appeal.State.REJECTED
    record(
        subject="appeal",
        subject_id=appeal.pk,
        action="appeal_decided",
        at=now,
        actor=user,
        enterprise_id=appeal.enterprise_id,
        from_state=appeal.state,
        to_state=to,
        reason=reason,
    )
    appeal.state, appeal.reviewer, appeal.decision_reason = to, user, reason
    appeal.decided_at = now
    appeal.new_colour = new_colour if upheld else ""
    appeal.save()
    if upheld:
        code_replace(
            enterprise=appeal.enterprise,
            colour=new_colour,
            source=CreditCode.Source.APPEAL,
            reason=reason,
            valid_until=appeal.code.valid_until,
            decided_by=user,
            evaluation=appeal.code.evaluation,
            now=now,
        )
    invalidate_on_commit([appeal.enterprise_id])
    return appeal


@transaction.atomic
def reply_submit(
    *, enterprise: Enterprise, user, text: str, now: datetime | None = None
) -> ReplyStatement:
    """The enterprise's statement beside its code, shown once moderated."""
    now = now_or(now)
    require_account(user, enterprise)
    text = required_text(text, "text")
    if len(text) > REPLY_MAX_CHARS:
        raise InvalidInput(
            fields={
                "text": [
                    _("Keep the statement within %(n)d characters.")
                    % {"n": REPLY_MAX_CHARS}
                ]
            }
        )
    reply = ReplyStatement.objects.create(
        enterprise=enterprise, text=text, filed_by=user
    )
    record(
        subject="reply",
        subject_id=reply.pk,
        action="reply_submitted",
        at=now,
        actor=user,
        enterprise_id=enterprise.pk,
        to_state=ReplyStatement.State.SUBMITTED,
    )
    return reply


@transaction.atomic
def reply_moderate(
    *,
    reply: ReplyStatement,
    user,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> ReplyStatement:
    require_bureau(user)
    now = now_or(now)
    reply = ReplyStatement.objects.select_for_update().get(pk=reply.pk)
    if reply.state != ReplyStatement.State.SUBMITTED:
        raise Conflict(_("The statement was already moderated."))
    if not approve:
        reason = required_text(reason, "reason", _("Say why it is not published."))
    to = ReplyStatement.State.APPROVED if approve else ReplyStatement.State.REJECTED
    if approve:
        ReplyStatement.objects.filter(
            enterprise_id=reply.enterprise_id, state=ReplyStatement.State.APPROVED
        ).update(state=ReplyStatement.State.SUPERSEDED, updated_at=now)
    record(
        subject="reply",
        subject_id=reply.pk,
        action="reply_moderated",
        at=now,
        actor=user,
        enterprise_id=reply.enterprise_id,
        from_state=reply.state,
        to_state=to,
        reason=reason,
    )
    reply.state, reply.moderated_by, reply.moderated_at = to, user, now
    reply.moderation_reason = reason
    reply.save()
    invalidate_on_commit([reply.enterprise_id])
    return reply


@transaction.atomic
def repair_request(
    *,
    enterprise: Enterprise,
    user,
    corrective_actions: str,
    evidence,
    now: datetime | None = None,
) -> RepairRequest:
    """Apply for credit repair of a yellow or red code, with evidence."""
    now = now_or(now)
    require_account(user, enterprise)
    code = _current_code(enterprise)
    if code.colour == "green":
        raise InvalidInput(fields={"enterprise": [_("A green code needs no repair.")]})
    corrective_actions = required_text(
        corrective_actions, "corrective_actions", _("Describe what was corrected.")
    )
    if not evidence:
        raise InvalidInput(
            fields={"evidence": [_("Upload evidence of the correction.")]}
        )
    digest = checked_evidence(evidence, "evidence")
    if RepairRequest.objects.filter(
        enterprise=enterprise,
        state__in=[RepairRequest.State.SUBMITTED, RepairRequest.State.VERIFYING],
    ).exists():
        raise Conflict(_("A repair request is already in progress."))
    repair = RepairRequest(
        enterprise=enterprise,
        code=code,
        filed_by=user,
        corrective_actions=corrective_actions[:4000],
        evidence_sha256=digest,
    )
    repair.evidence.save(evidence.name, evidence, save=False)
    repair.save()
    record(
        subject="repair",
        subject_id=repair.pk,
        action="repair_requested",
        at=now,
        actor=user,
        enterprise_id=enterprise.pk,
        to_state=RepairRequest.State.SUBMITTED,
        reason=corrective_actions,
    )
    return repair


def _lock_repair(repair: RepairRequest, state: str) -> RepairRequest:
    repair = (
        RepairRequest.objects.select_for_update(of=("self",))
        .select_related("code", "enterprise")
        .get(pk=repair.pk)
    )
    if repair.state != state:
        raise Conflict(_("The repair request is not in a state that allows this."))
    return repair


@transaction.atomic
def repair_schedule_inspection(
    *,
    repair: RepairRequest,
    user,
    inspection_due: date,
    inspector=None,
    now: datetime | None = None,
) -> RepairRequest:
    require_bureau(user)
    now = now_or(now)
    repair = _lock_repair(repair, RepairRequest.State.SUBMITTED)
    if inspection_due < timezone.localdate(now):
        raise InvalidInput(fields={"inspection_due": [_("The date is in the past.")]})
    record(
        subject="repair",
        subject_id=repair.pk,
        action="repair_inspection_scheduled",
        at=now,
        actor=user,
        enterprise_id=repair.enterprise_id,
        from_state=repair.state,
        to_state=RepairRequest.State.VERIFYING,
        reason=str(inspection_due),
    )
    repair.state = RepairRequest.State.VERIFYING
    repair.inspection_due, repair.inspector = inspection_due, inspector or user
    repair.save()
    return repair


@transaction.atomic
def repair_verify(
    *,
    repair: RepairRequest,
    user,
    passed: bool,
    findings: str,
    new_colour: str = "",
    now: datetime | None = None,
) -> RepairRequest:
    """Record the verification inspection; a pass publishes the new colour."""
    require_bureau(user)
    now = now_or(now)
    repair = _lock_repair(repair, RepairRequest.State.VERIFYING)
    findings = required_text(
        findings, "findings", _("Record what the inspection found.")
    )
    if passed:
        current = _current_code(repair.enterprise)
        if new_colour not in COLOUR_VALUES:
            raise InvalidInput(fields={"new_colour": [_("Choose the new colour.")]})
        if COLOUR_RANK[new_colour] >= COLOUR_RANK[current.colour]:
            raise InvalidInput(
                fields={"new_colour": [_("A repair improves the colour.")]}
            )
    to = RepairRequest.State.REPAIRED if passed else RepairRequest.State.REJECTED
    record(
        subject="repair",
        subject_id=repair.pk,
        action="repair_verified",
        at=now,
        actor=user,
        enterprise_id=repair.enterprise_id,
        from_state=repair.state,
        to_state=to,
        reason=findings,
    )
    repair.state, repair.inspection_findings, repair.decided_at = to, findings, now
    repair.new_colour = new_colour if passed else ""
    repair.save()
    if passed:
        code_replace(
            enterprise=repair.enterprise,
            colour=new_colour,
            source=CreditCode.Source.REPAIR,
            reason=findings,
            valid_until=current.valid_until,
            decided_by=user,
            evaluation=current.evaluation,
            now=now,
        )
    return repair

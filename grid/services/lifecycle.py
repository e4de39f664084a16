"""The ticket lifecycle (GB/T 30428 family, DESIGN.md section 4):

reported -> registered -> dispatched -> in_progress -> handled -> verified -> closed,
plus rejected, merged, reopened, hand-back and extensions. Each service locks the
row, checks the state, writes one transition row and saves; an illegal or
concurrent transition raises Conflict (409).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, PermissionDenied
from grid.models import Membership, Ticket, TicketAttachment, TicketTransition
from grid.selectors import (
    ticket_assignable_officers,
    user_scope,
    work_calendar,
)
from grid.services.messages import tell
from grid.worktime import add_working_hours

# Sent (inside the transaction) when a ticket is closed or a closed one reopened,
# with ``ticket``: apps above the grid follow outcomes without grid importing
# them (the health code recomputes the enterprise's code).
ticket_outcome_changed = Signal()

__all__ = [
    "ticket_outcome_changed",
    "ticket_dispatch",
    "ticket_accept",
    "ticket_hand_back",
    "ticket_handle",
    "ticket_verify",
    "ticket_close",
    "ticket_reject",
    "ticket_merge",
    "ticket_reopen",
    "ticket_confirm",
    "ticket_request_extension",
    "ticket_decide_extension",
]

Status = Ticket.Status
Action = TicketTransition.Action
MAX_EXTENSION_HOURS = Decimal(80)  # ten working days


# ----------------------------------------------------------------------- helpers


def _locked(ticket: Ticket, expected_status: str | None = None) -> Ticket:
    locked = (
        Ticket.objects.select_for_update()
        .select_related("category", "street")
        .get(pk=ticket.pk)
    )
    if expected_status and locked.status != expected_status:
        raise Conflict(
            _("The ticket is now “%(status)s”; reload and try again.")
            % {"status": locked.get_status_display()},
            code="stale",
        )
    return locked


def _require_status(ticket: Ticket, *allowed: str) -> None:
    if ticket.status not in allowed:
        raise Conflict(
            _("Not possible while the ticket is “%(status)s”.")
            % {"status": ticket.get_status_display()},
            code="illegal_transition",
        )


def _is_staff_for(user, ticket: Ticket) -> bool:
    scope = user_scope(user=user)
    return (
        scope.is_superuser
        or ticket.district_id in scope.district_ids
        or ticket.street_id in scope.street_ids
    )


def _require_staff(user, ticket: Ticket) -> None:
    if not _is_staff_for(user, ticket):
        raise PermissionDenied(
            _("Only staff of this street or the bureau may do this.")
        )


def _require_bureau(user, ticket: Ticket) -> None:
    scope = user_scope(user=user)
    if not (scope.is_superuser or ticket.district_id in scope.district_ids):
        raise PermissionDenied(_("Only bureau staff may do this."))


def _require_assignee(user, ticket: Ticket) -> None:
    if ticket.assignee_id != getattr(user, "pk", None):
        raise Conflict(
            _("The ticket is assigned to another officer."), code="not_assignee"
        )


def _require_note(note: str, field: str = "note") -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidInput(fields={field: [_("This field is required.")]})
    if len(note) > 4000:
        raise InvalidInput(fields={field: [_("At most 4000 characters.")]})
    return note


def _check_point(lon, lat) -> tuple[float | None, float | None]:
    if lon is None and lat is None:
        return None, None
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as error:
        raise InvalidInput(
            fields={"location": [_("Give both longitude and latitude.")]}
        ) from error
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(fields={"location": [_("Not a WGS-84 position.")]})
    return lon, lat


def _set_stage(ticket: Ticket, stage: str | None, now: datetime) -> None:
    """A new stage starts a new clock: deadline from the category, not overdue."""
    ticket.stage_deadline = (
        add_working_hours(now, ticket.category.stage_hours(stage), work_calendar())
        if stage
        else None
    )
    ticket.overdue_since = None
    ticket.escalation_level = Ticket.Level.CELL
    ticket.escalated_at = None


def _record(
    ticket: Ticket,
    *,
    action: str,
    to_status: str,
    user=None,
    actor_label: str = "",
    note: str = "",
    lon=None,
    lat=None,
    assignee_id=None,
    related=None,
    now: datetime,
    from_status: str | None = None,
) -> TicketTransition:
    return TicketTransition.objects.create(
        ticket=ticket,
        action=action,
        from_status=ticket.status if from_status is None else from_status,
        to_status=to_status,
        actor=user if getattr(user, "pk", None) else None,
        actor_label=actor_label,
        at=now,
        lon=lon,
        lat=lat,
        note=note,
        assignee_id=assignee_id,
        related_ticket=related,
    )


def _save(ticket: Ticket) -> None:
    ticket.save()


def _street_supervisors(ticket: Ticket) -> list[int]:
    """Bureau officers listed on the ticket's street (its grid's bureau contact)."""
    return list(
        Membership.objects.active()
        .filter(role__in=Membership.BUREAU_ROLES, streets=ticket.street_id)
        .values_list("user_id", flat=True)
    )


def _reporters(ticket: Ticket) -> list[int]:
    """The reporter and the reporters of every duplicate merged into it."""
    ids = [ticket.reporter_id] if ticket.reporter_id else []
    ids += list(
        Ticket.objects.filter(merged_into=ticket, reporter__isnull=False).values_list(
            "reporter_id", flat=True
        )
    )
    return ids


# --------------------------------------------------------------------- services


@transaction.atomic
def ticket_dispatch(
    *,
    ticket: Ticket,
    user,
    assignee,
    note: str = "",
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Dispatch (派遣) to an officer, or re-dispatch by hand (logged as such)."""
    now = now or timezone.now()
    ticket = _locked(ticket, expected_status)
    _require_staff(user, ticket)
    _require_status(
        ticket,
        Status.REGISTERED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.REOPENED,
    )
    if not ticket_assignable_officers(ticket=ticket).filter(pk=assignee.pk).exists():
        raise InvalidInput(
            fields={
                "assignee": [_("This person does not work in the ticket's street.")]
            }
        )
    if ticket.assignee_id == assignee.pk and ticket.status == Status.DISPATCHED:
        raise Conflict(_("Already dispatched to this officer."), code="unchanged")
    action = Action.REDISPATCH if ticket.assignee_id else Action.DISPATCH
    _record(
        ticket,
        action=action,
        to_status=Status.DISPATCHED,
        user=user,
        note=(note or "").strip(),
        assignee_id=assignee.pk,
        now=now,
    )
    ticket.status, ticket.assignee, ticket.queue = (
        Status.DISPATCHED,
        assignee,
        Ticket.Queue.OFFICER,
    )
    _set_stage(ticket, "accept", now)
    _save(ticket)
    tell(
        [assignee.pk],
        title=_("New ticket %(reference)s: %(category)s")
        % {"reference": ticket.reference, "category": ticket.category.name},
        body=ticket.address,
        url=f"/m/tickets/{ticket.pk}/",
    )
    return ticket


@transaction.atomic
def ticket_accept(
    *,
    ticket: Ticket,
    user,
    lon=None,
    lat=None,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """The officer takes the ticket (or claims it from the street queue)."""
    now = now or timezone.now()
    lon, lat = _check_point(lon, lat)
    ticket = _locked(ticket, expected_status)
    if ticket.status == Status.REGISTERED and ticket.assignee_id is None:
        _require_staff(user, ticket)
    else:
        _require_status(ticket, Status.DISPATCHED, Status.REOPENED)
        _require_assignee(user, ticket)
    _record(
        ticket,
        action=Action.ACCEPT,
        to_status=Status.IN_PROGRESS,
        user=user,
        lon=lon,
        lat=lat,
        assignee_id=user.pk,
        now=now,
    )
    ticket.status, ticket.assignee, ticket.queue = (
        Status.IN_PROGRESS,
        user,
        Ticket.Queue.OFFICER,
    )
    _set_stage(ticket, "handle", now)
    _save(ticket)
    return ticket


@transaction.atomic
def ticket_hand_back(
    *,
    ticket: Ticket,
    user,
    note: str,
    lon=None,
    lat=None,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """The officer returns the ticket to the street queue, with a reason."""
    now = now or timezone.now()
    note = _require_note(note)
    lon, lat = _check_point(lon, lat)
    ticket = _locked(ticket, expected_status)
    _require_status(ticket, Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED)
    _require_assignee(user, ticket)
    _record(
        ticket,
        action=Action.HAND_BACK,
        to_status=Status.REGISTERED,
        user=user,
        note=note,
        lon=lon,
        lat=lat,
        now=now,
    )
    ticket.status, ticket.assignee, ticket.queue = (
        Status.REGISTERED,
        None,
        Ticket.Queue.STREET,
    )
    ticket.extension_requested_hours = None
    _set_stage(ticket, "dispatch", now)
    _save(ticket)
    tell(
        _street_supervisors(ticket),
        title=_("Ticket %(reference)s was handed back")
        % {"reference": ticket.reference},
        body=note,
        url=ticket.get_absolute_url(),
    )
    return ticket


def _unlinked_evidence(ticket: Ticket, user):
    return TicketAttachment.objects.filter(
        ticket=ticket, transition__isnull=True, uploaded_by=user
    )


@transaction.atomic
def ticket_handle(
    *,
    ticket: Ticket,
    user,
    note: str,
    lon=None,
    lat=None,
    attachment_ids: list[int] | None = None,
    inspection_reference: str = "",
    violation_confirmed: bool = False,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """The officer reports the handling (处置反馈) with evidence: photos uploaded
    beforehand, or an inspection record."""
    now = now or timezone.now()
    note = _require_note(note)
    lon, lat = _check_point(lon, lat)
    ticket = _locked(ticket, expected_status)
    _require_status(ticket, Status.IN_PROGRESS)
    _require_assignee(user, ticket)
    evidence = _unlinked_evidence(ticket, user)
    if attachment_ids is not None:
        evidence = evidence.filter(pk__in=attachment_ids)
    inspection_reference = (inspection_reference or "").strip()[:120]
    if not evidence.exists() and not inspection_reference:
        raise InvalidInput(
            fields={
                "attachments": [_("Add a photo or an inspection record as evidence.")]
            }
        )
    transition = _record(
        ticket,
        action=Action.HANDLE,
        to_status=Status.HANDLED,
        user=user,
        note=note,
        lon=lon,
        lat=lat,
        now=now,
    )
    evidence.update(transition=transition)
    ticket.status, ticket.handled_by, ticket.resolution = Status.HANDLED, user, note
    if inspection_reference:
        ticket.inspection_reference = inspection_reference
    ticket.violation_confirmed = bool(violation_confirmed)
    ticket.extension_requested_hours = None
    _set_stage(ticket, "verify", now)
    _save(ticket)
    tell(
        _street_supervisors(ticket),
        title=_("Ticket %(reference)s handled; please verify")
        % {"reference": ticket.reference},
        body=note,
        url=ticket.get_absolute_url(),
    )
    return ticket


@transaction.atomic
def ticket_verify(
    *,
    ticket: Ticket,
    user,
    passed: bool,
    note: str = "",
    lon=None,
    lat=None,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Verification (核查) by someone other than the handler; a failed check goes
    back to handling."""
    now = now or timezone.now()
    lon, lat = _check_point(lon, lat)
    ticket = _locked(ticket, expected_status)
    _require_staff(user, ticket)
    _require_status(ticket, Status.HANDLED)
    if ticket.handled_by_id == user.pk:
        raise PermissionDenied(_("The officer who handled a ticket cannot verify it."))
    if passed:
        _record(
            ticket,
            action=Action.VERIFY,
            to_status=Status.VERIFIED,
            user=user,
            note=(note or "").strip(),
            lon=lon,
            lat=lat,
            now=now,
        )
        ticket.status = Status.VERIFIED
        _set_stage(ticket, "verify", now)
    else:
        note = _require_note(note)
        _record(
            ticket,
            action=Action.VERIFY_FAIL,
            to_status=Status.IN_PROGRESS,
            user=user,
            note=note,
            lon=lon,
            lat=lat,
            now=now,
        )
        ticket.status = Status.IN_PROGRESS
        _set_stage(ticket, "handle", now)
        if ticket.assignee_id:
            tell(
                [ticket.assignee_id],
                title=_("Ticket %(reference)s failed verification")
                % {"reference": ticket.reference},
                body=note,
                url=f"/m/tickets/{ticket.pk}/",
            )
    _save(ticket)
    return ticket


@transaction.atomic
def ticket_close(
    *,
    ticket: Ticket,
    user,
    note: str = "",
    violation_confirmed: bool | None = None,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Close (结案) a verified ticket; needs evidence (a photo or an inspection
    record). The reporter is told, and may confirm or contest."""
    now = now or timezone.now()
    ticket = _locked(ticket, expected_status)
    _require_staff(user, ticket)
    _require_status(ticket, Status.VERIFIED)
    has_evidence = ticket.attachments.filter(transition__isnull=False).exists()
    if not has_evidence and not ticket.inspection_reference:
        raise InvalidInput(
            fields={
                "attachments": [
                    _("Closing needs evidence: a photo or an inspection record.")
                ]
            }
        )
    _record(
        ticket,
        action=Action.CLOSE,
        to_status=Status.CLOSED,
        user=user,
        note=(note or "").strip(),
        now=now,
    )
    ticket.status, ticket.closed_at = Status.CLOSED, now
    if violation_confirmed is not None:
        ticket.violation_confirmed = bool(violation_confirmed)
    _set_stage(ticket, None, now)
    _save(ticket)
    ticket_outcome_changed.send(sender=Ticket, ticket=ticket)
    tell(
        _reporters(ticket),
        title=_("Your report %(reference)s was closed")
        % {"reference": ticket.reference},
        body=ticket.resolution,
        url=f"/report/status/{ticket.reference}/",
    )
    return ticket


@transaction.atomic
def ticket_reject(
    *,
    ticket: Ticket,
    user,
    reason: str,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Reject (作废): not ours or not valid, with the reason."""
    now = now or timezone.now()
    reason = _require_note(reason, "reason")
    ticket = _locked(ticket, expected_status)
    _require_staff(user, ticket)
    _require_status(
        ticket, Status.REPORTED, Status.REGISTERED, Status.DISPATCHED, Status.REOPENED
    )
    _record(
        ticket,
        action=Action.REJECT,
        to_status=Status.REJECTED,
        user=user,
        note=reason,
        now=now,
    )
    ticket.status, ticket.resolution, ticket.closed_at = Status.REJECTED, reason, now
    _set_stage(ticket, None, now)
    _save(ticket)
    return ticket


@transaction.atomic
def ticket_merge(
    *,
    duplicate: Ticket,
    original: Ticket,
    user,
    note: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Merge a duplicate into its original: both get a transition pointing at the
    other, and the duplicate's reporter follows the original."""
    now = now or timezone.now()
    if duplicate.pk == original.pk:
        raise InvalidInput(fields={"original": [_("A ticket cannot absorb itself.")]})
    # Lock both rows in id order, so two opposite merges cannot deadlock.
    first, second = sorted([duplicate.pk, original.pk])
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update()
        .select_related("category")
        .filter(pk__in=[first, second])
        .order_by("pk")
    }
    duplicate, original = locked[duplicate.pk], locked[original.pk]
    _require_staff(user, duplicate)
    _require_staff(user, original)
    _require_status(
        duplicate,
        Status.REPORTED,
        Status.REGISTERED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.REOPENED,
    )
    if original.status in (Status.MERGED, Status.REJECTED):
        raise Conflict(
            _("The original is “%(status)s” and cannot absorb tickets.")
            % {"status": original.get_status_display()},
            code="illegal_transition",
        )
    if duplicate.district_id != original.district_id:
        raise InvalidInput(
            fields={"original": [_("The original is in another district.")]}
        )
    note = (note or "").strip()
    _record(
        duplicate,
        action=Action.MERGE,
        to_status=Status.MERGED,
        user=user,
        note=note,
        related=original,
        now=now,
    )
    _record(
        original,
        action=Action.ABSORB,
        to_status=original.status,
        user=user,
        note=note,
        related=duplicate,
        now=now,
    )
    duplicate.status, duplicate.merged_into, duplicate.closed_at = (
        Status.MERGED,
        original,
        now,
    )
    _set_stage(duplicate, None, now)
    _save(duplicate)
    return duplicate


@transaction.atomic
def ticket_reopen(
    *,
    ticket: Ticket,
    user=None,
    note: str,
    by_reporter: bool = False,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Reopen (重新办理) a closed ticket: the reporter contests the closure, or a
    verifier finds it was not solved. It goes back to the officer who handled it."""
    now = now or timezone.now()
    note = _require_note(note)
    ticket = _locked(ticket, expected_status)
    if not by_reporter:
        _require_staff(user, ticket)
    _require_status(ticket, Status.CLOSED)
    _record(
        ticket,
        action=Action.REOPEN,
        to_status=Status.REOPENED,
        user=user,
        actor_label=_("reporter") if by_reporter else "",
        note=note,
        assignee_id=ticket.assignee_id,
        now=now,
    )
    ticket.status, ticket.closed_at, ticket.reporter_confirmed_at = (
        Status.REOPENED,
        None,
        None,
    )
    _set_stage(ticket, "handle", now)
    _save(ticket)
    ticket_outcome_changed.send(sender=Ticket, ticket=ticket)
    tell(
        [ticket.assignee_id, *_street_supervisors(ticket)],
        title=_("Ticket %(reference)s was reopened") % {"reference": ticket.reference},
        body=note,
        url=ticket.get_absolute_url(),
    )
    return ticket


@transaction.atomic
def ticket_confirm(
    *, ticket: Ticket, note: str = "", now: datetime | None = None
) -> Ticket:
    """The reporter confirms the closure."""
    now = now or timezone.now()
    ticket = _locked(ticket)
    _require_status(ticket, Status.CLOSED)
    if ticket.reporter_confirmed_at:
        raise Conflict(_("The closure is already confirmed."), code="unchanged")
    _record(
        ticket,
        action=Action.CONFIRM,
        to_status=Status.CLOSED,
        actor_label=_("reporter"),
        note=(note or "").strip()[:4000],
        now=now,
    )
    ticket.reporter_confirmed_at = now
    _save(ticket)
    return ticket


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise InvalidInput(
            fields={"hours": [_("Give a number of working hours.")]}
        ) from error
    if not (Decimal(0) < hours <= MAX_EXTENSION_HOURS):
        raise InvalidInput(
            fields={
                "hours": [
                    _("Between 0 and %(limit)s working hours.")
                    % {"limit": MAX_EXTENSION_HOURS}
                ]
            }
        )
    return hours


@transaction.atomic
def ticket_request_extension(
    *,
    ticket: Ticket,
    user,
    hours,
    note: str,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """The officer asks for more time (延期申请), with the reason."""
    now = now or timezone.now()
    hours = _hours(hours)
    note = _require_note(note)
    ticket = _locked(ticket, expected_status)
    _require_status(ticket, Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED)
    _require_assignee(user, ticket)
    if ticket.extension_requested_hours is not None:
        raise Conflict(_("An extension request is already pending."), code="pending")
    _record(
        ticket,
        action=Action.REQUEST_EXTENSION,
        to_status=ticket.status,
        user=user,
        note=f"+{hours} h · {note}",
        now=now,
    )
    ticket.extension_requested_hours = hours
    _save(ticket)
    tell(
        _street_supervisors(ticket),
        title=_("Extension requested for %(reference)s")
        % {"reference": ticket.reference},
        body=note,
        url=ticket.get_absolute_url(),
    )
    return ticket


@transaction.atomic
def ticket_decide_extension(
    *,
    ticket: Ticket,
    user,
    grant: bool,
    note: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Staff grant or refuse a pending extension; a grant moves the deadline by
    the requested working hours and clears the overdue mark."""
    now = now or timezone.now()
    ticket = _locked(ticket)
    _require_staff(user, ticket)
    if ticket.extension_requested_hours is None:
        raise Conflict(_("No extension request is pending."), code="illegal_transition")
    if ticket.assignee_id == user.pk:
        raise PermissionDenied(_("An officer cannot grant their own extension."))
    hours = ticket.extension_requested_hours
    if grant:
        base = max(ticket.stage_deadline or now, now)
        ticket.stage_deadline = add_working_hours(base, hours, work_calendar())
        ticket.overdue_since, ticket.escalation_level, ticket.escalated_at = (
            None,
            Ticket.Level.CELL,
            None,
        )
    _record(
        ticket,
        action=Action.GRANT_EXTENSION if grant else Action.REFUSE_EXTENSION,
        to_status=ticket.status,
        user=user,
        note=f"+{hours} h · {(note or '').strip()}".strip(" ·"),
        now=now,
    )
    ticket.extension_requested_hours = None
    _save(ticket)
    if ticket.assignee_id:
        tell(
            [ticket.assignee_id],
            title=(
                _("Extension granted for %(reference)s")
                if grant
                else _("Extension refused for %(reference)s")
            )
            % {"reference": ticket.reference},
            body=note,
            url=f"/m/tickets/{ticket.pk}/",
        )
    return ticket

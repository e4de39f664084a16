"""Overdue tickets escalate up the grid: cell (the officer) -> street -> district.

Run by a periodic task. A ticket past its stage deadline is marked overdue and
goes to the street level (the street's bureau contact and street office are
told); still overdue ``DISTRICT_AFTER_HOURS`` working hours later, it goes to the
district (the bureau's administrators are told). Each step is a transition row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grid.models import Membership, Ticket, TicketTransition
from grid.selectors import work_calendar
from grid.services.messages import Category, tell
from grid.worktime import add_working_hours

__all__ = ["DISTRICT_AFTER_HOURS", "EscalationReport", "tickets_escalate_overdue"]

DISTRICT_AFTER_HOURS = Decimal(4)  # working hours at street level before district
ADVISORY_LOCK_ID = 4_040_001
BATCH = 2000


@dataclass
class EscalationReport:
    to_street: int = 0
    to_district: int = 0
    skipped_locked: bool = False


def _try_lock() -> bool:
    """One sweep at a time across workers (PostgreSQL advisory lock)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_ID])
        return bool(cursor.fetchone()[0])


def _locked_rows(queryset):
    queryset = queryset.select_for_update(
        skip_locked=connection.features.has_select_for_update_skip_locked
    )
    return list(queryset.order_by("id")[:BATCH])


@transaction.atomic
def tickets_escalate_overdue(*, now: datetime | None = None) -> EscalationReport:
    now = now or timezone.now()
    report = EscalationReport()
    if not _try_lock():
        report.skipped_locked = True
        return report
    calendar = work_calendar()
    open_past_deadline = Ticket.objects.filter(
        status__in=Ticket.OPEN_STATUSES, stage_deadline__lt=now
    )

    to_street = _locked_rows(
        open_past_deadline.filter(escalation_level=Ticket.Level.CELL)
    )
    for ticket in to_street:
        ticket.overdue_since = ticket.stage_deadline
        ticket.escalation_level, ticket.escalated_at = Ticket.Level.STREET, now
    Ticket.objects.bulk_update(
        to_street, ["overdue_since", "escalation_level", "escalated_at", "updated_at"]
    )

    street_level = _locked_rows(
        open_past_deadline.filter(
            escalation_level=Ticket.Level.STREET, escalated_at__isnull=False
        ).exclude(pk__in=[t.pk for t in to_street])
    )
    to_district = [
        t
        for t in street_level
        if add_working_hours(t.escalated_at, DISTRICT_AFTER_HOURS, calendar) <= now
    ]
    for ticket in to_district:
        ticket.escalation_level, ticket.escalated_at = Ticket.Level.DISTRICT, now
    Ticket.objects.bulk_update(
        to_district, ["escalation_level", "escalated_at", "updated_at"]
    )

    TicketTransition.objects.bulk_create(
        [
            TicketTransition(
                ticket=t,
                action=TicketTransition.Action.ESCALATE,
                from_status=t.status,
                to_status=t.status,
                actor_label="system",
                at=now,
                note=str(level_note),
            )
            for tickets, level_note in (
                (to_street, _("Overdue: escalated to the street")),
                (to_district, _("Still overdue: escalated to the district")),
            )
            for t in tickets
        ]
    )
    _notify_street(to_street)
    _notify_district(to_district)
    report.to_street, report.to_district = len(to_street), len(to_district)
    return report


def _recipients_by_street(street_ids: set[int]) -> dict[int, set[int]]:
    """Street level: the street's officers and the bureau officers listed on it."""
    recipients: dict[int, set[int]] = defaultdict(set)
    rows = Membership.streets.through.objects.filter(
        street_id__in=street_ids,
        membership__is_active=True,
        membership__user__is_active=True,
    ).values_list("street_id", "membership__user_id")
    for street_id, user_id in rows:
        recipients[street_id].add(user_id)
    return recipients


def _notify_street(tickets: list[Ticket]) -> None:
    if not tickets:
        return
    recipients = _recipients_by_street({t.street_id for t in tickets})
    by_user: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        for user_id in recipients.get(ticket.street_id, set()) | (
            {ticket.assignee_id} if ticket.assignee_id else set()
        ):
            by_user[user_id].append(ticket)
    _send(by_user)


def _notify_district(tickets: list[Ticket]) -> None:
    if not tickets:
        return
    admins: dict[int, set[int]] = defaultdict(set)
    rows = (
        Membership.objects.active()
        .filter(
            role=Membership.Role.BUREAU_ADMIN,
            agency__district_id__in={t.district_id for t in tickets},
        )
        .values_list("agency__district_id", "user_id")
    )
    for district_id, user_id in rows:
        admins[district_id].add(user_id)
    by_user: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        for user_id in admins.get(ticket.district_id, set()):
            by_user[user_id].append(ticket)
    _send(by_user)


def _send(by_user: dict[int, list[Ticket]]) -> None:
    for user_id, tickets in by_user.items():
        if len(tickets) == 1:
            title = _("Overdue ticket %(reference)s") % {
                "reference": tickets[0].reference
            }
        else:
            title = ngettext(
                "%(count)d overdue ticket", "%(count)d overdue tickets", len(tickets)
            ) % {"count": len(tickets)}
        url = (
            tickets[0].get_absolute_url()
            if len(tickets) == 1
            else "/grid/tickets/?overdue=true"
        )
        tell([user_id], title=title, url=url, category=Category.ESCALATION)

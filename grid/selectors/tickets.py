"""Reads for tickets: scoped lists, the officer's own list, history, duplicates,
the dispatch board, the public status view and the figures other apps read."""

from __future__ import annotations

import hashlib
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from grid.models import (
    Holiday,
    Membership,
    Open311Client,
    Street,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketTransition,
)
from grid.selectors.geography import user_scope
from grid.worktime import WorkCalendar

__all__ = [
    "DUPLICATE_RADIUS_M",
    "DUPLICATE_WINDOW",
    "work_calendar",
    "ticket_category_list",
    "ticket_list",
    "ticket_get",
    "ticket_my_open",
    "ticket_history",
    "ticket_duplicate_candidates",
    "ticket_public_get",
    "ticket_officer_loads",
    "ticket_duty_officers",
    "ticket_overdue_by_street",
    "ticket_overdue_panel",
    "ticket_dispatch_board",
    "tickets_substantiated",
    "ticket_assignable_officers",
    "ticket_assignee_list",
    "open311_client_get",
    "ticket_can_see_contact",
]

DUPLICATE_RADIUS_M = 50
DUPLICATE_WINDOW = timedelta(hours=24)
_calendar_cache: dict[tuple, WorkCalendar] = {}
_calendar_checked: list[float] = [0.0]  # when the table was last looked at
CALENDAR_RECHECK_SECONDS = 60.0


def work_calendar() -> WorkCalendar:
    """The holiday calendar as a WorkCalendar. The table changes a few times a
    year: it is looked at again at most once a minute, and reloaded if changed."""
    now = time.monotonic()
    if _calendar_cache and now - _calendar_checked[0] < CALENDAR_RECHECK_SECONDS:
        return next(iter(_calendar_cache.values()))
    _calendar_checked[0] = now
    version = tuple(
        Holiday.objects.aggregate(n=Count("id"), latest=Max("updated_at")).values()
    )
    calendar = _calendar_cache.get(version)
    if calendar is None:
        _calendar_cache.clear()
        days = list(Holiday.objects.values_list("date", "kind"))
        calendar = WorkCalendar(
            holidays=frozenset(d for d, k in days if k == Holiday.Kind.HOLIDAY),
            workdays=frozenset(d for d, k in days if k == Holiday.Kind.WORKDAY),
        )
        _calendar_cache[version] = calendar
    return calendar


def ticket_category_list() -> QuerySet[TicketCategory]:
    return TicketCategory.objects.filter(is_active=True)


def ticket_list(*, user, filters: dict | None = None) -> QuerySet[Ticket]:
    """Tickets the user may see, optionally filtered by the shared TicketFilter."""
    from grid.filters import TicketFilter

    queryset = Ticket.objects.for_user(user).select_related(
        "category", "street", "grid_cell", "assignee"
    )
    if filters:
        from types import SimpleNamespace

        from core.errors import InvalidInput

        filterset = TicketFilter(
            filters, queryset=queryset, request=SimpleNamespace(user=user)
        )
        if not filterset.is_valid():
            raise InvalidInput(fields=filterset.errors)
        queryset = filterset.qs
    return queryset


def ticket_get(*, user, pk: int) -> Ticket:
    """One ticket in the user's scope; 404 otherwise."""
    return get_object_or_404(
        Ticket.objects.for_user(user).select_related(
            "category",
            "street",
            "grid_cell",
            "district",
            "assignee",
            "merged_into",
            "enterprise",
        ),
        pk=pk,
    )


def ticket_my_open(*, user) -> QuerySet[Ticket]:
    """The officer's open tickets, the nearest deadline first."""
    return (
        Ticket.objects.for_user(user)
        .filter(assignee_id=user.pk, status__in=Ticket.OFFICER_OPEN_STATUSES)
        .select_related("category")
        .order_by("stage_deadline", "id")
    )


def ticket_history(*, ticket: Ticket) -> QuerySet[TicketTransition]:
    """Every transition of the ticket, oldest first, with its evidence."""
    return (
        TicketTransition.objects.filter(ticket=ticket)
        .select_related("actor", "assignee", "related_ticket")
        .prefetch_related(
            Prefetch("attachments", queryset=TicketAttachment.objects.order_by("id"))
        )
        .order_by("at", "id")
    )


def _degrees_box(lat: float, radius_m: float) -> tuple[float, float]:
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    return dlat, dlon


def ticket_duplicate_candidates(
    *,
    category_id: int,
    lon: float,
    lat: float,
    at: datetime,
    exclude_id: int | None = None,
    user=None,
) -> list[Ticket]:
    """Open tickets of the same category within 50 m and 24 h, the nearest first."""
    from core.geo import distance_m

    dlat, dlon = _degrees_box(lat, DUPLICATE_RADIUS_M)
    queryset = Ticket.objects.for_user(user) if user is not None else Ticket.objects
    candidates = (
        queryset.filter(
            category_id=category_id,
            status__in=Ticket.OPEN_STATUSES,
            reported_at__gte=at - DUPLICATE_WINDOW,
            reported_at__lte=at + DUPLICATE_WINDOW,
            lat__range=(lat - dlat, lat + dlat),
            lon__range=(lon - dlon, lon + dlon),
        )
        .exclude(pk=exclude_id)
        .select_related("category")
    )
    near = []
    for ticket in candidates[:200]:
        distance = distance_m(lat, lon, ticket.lat, ticket.lon)
        if distance <= DUPLICATE_RADIUS_M:
            ticket.distance_m = round(distance, 1)
            near.append(ticket)
    return sorted(near, key=lambda t: t.distance_m)


def ticket_public_get(*, reference: str) -> Ticket:
    """A complaint by its reference number, for the public status page (no scope:
    the page shows no personal data; internal tickets are not public). A merged
    ticket leads to its original."""
    return get_object_or_404(
        Ticket.objects.public().select_related(
            "category", "street", "merged_into__category"
        ),
        reference=reference.strip().upper(),
    )


def ticket_officer_loads(*, user_ids) -> dict[int, int]:
    """Open tickets in each officer's hands (the round-robin weight)."""
    rows = (
        Ticket.objects.filter(
            assignee_id__in=list(user_ids), status__in=Ticket.OFFICER_OPEN_STATUSES
        )
        .values("assignee_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["assignee_id"]: row["n"] for row in rows}


@dataclass
class DutyRoster:
    """Who may take work in the given cells: on-duty officers named on the cell,
    on-duty officers covering the whole street, and which streets have anyone."""

    by_cell: dict[int, list[int]] = field(default_factory=dict)
    by_street: dict[int, list[int]] = field(default_factory=dict)
    staffed_streets: set[int] = field(default_factory=set)

    def officers_for(self, *, cell_id: int, street_id: int) -> list[int]:
        return self.by_cell.get(cell_id) or self.by_street.get(street_id) or []


def ticket_duty_officers(*, cells: list) -> DutyRoster:
    """The duty roster for some cells (anything with ``id`` and ``street_id``), in
    two queries."""
    cell_ids = {cell.id for cell in cells}
    street_ids = {cell.street_id for cell in cells}
    active = {
        "membership__is_active": True,
        "membership__user__is_active": True,
        "membership__role": Membership.Role.STREET_OFFICER,
    }
    roster = DutyRoster()
    by_cell: dict[int, set[int]] = defaultdict(set)
    by_street: dict[int, set[int]] = defaultdict(set)
    cell_rows = Membership.cells.through.objects.filter(
        gridcell__street_id__in=street_ids, **active
    ).values_list(
        "gridcell_id",
        "gridcell__street_id",
        "membership__user_id",
        "membership__on_duty",
    )
    for cell_id, street_id, user_id, on_duty in cell_rows:
        roster.staffed_streets.add(street_id)
        if on_duty and cell_id in cell_ids:
            by_cell[cell_id].add(user_id)
    street_rows = Membership.streets.through.objects.filter(
        street_id__in=street_ids, **active
    ).values_list("street_id", "membership__user_id", "membership__on_duty")
    for street_id, user_id, on_duty in street_rows:
        roster.staffed_streets.add(street_id)
        if on_duty:
            by_street[street_id].add(user_id)
    roster.by_cell = {k: sorted(v) for k, v in by_cell.items()}
    roster.by_street = {k: sorted(v) for k, v in by_street.items()}
    return roster


def _dispatchable(*, streets, districts) -> QuerySet:
    """Users tickets of these streets and districts can be dispatched to: active
    street officers covering one of the streets and bureau officers of one of the
    districts."""
    from django.contrib.auth import get_user_model

    memberships = Membership.objects.active().filter(
        Q(role=Membership.Role.STREET_OFFICER)
        & (Q(streets__in=streets) | Q(cells__street__in=streets))
        | Q(role__in=Membership.BUREAU_ROLES, agency__district__in=districts)
    )
    return (
        get_user_model()
        .objects.filter(pk__in=memberships.values("user_id"))
        .order_by("username")
    )


def ticket_assignable_officers(*, ticket: Ticket) -> QuerySet:
    """Users a ticket can be dispatched to: active street officers of its street
    and bureau officers of its district."""
    return _dispatchable(streets=[ticket.street_id], districts=[ticket.district_id])


def ticket_assignee_list(*, user) -> QuerySet:
    """Users this user may dispatch some ticket to: the assignable officers of
    every street the user handles tickets of (the district's streets for bureau
    staff, the covered streets for a street officer). Which of them suits one
    ticket is ``ticket_assignable_officers``."""
    scope = user_scope(user=user)
    streets = Street.objects.all()
    if not scope.is_superuser:
        streets = streets.filter(
            Q(district_id__in=scope.district_ids) | Q(pk__in=scope.street_ids)
        )
    return _dispatchable(streets=streets, districts=streets.values("district_id"))


def ticket_overdue_by_street(*, user) -> list[dict]:
    """Open overdue tickets per street in the user's scope (dashboard panel)."""
    rows = (
        Ticket.objects.for_user(user)
        .filter(status__in=Ticket.OPEN_STATUSES)
        .values("street_id", "street__name")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(overdue_since__isnull=False)),
            at_district=Count("id", filter=Q(escalation_level=Ticket.Level.DISTRICT)),
        )
        .order_by("-overdue", "street__name")
    )
    return list(rows)


def ticket_overdue_panel(*, user) -> dict | None:
    """Context of the dashboard panel "overdue tickets by street" (staff only)."""
    if not user_scope(user=user).is_staff_member:
        return None
    rows = ticket_overdue_by_street(user=user)
    return {
        "rows": rows,
        "total_open": sum(r["open"] for r in rows),
        "total_overdue": sum(r["overdue"] for r in rows),
    }


def ticket_dispatch_board(*, user) -> list[dict]:
    """Per street: the queue, each officer's load and the overdue count."""
    tickets = Ticket.objects.for_user(user).filter(status__in=Ticket.OPEN_STATUSES)
    streets = {
        s.id: {
            "street": s,
            "queue": 0,
            "district_queue": 0,
            "overdue": 0,
            "open": 0,
            "officers": [],
        }
        for s in Street.objects.for_user(user).order_by("code")
    }
    rows = (
        tickets.values("street_id", "queue", "assignee_id", "assignee__username")
        .annotate(
            n=Count("id"), overdue=Count("id", filter=Q(overdue_since__isnull=False))
        )
        .order_by()
    )
    for row in rows:
        entry = streets.get(row["street_id"])
        if entry is None:
            continue
        entry["open"] += row["n"]
        entry["overdue"] += row["overdue"]
        if row["assignee_id"] is None:
            key = "district_queue" if row["queue"] == Ticket.Queue.DISTRICT else "queue"
            entry[key] += row["n"]
        else:
            entry["officers"].append(
                {
                    "id": row["assignee_id"],
                    "username": row["assignee__username"],
                    "open": row["n"],
                    "overdue": row["overdue"],
                }
            )
    for entry in streets.values():
        entry["officers"].sort(key=lambda o: (-o["open"], o["username"]))
    return list(streets.values())


def tickets_substantiated(*, as_of: date) -> QuerySet[Ticket]:
    """Substantiated complaints: closed tickets with a confirmed violation at an
    enterprise, closed on or before ``as_of``. The health code's complaints factor
    reads these records (one set-based query for all enterprises)."""
    return Ticket.objects.filter(
        status=Ticket.Status.CLOSED,
        violation_confirmed=True,
        enterprise_id__isnull=False,
        closed_at__date__lte=as_of,
    )


def open311_client_get(*, api_key: str) -> Open311Client | None:
    digest = hashlib.sha256(api_key.encode()).hexdigest()
    return Open311Client.objects.filter(key_hash=digest, is_active=True).first()


def ticket_can_see_contact(*, user) -> bool:
    """Only bureau and street staff see who reported and how to reach them."""
    return user_scope(user=user).is_staff_member


def ticket_age_hours(ticket: Ticket, now: datetime | None = None) -> float:
    return ((now or timezone.now()) - ticket.reported_at).total_seconds() / 3600

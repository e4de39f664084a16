"""Ticket intake and routing: validate, locate the grid cell, pick the on-duty
officer with the lightest open load (or a queue), set the first deadline.

``ticket_open`` is the one way other apps open tickets. ``tickets_open_many`` is
the same path for a batch: one vectorised point-in-polygon pass and bulk inserts.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import InvalidInput
from grid.models import Ticket, TicketCategory, TicketTransition
from grid.selectors import (
    grid_cell_index,
    ticket_duty_officers,
    ticket_officer_loads,
    work_calendar,
)
from grid.services.messages import tell
from grid.worktime import add_working_hours

__all__ = [
    "DESCRIPTION_MAX_CHARS",
    "TicketIntake",
    "ticket_open",
    "tickets_open_many",
    "ticket_reporter_key",
    "ticket_reference_new",
    "ticket_report_by_citizen",
    "ticket_reporter_key_matches",
]

DESCRIPTION_MAX_CHARS = 4000
REFERENCE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
SYSTEM = "system"


def outside_district_message() -> str:
    return _("The location is outside every grid cell of the district.")


@dataclass(frozen=True)
class CellPlace:
    """A grid cell as routing needs it."""

    id: int
    street_id: int
    district_id: int


@dataclass
class TicketIntake:
    """One ticket to open, as given by its source."""

    category: str
    source: str
    description: str
    lon: float
    lat: float
    address: str = ""
    enterprise_id: int | None = None
    reporter_id: int | None = None
    reporter_contact: str = ""
    origin: str = ""
    occurred_at: datetime | None = None
    media_url: str = ""
    reporter_key_hash: str = ""
    actor_label: str = ""


def ticket_reference_new(now: datetime) -> str:
    """A reference number a citizen can read out: date, then 8 random characters."""
    local = timezone.localtime(now)
    # 256 % 31 leaves a bias of under 4 % between characters: harmless here.
    tail = "".join(REFERENCE_CHARSET[b % 31] for b in secrets.token_bytes(8))
    return f"{local:%y%m%d}-{tail[:4]}-{tail[4:]}"


def ticket_reporter_key() -> tuple[str, str]:
    """A secret for the reporter's status link, and its hash to store."""
    key = secrets.token_urlsafe(18)
    return key, hashlib.sha256(key.encode()).hexdigest()


def ticket_open(
    *,
    category: str,
    source: str,
    description: str,
    lon: float,
    lat: float,
    address: str = "",
    enterprise=None,
    reporter=None,
    reporter_contact: str = "",
    origin: str = "",
    occurred_at=None,
) -> Ticket:
    """Open one ticket and route it. Raises InvalidInput naming the field."""
    intake = TicketIntake(
        category=category,
        source=source,
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        enterprise_id=getattr(enterprise, "pk", enterprise),
        reporter_id=getattr(reporter, "pk", reporter),
        reporter_contact=reporter_contact,
        origin=origin,
        occurred_at=occurred_at,
    )
    return tickets_open_many(items=[intake], single=True)[0]


def _clean(
    intake: TicketIntake, categories: dict[str, TicketCategory], now: datetime
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if intake.category not in categories:
        errors["category"] = [
            _("Unknown category “%(code)s”.") % {"code": intake.category}
        ]
    if intake.source not in Ticket.Source.values:
        errors["source"] = [_("Unknown source “%(code)s”.") % {"code": intake.source}]
    description = (intake.description or "").strip()
    if not description:
        errors["description"] = [_("Describe what happened.")]
    elif len(description) > DESCRIPTION_MAX_CHARS:
        errors["description"] = [
            _("At most %(limit)d characters (this has %(length)d).")
            % {"limit": DESCRIPTION_MAX_CHARS, "length": len(description)}
        ]
    try:
        lon, lat = float(intake.lon), float(intake.lat)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError
        intake.lon, intake.lat = lon, lat
    except (TypeError, ValueError):
        errors["location"] = [_("Give a WGS-84 longitude and latitude.")]
    for name, limit in (("address", 300), ("reporter_contact", 200), ("origin", 120)):
        if len(getattr(intake, name) or "") > limit:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
    if intake.occurred_at is not None and intake.occurred_at > now + timedelta(
        minutes=10
    ):
        errors["occurred_at"] = [_("The time lies in the future.")]
    intake.description = description
    return errors


@transaction.atomic
def tickets_open_many(
    *, items: list[TicketIntake], single: bool = False, now: datetime | None = None
) -> list[Ticket]:
    """Open and route many tickets at once. Every item is checked first; one bad
    item refuses the batch with each problem named, and nothing is stored."""
    now = now or timezone.now()
    categories = {c.code: c for c in TicketCategory.objects.filter(is_active=True)}
    problems: list[tuple[int, dict]] = []
    for number, intake in enumerate(items):
        errors = _clean(intake, categories, now)
        if errors:
            problems.append((number, errors))
    cell_ids: list[int | None] = []
    index = grid_cell_index()
    if not problems:
        cell_ids = index.locate_many([(i.lon, i.lat) for i in items])
        for number, cell_id in enumerate(cell_ids):
            if cell_id is None:
                problems.append(
                    (
                        number,
                        {"location": [outside_district_message()]},
                    )
                )
    if problems:
        if single:
            raise InvalidInput(fields=problems[0][1])
        raise InvalidInput(
            fields={
                "items": [
                    {"item": number, "field": name, "message": str(message)}
                    for number, errors in problems
                    for name, messages in errors.items()
                    for message in messages
                ]
            }
        )

    cells = {pk: CellPlace(pk, *index.cell_places[pk]) for pk in set(cell_ids)}
    roster = ticket_duty_officers(cells=list(cells.values()))
    candidates = {u for users in roster.by_cell.values() for u in users}
    candidates |= {u for users in roster.by_street.values() for u in users}
    loads = Counter(ticket_officer_loads(user_ids=candidates))
    calendar = work_calendar()
    deadlines: dict[tuple[int, str], datetime] = {}

    def deadline(category: TicketCategory, stage: str) -> datetime:
        key = (category.pk, stage)
        if key not in deadlines:
            deadlines[key] = add_working_hours(
                now, category.stage_hours(stage), calendar
            )
        return deadlines[key]

    tickets: list[Ticket] = []
    for intake, cell_id in zip(items, cell_ids, strict=True):
        cell = cells[cell_id]
        category = categories[intake.category]
        officers = roster.officers_for(cell_id=cell.id, street_id=cell.street_id)
        assignee_id = None
        if officers:
            assignee_id = min(officers, key=lambda u: (loads[u], u))
            loads[assignee_id] += 1
            queue, status = Ticket.Queue.OFFICER, Ticket.Status.DISPATCHED
            stage_deadline = deadline(category, "accept")
        else:
            queue = (
                Ticket.Queue.STREET
                if cell.street_id in roster.staffed_streets
                else Ticket.Queue.DISTRICT
            )
            status = Ticket.Status.REGISTERED
            stage_deadline = deadline(category, "dispatch")
        tickets.append(
            Ticket(
                reference=ticket_reference_new(now),
                category=category,
                source=intake.source,
                status=status,
                description=intake.description,
                lon=intake.lon,
                lat=intake.lat,
                address=(intake.address or "").strip(),
                enterprise_id=intake.enterprise_id,
                reporter_id=intake.reporter_id,
                reporter_contact=(intake.reporter_contact or "").strip(),
                reporter_key_hash=intake.reporter_key_hash,
                origin=intake.origin or "",
                media_url=intake.media_url or "",
                occurred_at=intake.occurred_at,
                reported_at=now,
                district_id=cell.district_id,
                street_id=cell.street_id,
                grid_cell_id=cell.id,
                queue=queue,
                assignee_id=assignee_id,
                stage_deadline=stage_deadline,
            )
        )
    _insert_with_unique_references(tickets, now)

    # Transitions as plain rows: three per ticket, so no model instances.
    source_labels = {code: str(label) for code, label in Ticket.Source.choices}
    queue_labels = {code: str(label) for code, label in Ticket.Queue.choices}
    transitions: list[dict] = []
    for intake, ticket in zip(items, tickets, strict=True):
        reporter_label = intake.actor_label or source_labels[ticket.source]
        transitions.append(
            {
                "ticket_id": ticket.pk,
                "action": TicketTransition.Action.REPORT,
                "from_status": "",
                "to_status": Ticket.Status.REPORTED,
                "actor_id": intake.reporter_id,
                "actor_label": "" if intake.reporter_id else reporter_label,
                "lon": ticket.lon,
                "lat": ticket.lat,
                "note": ticket.origin,
            }
        )
        transitions.append(
            {
                "ticket_id": ticket.pk,
                "action": TicketTransition.Action.REGISTER,
                "from_status": Ticket.Status.REPORTED,
                "to_status": Ticket.Status.REGISTERED,
                "actor_label": SYSTEM,
                "note": "" if ticket.assignee_id else queue_labels[ticket.queue],
            }
        )
        if ticket.assignee_id:
            transitions.append(
                {
                    "ticket_id": ticket.pk,
                    "action": TicketTransition.Action.DISPATCH,
                    "from_status": Ticket.Status.REGISTERED,
                    "to_status": Ticket.Status.DISPATCHED,
                    "actor_label": SYSTEM,
                    "assignee_id": ticket.assignee_id,
                }
            )
    _insert_transitions(transitions, now)
    _notify_assignees(tickets)
    return tickets


def _insert_with_unique_references(tickets: list[Ticket], now: datetime) -> None:
    """Insert the tickets; a reference that already exists (rare: 31^8 per day)
    gets a fresh one and the insert is tried again (batches only: for one ticket
    the odds are far below those of a lost request, which the caller retries)."""
    if len(tickets) == 1:
        _insert_tickets(tickets, now)
        return
    for attempt in range(4):
        seen: set[str] = set()
        for ticket in tickets:
            while ticket.reference in seen:
                ticket.reference = ticket_reference_new(now)
            seen.add(ticket.reference)
        try:
            with transaction.atomic():
                _insert_tickets(tickets, now)
            return
        except IntegrityError:
            if attempt == 3:
                raise
            taken = set(
                Ticket.objects.filter(reference__in=seen).values_list(
                    "reference", flat=True
                )
            )
            for ticket in tickets:
                ticket.pk = None
                if ticket.reference in taken:
                    ticket.reference = ticket_reference_new(now)


def _copy(model, attnames: list[str], rows) -> None:
    """PostgreSQL COPY of plain rows into a model's table: several times faster
    than a multi-row INSERT for batches of thousands."""
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(column_of[n]) for n in attnames)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _use_copy(count: int) -> bool:
    return connection.vendor == "postgresql" and count >= 50


def _insert_tickets(tickets: list[Ticket], now: datetime) -> None:
    if not _use_copy(len(tickets)):
        Ticket.objects.bulk_create(tickets, batch_size=2000)
        return
    attnames = [f.attname for f in Ticket._meta.concrete_fields if not f.primary_key]
    for ticket in tickets:
        ticket.created_at = ticket.updated_at = now
    _copy(Ticket, attnames, ([getattr(t, a) for a in attnames] for t in tickets))
    ids = dict(
        Ticket.objects.filter(reference__in=[t.reference for t in tickets]).values_list(
            "reference", "id"
        )
    )
    for ticket in tickets:
        ticket.pk = ids[ticket.reference]
        ticket._state.adding, ticket._state.db = False, "default"


TRANSITION_COLUMNS = [
    "ticket_id",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "actor_label",
    "at",
    "lon",
    "lat",
    "note",
    "assignee_id",
    "related_ticket_id",
]


def _insert_transitions(rows: list[dict], now: datetime) -> None:
    defaults = {
        "actor_id": None,
        "actor_label": "",
        "lon": None,
        "lat": None,
        "note": "",
        "assignee_id": None,
        "related_ticket_id": None,
        "at": now,
    }
    if not _use_copy(len(rows)):
        TicketTransition.objects.bulk_create(
            [TicketTransition(**{**defaults, **row}) for row in rows], batch_size=2000
        )
        return
    _copy(
        TicketTransition,
        TRANSITION_COLUMNS,
        ([row.get(c, defaults.get(c)) for c in TRANSITION_COLUMNS] for row in rows),
    )


def _notify_assignees(tickets: list[Ticket]) -> None:
    by_officer: dict[int, list[Ticket]] = {}
    for ticket in tickets:
        if ticket.assignee_id:
            by_officer.setdefault(ticket.assignee_id, []).append(ticket)
    for officer_id, assigned in by_officer.items():
        first = assigned[0]
        if len(assigned) == 1:
            title = _("New ticket %(reference)s: %(category)s") % {
                "reference": first.reference,
                "category": first.category.name,
            }
        else:
            title = ngettext(
                "%(count)d new ticket", "%(count)d new tickets", len(assigned)
            ) % {"count": len(assigned)}
        tell(
            [officer_id],
            title=title,
            body=first.address if len(assigned) == 1 else "",
            url=f"/m/tickets/{first.pk}/" if len(assigned) == 1 else "/m/tickets/",
        )


@transaction.atomic
def ticket_report_by_citizen(
    *,
    category: str,
    description: str,
    lon: float,
    lat: float,
    address: str = "",
    contact: str = "",
    photo=None,
    source: str = Ticket.Source.CITIZEN_WEB,
    enterprise_id: int | None = None,
    reporter=None,
    media_url: str = "",
    actor_label: str = "",
) -> tuple[Ticket, str]:
    """A citizen's report from the public page or Open311. Returns the ticket and
    the secret for the reporter's status link (shown once, stored hashed)."""
    from grid.services.evidence import attachment_add

    key, key_hash = ticket_reporter_key()
    enterprise_field = Ticket._meta.get_field("enterprise")
    if (
        enterprise_id
        and not enterprise_field.related_model.objects.filter(pk=enterprise_id).exists()
    ):
        enterprise_id = None
    intake = TicketIntake(
        category=category,
        source=source,
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        enterprise_id=enterprise_id,
        reporter_id=getattr(reporter, "pk", None),
        reporter_contact=contact,
        reporter_key_hash=key_hash,
        media_url=media_url,
        actor_label=actor_label,
    )
    ticket = tickets_open_many(items=[intake], single=True)[0]
    if photo is not None:
        report_step = ticket.transitions.get(action=TicketTransition.Action.REPORT)
        attachment_add(ticket=ticket, upload=photo, transition=report_step)
    return ticket, key


def ticket_reporter_key_matches(*, ticket: Ticket, key: str) -> bool:
    if not ticket.reporter_key_hash or not key:
        return False
    digest = hashlib.sha256(key.encode()).hexdigest()
    return secrets.compare_digest(digest, ticket.reporter_key_hash)

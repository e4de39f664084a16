"""The audit hash chain over trigger-written history (django-pghistory events).

Sealing appends links for events not yet sealed; verifying recomputes every link
from the event rows as they are now. Both read every registered event model, so
history added by any app is covered without this module knowing the app."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef

from core.models import AuditLink

GENESIS = "0" * 64
BATCH = 5000
LOOKBACK = timedelta(hours=1)


def event_models() -> list:
    """Every concrete pghistory event model in the project."""
    from pghistory.models import Event

    return sorted(
        (m for m in apps.get_models() if issubclass(m, Event) and not m._meta.proxy),
        key=lambda m: m._meta.label,
    )


def canonical_payload(event) -> str:
    """Canonical JSON of an event row: sorted keys, no spaces, other types as text."""
    data = {
        field.attname: getattr(event, field.attname)
        for field in event._meta.concrete_fields
    }
    document = {"model": event._meta.label, "data": data}
    return json.dumps(
        document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def link_hash(previous_hash: str, payload: str) -> str:
    return hashlib.sha256((previous_hash + payload).encode()).hexdigest()


def _lock_chain() -> None:
    """Serialise sealers: one chain, one writer at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('core.audit_chain'))")


@transaction.atomic
def audit_seal() -> int:
    """Seal every history event not yet in the chain; returns how many were sealed."""
    _lock_chain()
    head = AuditLink.objects.order_by("-sequence").first()
    sequence, previous = (head.sequence, head.hash) if head else (0, GENESIS)
    # Events carry their transaction's start time and may commit late: look back
    # an hour behind the newest sealed event and seal whatever is not yet linked.
    newest = AuditLink.objects.aggregate(at=Max("event_created_at"))["at"]
    pending = []
    for model in event_models():
        label = model._meta.label
        events = model.objects.exclude(
            Exists(
                AuditLink.objects.filter(event_model=label, event_id=OuterRef("pgh_id"))
            )
        )
        if newest is not None:
            events = events.filter(pgh_created_at__gte=newest - LOOKBACK)
        for event in events.order_by("pgh_id").iterator(chunk_size=BATCH):
            pending.append((event.pgh_created_at, label, event.pgh_id, event))
    pending.sort(key=lambda item: item[:3])
    links = []
    for created_at, label, event_id, event in pending:
        sequence += 1
        digest = link_hash(previous, canonical_payload(event))
        links.append(
            AuditLink(
                sequence=sequence,
                event_model=label,
                event_id=event_id,
                event_created_at=created_at,
                previous_hash=previous,
                hash=digest,
            )
        )
        previous = digest
    AuditLink.objects.bulk_create(links, batch_size=BATCH)
    return len(links)


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    head_sequence: int
    head_hash: str
    broken_at: int | None = None  # sequence of the first broken link
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_verify() -> VerifyResult:
    """Recompute the chain from the event rows; report the first broken link."""
    models_by_label = {m._meta.label: m for m in event_models()}
    previous = GENESIS
    checked = 0
    last = None
    links = AuditLink.objects.order_by("sequence")
    for start in range(0, links.count(), BATCH):
        batch = list(links[start : start + BATCH])
        wanted: dict[str, list[int]] = {}
        for link in batch:
            wanted.setdefault(link.event_model, []).append(link.event_id)
        rows = {
            label: models_by_label[label].objects.in_bulk(ids, field_name="pgh_id")
            for label, ids in wanted.items()
            if label in models_by_label
        }
        for link in batch:
            if link.previous_hash != previous:
                return _broken(
                    checked, last, link, "the link does not follow the one before it"
                )
            event = rows.get(link.event_model, {}).get(link.event_id)
            if event is None:
                return _broken(checked, last, link, "the history row is missing")
            if link_hash(previous, canonical_payload(event)) != link.hash:
                return _broken(checked, last, link, "the history row was changed")
            previous = link.hash
            checked += 1
            last = link
    return VerifyResult(checked, last.sequence if last else 0, previous)


def _broken(checked, last, link, reason) -> VerifyResult:
    return VerifyResult(
        checked,
        last.sequence if last else 0,
        last.hash if last else GENESIS,
        broken_at=link.sequence,
        reason=reason,
    )


def audit_digest(*, at: datetime) -> dict:
    """The chain head, to be anchored outside the database (file, email)."""
    head = AuditLink.objects.order_by("-sequence").first()
    return {
        "generated_at": at.isoformat(),
        "sequence": head.sequence if head else 0,
        "hash": head.hash if head else GENESIS,
        "sealed_at": head.sealed_at.isoformat() if head else None,
    }

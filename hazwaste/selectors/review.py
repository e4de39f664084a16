"""The ledger review queue (台账审核): enterprise-reported ledger entries that a
reviewer should look at before they are trusted, for staff to validate or
invalidate (``services.ledger_entries_decide``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from hazwaste.models import (
    LedgerEntry,
    LedgerReviewDecision,
    ManagementPlan,
    PlanLine,
    Producer,
)

MAX_WINDOW = timedelta(days=92)
USUAL_FACTOR = 5  # five times the producer's usual generation of that code
USUAL_MIN_ENTRIES = 5  # fewer earlier entries say nothing about "usual"
USUAL_DAYS = 365
LATE_DAYS = 30  # recorded more than 30 days after it happened
FUTURE_SKEW = timedelta(minutes=5)
EPSILON = Decimal("0.001")
QUEUE_LIMIT = 2000
REASONS = ("far_above_usual", "above_plan", "negative_stock", "future", "late")


def _stock_before(producers, start: datetime) -> dict[tuple[int, int], Decimal]:
    """Generated less sent out per producer and code, before ``start``."""
    kinds = LedgerEntry.Kind
    rows = (
        LedgerEntry.objects.usable()
        .filter(producer__in=producers, occurred_at__lt=start)
        .values("producer_id", "waste_code_id")
        .annotate(
            generated=Sum("quantity_kg", filter=Q(kind=kinds.GENERATION)),
            sent=Sum("quantity_kg", filter=Q(kind=kinds.SENT_OUT)),
        )
        .order_by()
    )
    return {
        (r["producer_id"], r["waste_code_id"]): (r["generated"] or 0) - (r["sent"] or 0)
        for r in rows
    }


def _usual(producers, start: datetime) -> dict[tuple[int, int], Decimal]:
    """The mean generation entry per producer and code over the year before
    ``start``, where there are enough entries to call it usual."""
    rows = (
        LedgerEntry.objects.usable()
        .filter(
            producer__in=producers,
            kind=LedgerEntry.Kind.GENERATION,
            occurred_at__gte=start - timedelta(days=USUAL_DAYS),
            occurred_at__lt=start,
        )
        .values("producer_id", "waste_code_id")
        .annotate(mean=Avg("quantity_kg"), n=Count("id"))
        .filter(n__gte=USUAL_MIN_ENTRIES)
        .order_by()
    )
    return {(r["producer_id"], r["waste_code_id"]): r["mean"] for r in rows}


def _planned(producers, years: set[int]) -> dict[tuple[int, int, str], Decimal]:
    """The filed plans' expected kg per producer, year and code text."""
    rows = (
        PlanLine.objects.filter(
            plan__producer__in=producers,
            plan__year__in=years,
            plan__status=ManagementPlan.Status.FILED,
        )
        .values("plan__producer_id", "plan__year", "waste_code__code")
        .annotate(kg=Sum("expected_kg"))
        .order_by()
    )
    return {
        (r["plan__producer_id"], r["plan__year"], r["waste_code__code"]): r["kg"]
        for r in rows
    }


def ledger_review_queue(
    *, user, start: datetime, end: datetime, now: datetime | None = None
) -> list[dict]:
    """Unreviewed ledger entries of [start, end) (at most 92 days) that a
    reviewer would want to check, each with why:

    - ``far_above_usual``: a generation over 5 times the producer's mean
      generation of that code in the year before (with at least 5 entries to
      judge by) - a slipped decimal point, tonnes typed as kilograms;
    - ``above_plan``: one generation larger than the whole year's quantity of
      that code in the producer's filed management plan;
    - ``negative_stock``: a sending-out that leaves the producer's stock of the
      code below zero - more sent than the ledger ever generated;
    - ``future``: dated after it was recorded, or after now;
    - ``late``: recorded more than 30 days after it happened (back-filled).

    Invalidated entries do not count toward the stock; an entry leaves the
    queue once a decision names it."""
    if start >= end:
        raise InvalidInput(fields={"end": [_("The end must be after the start.")]})
    if end - start > MAX_WINDOW:
        raise InvalidInput(fields={"end": [_("At most 92 days at a time.")]})
    now = now or timezone.now()
    producers = Producer.objects.for_user(user).values("pk")
    stock = _stock_before(producers, start)
    usual = _usual(producers, start)
    first_year = timezone.localtime(start).year
    planned = _planned(
        producers, set(range(first_year, timezone.localtime(end).year + 1))
    )
    rows = (
        LedgerEntry.objects.usable()
        .filter(producer__in=producers, occurred_at__gte=start, occurred_at__lt=end)
        .order_by("producer_id", "waste_code_id", "occurred_at", "id")
        .values_list(
            "id",
            "producer_id",
            "producer__enterprise__name",
            "container__label_code",
            "waste_code_id",
            "waste_code__code",
            "kind",
            "occurred_at",
            "recorded_at",
            "quantity",
            "unit",
            "quantity_kg",
            "review_state",
        )
    )
    kinds = LedgerEntry.Kind
    found: list[dict] = []
    for (
        pk,
        producer_id,
        producer,
        container,
        code_id,
        code,
        kind,
        occurred_at,
        recorded_at,
        quantity,
        unit,
        kg,
        state,
    ) in rows.iterator(chunk_size=5000):
        key = (producer_id, code_id)
        if kind == kinds.GENERATION:
            stock[key] = stock.get(key, 0) + kg
        elif kind == kinds.SENT_OUT:
            stock[key] = stock.get(key, 0) - kg
        if state != LedgerEntry.ReviewState.UNREVIEWED:
            continue
        reasons = []
        facts: dict[str, Decimal] = {}
        if kind == kinds.GENERATION:
            mean = usual.get(key)
            if mean and kg > mean * USUAL_FACTOR:
                reasons.append("far_above_usual")
                facts["usual_kg"] = mean
            line = planned.get(
                (producer_id, timezone.localtime(occurred_at).year, code)
            )
            if line is not None and kg > line:
                reasons.append("above_plan")
                facts["planned_kg"] = line
        if kind == kinds.SENT_OUT and stock[key] < -EPSILON:
            reasons.append("negative_stock")
            facts["stock_kg"] = stock[key]
        if occurred_at > min(recorded_at, now) + FUTURE_SKEW:
            reasons.append("future")
        if recorded_at - occurred_at > timedelta(days=LATE_DAYS):
            reasons.append("late")
        if reasons:
            found.append(
                {
                    "id": pk,
                    "producer": producer,
                    "producer_id": producer_id,
                    "container": container,
                    "waste_code": code,
                    "kind": kind,
                    "occurred_at": occurred_at,
                    "recorded_at": recorded_at,
                    "quantity": quantity,
                    "unit": unit,
                    "quantity_kg": kg,
                    "reasons": reasons,
                    "facts": facts,
                }
            )
    found.sort(key=lambda row: (row["occurred_at"], row["id"]))
    return found[:QUEUE_LIMIT]


def ledger_review_decision_list(*, user):
    """The review decisions of the user's districts, newest first."""
    return LedgerReviewDecision.objects.for_user(user).select_related("decided_by")

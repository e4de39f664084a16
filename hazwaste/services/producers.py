"""Producers: registration, management class (HJ 1259), storage facilities,
annual management plans and periodic declarations."""

from __future__ import annotations

import calendar as month_calendar
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from enforcement.models import Enterprise
from hazwaste.models import (
    AnnualAmount,
    Declaration,
    LedgerEntry,
    ManagementPlan,
    PlanLine,
    Producer,
    Receiver,
    StorageFacility,
)
from hazwaste.services.catalogue import waste_code_resolve

# HJ 1259—2022: by the largest annual amount of the last three years.
KEY_THRESHOLD_T = Decimal("100")
SIMPLIFIED_THRESHOLD_T = Decimal("10")
SCHEDULE = {
    Producer.ManagementClass.KEY: Declaration.Period.MONTH,
    Producer.ManagementClass.SIMPLIFIED: Declaration.Period.QUARTER,
    Producer.ManagementClass.REGISTRATION: Declaration.Period.YEAR,
}
PLAN_DEADLINE = (3, 31)  # the annual plan is filed by 31 March


def management_class_for(
    *, annual_amounts_t: Iterable[Decimal], own_disposal: bool, holds_permit: bool
) -> str:
    """Key (≥ 100 t, own disposal or a permit), simplified (≥ 10 t) or
    registration (< 10 t), from the largest of the given annual amounts."""
    largest = max(annual_amounts_t, default=Decimal("0"))
    if own_disposal or holds_permit or largest >= KEY_THRESHOLD_T:
        return Producer.ManagementClass.KEY
    if largest >= SIMPLIFIED_THRESHOLD_T:
        return Producer.ManagementClass.SIMPLIFIED
    return Producer.ManagementClass.REGISTRATION


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@transaction.atomic
def producer_register(
    *,
    enterprise: Enterprise,
    own_disposal: bool = False,
    holds_permit: bool = False,
    now: datetime | None = None,
) -> Producer:
    """Give an enterprise a hazardous-waste profile (idempotent)."""
    producer, _created = Producer.objects.get_or_create(
        enterprise=enterprise,
        defaults={"own_disposal": own_disposal, "holds_permit": holds_permit},
    )
    producer_classes_recompute(producers=[producer.pk], now=now)
    producer.refresh_from_db()
    return producer


@transaction.atomic
def producer_classes_recompute(
    *, producers: Iterable[int] | None = None, now: datetime | None = None
) -> int:
    """Recompute the class of every producer (or the given ids) in a fixed
    number of queries: ledger generation per producer and year, declared
    amounts, then one bulk update."""
    now = now or timezone.now()
    year = _local_date(now).year
    years = range(year - 3, year)
    queryset = Producer.objects.all()
    if producers is not None:
        queryset = queryset.filter(pk__in=list(producers))
    amounts: dict[int, dict[int, Decimal]] = defaultdict(dict)
    generated = (
        LedgerEntry.objects.usable()
        .filter(
            producer__in=queryset.values("pk"),
            kind=LedgerEntry.Kind.GENERATION,
            occurred_at__gte=_start_of_day(date(years[0], 1, 1)),
            occurred_at__lt=_start_of_day(date(year, 1, 1)),
        )
        .annotate(year=ExtractYear("occurred_at"))
        .values("producer_id", "year")
        .annotate(kg=Sum("quantity_kg"))
    )
    for row in generated:
        amounts[row["producer_id"]][row["year"]] = row["kg"] / 1000
    declared = AnnualAmount.objects.filter(
        producer__in=queryset.values("pk"), year__in=list(years)
    ).values_list("producer_id", "year", "amount_t")
    for producer_id, row_year, amount_t in declared:
        current = amounts[producer_id].get(row_year, Decimal("0"))
        amounts[producer_id][row_year] = max(current, amount_t)
    changed = []
    for producer in queryset.only("id", "own_disposal", "holds_permit"):
        by_year = amounts.get(producer.pk, {})
        producer.class_basis_t = max(by_year.values(), default=Decimal("0"))
        producer.management_class = management_class_for(
            annual_amounts_t=by_year.values(),
            own_disposal=producer.own_disposal,
            holds_permit=producer.holds_permit,
        )
        producer.class_computed_at = now
        producer.updated_at = now
        changed.append(producer)
    Producer.objects.bulk_update(
        changed,
        ["class_basis_t", "management_class", "class_computed_at", "updated_at"],
        batch_size=2000,
    )
    return len(changed)


@transaction.atomic
def annual_amount_declare(*, producer: Producer, year: int, amount_t: Decimal):
    if amount_t < 0:
        raise InvalidInput(fields={"amount_t": [_("The amount cannot be negative.")]})
    AnnualAmount.objects.update_or_create(
        producer=producer, year=year, defaults={"amount_t": amount_t}
    )
    producer_classes_recompute(producers=[producer.pk])


@transaction.atomic
def facility_create(
    *, producer: Producer, name: str, kind: str, capacity_kg: Decimal
) -> StorageFacility:
    if capacity_kg is None or capacity_kg <= 0:
        raise InvalidInput(
            fields={"capacity_kg": [_("The capacity must be greater than zero.")]}
        )
    if kind not in StorageFacility.Kind.values:
        raise InvalidInput(fields={"kind": [_("Unknown facility type.")]})
    return StorageFacility.objects.create(
        producer=producer, name=name.strip(), kind=kind, capacity_kg=capacity_kg
    )


@transaction.atomic
def plan_save(
    *, producer: Producer, year: int, lines: list[dict], receivers=None
) -> ManagementPlan:
    """Create or replace the lines of a draft plan. Lines: waste_code (text),
    expected_kg, optional receiver (a Receiver). A filed plan cannot change."""
    plan, _created = ManagementPlan.objects.select_for_update().get_or_create(
        producer=producer, year=year
    )
    if plan.status != ManagementPlan.Status.DRAFT:
        raise Conflict(_("The plan is filed; it can no longer be changed."))
    if not lines:
        raise InvalidInput(fields={"lines": [_("A plan needs at least one line.")]})
    on = date(year, 1, 1)
    new_lines = []
    seen = set()
    for index, line in enumerate(lines):
        field = f"lines[{index}]"
        code = waste_code_resolve(
            code=line.get("waste_code", ""), on=on, field=f"{field}.waste_code"
        )
        expected = Decimal(str(line.get("expected_kg") or "0"))
        if expected <= 0:
            raise InvalidInput(
                fields={
                    f"{field}.expected_kg": [_("The amount must be greater than zero.")]
                }
            )
        receiver = line.get("receiver")
        if receiver is not None and not isinstance(receiver, Receiver):
            receiver = Receiver.objects.filter(pk=receiver).first()
            if receiver is None:
                raise InvalidInput(
                    fields={f"{field}.receiver": [_("Unknown receiver.")]}
                )
        key = (code.pk, receiver.pk if receiver else None)
        if key in seen:
            raise InvalidInput(fields={field: [_("This line is listed twice.")]})
        seen.add(key)
        new_lines.append(
            PlanLine(
                plan=plan, waste_code=code, expected_kg=expected, receiver=receiver
            )
        )
    plan.lines.all().delete()
    PlanLine.objects.bulk_create(new_lines)
    plan.save(update_fields=["updated_at"])
    return plan


@transaction.atomic
def plan_file(*, plan: ManagementPlan, now: datetime | None = None) -> ManagementPlan:
    """File a plan: it gets its filing number and is frozen. Filing after
    31 March of the plan's year is allowed and recorded as late."""
    now = now or timezone.now()
    plan = ManagementPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != ManagementPlan.Status.DRAFT:
        raise Conflict(_("The plan is already filed."))
    if not plan.lines.exists():
        raise InvalidInput(fields={"lines": [_("A plan needs at least one line.")]})
    district = plan.producer.enterprise.street.district.code
    plan.status = ManagementPlan.Status.FILED
    plan.filing_number = f"{district}{plan.year}GL{plan.pk:06d}"
    plan.filed_at = now
    plan.filed_late = _local_date(now) > date(plan.year, *PLAN_DEADLINE)
    plan.save()
    return plan


# ---------------------------------------------------------------------- declarations


def _kg(value) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.001")))


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The declaration period of kind ``period`` that contains ``day``."""
    if period == Declaration.Period.MONTH:
        last = month_calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    if period == Declaration.Period.QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        end_month = first_month + 2
        return start, date(
            day.year, end_month, month_calendar.monthrange(day.year, end_month)[1]
        )
    return date(day.year, 1, 1), date(day.year, 12, 31)


def declaration_due_on(period: str, period_end: date) -> date:
    """Monthly and quarterly declarations by the 15th of the following month;
    the yearly one by 31 March of the next year (HJ 1259; *check* the quarterly
    and yearly days against local practice)."""
    following = period_end + timedelta(days=1)
    if period == Declaration.Period.YEAR:
        return date(period_end.year + 1, 3, 31)
    return following.replace(day=15)


@transaction.atomic
def declarations_generate(
    *, period: str, day: date, producers: Iterable[int] | None = None
) -> int:
    """Generate (or refresh, while not submitted) the declaration of the period
    containing ``day`` for every producer on that schedule: two grouped ledger
    queries and a bulk write, whatever the number of producers."""
    classes = [c for c, p in SCHEDULE.items() if p == period]
    start, end = period_bounds(period, day)
    start_at, end_at = _start_of_day(start), _start_of_day(end + timedelta(days=1))
    targets = Producer.objects.filter(management_class__in=classes)
    if producers is not None:
        targets = targets.filter(pk__in=list(producers))
    target_ids = list(targets.values_list("pk", flat=True))
    kinds = LedgerEntry.Kind
    figures = (
        LedgerEntry.objects.usable()
        .filter(producer_id__in=target_ids, occurred_at__lt=end_at)
        .values("producer_id", "waste_code__code")
        .annotate(
            generated=Sum(
                "quantity_kg",
                filter=Q(kind=kinds.GENERATION, occurred_at__gte=start_at),
            ),
            stored=Sum(
                "quantity_kg",
                filter=Q(kind=kinds.INTO_STORAGE, occurred_at__gte=start_at),
            ),
            shipped=Sum(
                "quantity_kg", filter=Q(kind=kinds.SENT_OUT, occurred_at__gte=start_at)
            ),
            generated_total=Sum("quantity_kg", filter=Q(kind=kinds.GENERATION)),
            shipped_total=Sum("quantity_kg", filter=Q(kind=kinds.SENT_OUT)),
        )
        .order_by("producer_id", "waste_code__code")
    )
    lines: dict[int, list[dict]] = defaultdict(list)
    for row in figures:
        zero = Decimal("0")
        stock = (row["generated_total"] or zero) - (row["shipped_total"] or zero)
        lines[row["producer_id"]].append(
            {
                "waste_code": row["waste_code__code"],
                "generated_kg": _kg(row["generated"]),
                "stored_kg": _kg(row["stored"]),
                "shipped_kg": _kg(row["shipped"]),
                "stock_end_kg": _kg(stock),
            }
        )
    existing = {
        d.producer_id: d
        for d in Declaration.objects.select_for_update().filter(
            producer_id__in=target_ids, period=period, period_start=start
        )
    }
    due = declaration_due_on(period, end)
    create, update = [], []
    now = timezone.now()
    for producer_id in target_ids:
        declaration = existing.get(producer_id)
        if declaration is None:
            create.append(
                Declaration(
                    producer_id=producer_id,
                    period=period,
                    period_start=start,
                    period_end=end,
                    due_on=due,
                    lines=lines.get(producer_id, []),
                )
            )
        elif declaration.status == Declaration.Status.GENERATED:
            declaration.lines = lines.get(producer_id, [])
            declaration.updated_at = now
            update.append(declaration)
    Declaration.objects.bulk_create(create, batch_size=2000)
    Declaration.objects.bulk_update(update, ["lines", "updated_at"], batch_size=2000)
    return len(create) + len(update)


@transaction.atomic
def declaration_submit(*, declaration: Declaration, user) -> Declaration:
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != Declaration.Status.GENERATED:
        raise Conflict(_("The declaration is already submitted."))
    declaration.status = Declaration.Status.SUBMITTED
    declaration.submitted_at = timezone.now()
    declaration.submitted_by = user
    declaration.save()
    return declaration

"""Reads for hazardous-waste supervision. Every list starts from the model's
``for_user``; per-producer figures are grouped queries, never a loop of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from hazwaste.models import (
    AnomalyRule,
    AnomalyWarning,
    Carrier,
    Container,
    Declaration,
    LedgerEntry,
    ManagementPlan,
    Manifest,
    ManifestLine,
    PlanLine,
    Producer,
    Receiver,
    WasteCode,
)
from hazwaste.selectors.review import (  # noqa: F401
    ledger_review_decision_list,
    ledger_review_queue,
)
from hazwaste.services.catalogue import edition_in_force

ZERO = Decimal("0")
IN_STOCK = (Container.Status.GENERATED, Container.Status.STORED, Container.Status.OUT)


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return (
        timezone.make_aware(datetime(year, 1, 1)),
        timezone.make_aware(datetime(year + 1, 1, 1)),
    )


# ------------------------------------------------------------------------ catalogue


def waste_code_list(*, on: date | None = None, search: str = "") -> QuerySet[WasteCode]:
    """Codes of the edition in force (today by default)."""
    edition = edition_in_force(on=on or timezone.localdate())
    queryset = WasteCode.objects.filter(edition=edition).select_related("category")
    if search:
        queryset = queryset.filter(
            Q(code__icontains=search)
            | Q(short_name__icontains=search)
            | Q(description__icontains=search)
        )
    return queryset


def receiver_list(*, user) -> QuerySet[Receiver]:
    """Licensed receivers are public facts every signed-in user may choose from."""
    return Receiver.objects.select_related("enterprise").prefetch_related(
        "permitted_codes"
    )


def carrier_list(*, user) -> QuerySet[Carrier]:
    return Carrier.objects.select_related("enterprise").prefetch_related("vehicles")


# ------------------------------------------------------------------------ producers


def producer_list(*, user, filters: dict | None = None) -> QuerySet[Producer]:
    filters = filters or {}
    open_warnings = (
        AnomalyWarning.objects.filter(producer=OuterRef("pk"), status="open")
        .order_by()
        .values("producer")
        .annotate(n=Count("id"))
        .values("n")
    )
    queryset = (
        Producer.objects.for_user(user)
        .select_related("enterprise__street")
        .annotate(open_warnings=open_warnings)
    )
    if filters.get("management_class"):
        queryset = queryset.filter(management_class=filters["management_class"])
    if filters.get("street"):
        queryset = queryset.filter(enterprise__street_id=filters["street"])
    if filters.get("q"):
        queryset = queryset.filter(enterprise__name__icontains=filters["q"])
    return queryset


def producer_get(*, user, pk: int) -> Producer:
    return get_object_or_404(
        Producer.objects.for_user(user).select_related("enterprise__street"), pk=pk
    )


def producer_for_account(*, user) -> Producer | None:
    """The producer profile the enterprise user speaks for, if any."""
    return (
        Producer.objects.filter(enterprise__accounts__user_id=user.pk)
        .select_related("enterprise")
        .first()
    )


def stock_by_code(*, producer: Producer) -> list[dict]:
    """Stock per code: containers, kg, oldest date into storage."""
    rows = (
        Container.objects.filter(producer=producer, status__in=IN_STOCK)
        .values("waste_code__code", "waste_code__short_name")
        .annotate(
            containers=Count("id"),
            stock_kg=Sum(F("pending_kg") + F("in_storage_kg") + F("awaiting_kg")),
            oldest=Min("stored_at"),
        )
        .order_by("waste_code__code")
    )
    now = timezone.now()
    result = []
    for row in rows:
        row["oldest_days"] = (now - row["oldest"]).days if row["oldest"] else None
        result.append(row)
    return result


def oldest_container(*, producer: Producer) -> Container | None:
    return (
        Container.objects.filter(producer=producer, status=Container.Status.STORED)
        .select_related("waste_code")
        .order_by("stored_at")
        .first()
    )


@dataclass
class BalanceRow:
    """Mass balance of one producer and code (kg): plan vs generated vs in
    stock vs shipped vs received. ``unaccounted`` is what the ledger generated
    but is neither in stock nor shipped."""

    producer_id: int
    waste_code: str
    planned: Decimal = ZERO
    generated: Decimal = ZERO
    in_stock: Decimal = ZERO
    shipped: Decimal = ZERO
    received: Decimal = ZERO
    generated_total: Decimal = ZERO
    shipped_total: Decimal = ZERO

    @property
    def unaccounted(self) -> Decimal:
        return self.generated_total - self.shipped_total - self.in_stock

    @property
    def transport_loss(self) -> Decimal:
        return self.shipped - self.received


def mass_balance(*, producers: QuerySet[Producer], year: int) -> list[BalanceRow]:
    """Per producer and code, in five grouped queries whatever the number of
    producers: the year's plan, generation, shipments (ledger), receipts
    (manifest lines) and the current stock."""
    start, end = _year_bounds(year)
    ids = producers.values("pk")
    rows: dict[tuple[int, str], BalanceRow] = {}

    def row(producer_id: int, code: str) -> BalanceRow:
        key = (producer_id, code)
        if key not in rows:
            rows[key] = BalanceRow(producer_id=producer_id, waste_code=code)
        return rows[key]

    for r in (
        PlanLine.objects.filter(
            plan__producer__in=ids, plan__year=year, plan__status="filed"
        )
        .values("plan__producer_id", "waste_code__code")
        .annotate(kg=Sum("expected_kg"))
    ):
        row(r["plan__producer_id"], r["waste_code__code"]).planned = r["kg"]
    kinds = LedgerEntry.Kind
    for r in (
        LedgerEntry.objects.usable()
        .filter(producer__in=ids, occurred_at__lt=end)
        .values("producer_id", "waste_code__code")
        .annotate(
            generated=Sum(
                "quantity_kg", filter=Q(kind=kinds.GENERATION, occurred_at__gte=start)
            ),
            shipped=Sum(
                "quantity_kg", filter=Q(kind=kinds.SENT_OUT, occurred_at__gte=start)
            ),
            generated_total=Sum("quantity_kg", filter=Q(kind=kinds.GENERATION)),
            shipped_total=Sum("quantity_kg", filter=Q(kind=kinds.SENT_OUT)),
        )
        .order_by()
    ):
        balance = row(r["producer_id"], r["waste_code__code"])
        balance.generated = r["generated"] or ZERO
        balance.shipped = r["shipped"] or ZERO
        balance.generated_total = r["generated_total"] or ZERO
        balance.shipped_total = r["shipped_total"] or ZERO
    for r in (
        ManifestLine.objects.filter(
            manifest__producer__in=ids,
            manifest__received_at__gte=start,
            manifest__received_at__lt=end,
            received_kg__isnull=False,
        )
        .exclude(outcome=Manifest.Outcome.REFUSED)
        .values("manifest__producer_id", "waste_code__code")
        .annotate(kg=Sum("received_kg"))
        .order_by()
    ):
        row(r["manifest__producer_id"], r["waste_code__code"]).received = r["kg"]
    for r in (
        Container.objects.filter(producer__in=ids, status__in=IN_STOCK)
        .values("producer_id", "waste_code__code")
        .annotate(kg=Sum(F("pending_kg") + F("in_storage_kg") + F("awaiting_kg")))
        .order_by()
    ):
        row(r["producer_id"], r["waste_code__code"]).in_stock = r["kg"] or ZERO
    return sorted(rows.values(), key=lambda b: (b.producer_id, b.waste_code))


def plan_list(*, user) -> QuerySet[ManagementPlan]:
    return (
        ManagementPlan.objects.for_user(user)
        .select_related("producer__enterprise")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=PlanLine.objects.select_related(
                    "waste_code", "receiver__enterprise"
                ),
            )
        )
    )


def declaration_list(*, user) -> QuerySet[Declaration]:
    return Declaration.objects.for_user(user).select_related("producer__enterprise")


# --------------------------------------------------------------------------- ledger


def container_list(*, user, filters: dict | None = None) -> QuerySet[Container]:
    filters = filters or {}
    queryset = Container.objects.for_user(user).select_related(
        "waste_code", "facility", "producer__enterprise"
    )
    if filters.get("producer"):
        queryset = queryset.filter(producer_id=filters["producer"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    return queryset


def container_get(*, user, label_code: str) -> Container:
    return get_object_or_404(
        container_list(user=user), label_code=label_code.strip().upper()
    )


def ledger_list(*, user, filters: dict | None = None) -> QuerySet[LedgerEntry]:
    filters = filters or {}
    queryset = LedgerEntry.objects.for_user(user).select_related(
        "container", "waste_code", "facility", "manifest"
    )
    if filters.get("producer"):
        queryset = queryset.filter(producer_id=filters["producer"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    return queryset


# ------------------------------------------------------------------------ manifests


def manifest_list(*, user, filters: dict | None = None) -> QuerySet[Manifest]:
    filters = filters or {}
    queryset = Manifest.objects.for_user(user).select_related(
        "producer__enterprise",
        "carrier__enterprise",
        "receiver__enterprise",
        "waste_code",
        "vehicle",
    )
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("producer"):
        queryset = queryset.filter(producer_id=filters["producer"])
    if filters.get("number"):
        queryset = queryset.filter(number__startswith=filters["number"])
    return queryset


def manifest_get(*, user, pk: int) -> Manifest:
    return get_object_or_404(
        manifest_list(user=user).prefetch_related(
            Prefetch(
                "lines",
                queryset=ManifestLine.objects.select_related(
                    "waste_code"
                ).prefetch_related("containers"),
            ),
            "events__signed_by",
            "versions__corrected_by",
            "track_points",
        ),
        pk=pk,
    )


def manifest_role(*, manifest: Manifest, user) -> set[str]:
    """The parties the user speaks for on this manifest (for showing buttons)."""
    own = set(user.enterprise_accounts.values_list("enterprise_id", flat=True))
    roles = set()
    if manifest.producer.enterprise_id in own:
        roles.add("consignor")
    if manifest.carrier.enterprise_id in own:
        roles.add("carrier")
    if manifest.receiver.enterprise_id in own:
        roles.add("receiver")
    return roles


# ------------------------------------------------------------------------ anomalies


def warning_list(*, user, filters: dict | None = None) -> QuerySet[AnomalyWarning]:
    filters = filters or {}
    queryset = AnomalyWarning.objects.for_user(user).select_related(
        "rule",
        "producer__enterprise",
        "receiver__enterprise",
        "manifest",
        "container",
        "waste_code",
        "handled_by",
    )
    status = filters.get("status", "open")
    if status and status != "all":
        queryset = queryset.filter(status=status)
    if filters.get("rule"):
        queryset = queryset.filter(rule__code=filters["rule"])
    if filters.get("producer"):
        queryset = queryset.filter(producer_id=filters["producer"])
    if filters.get("severity"):
        queryset = queryset.filter(severity=filters["severity"])
    return queryset


def warning_get(*, user, pk: int) -> AnomalyWarning:
    return get_object_or_404(warning_list(user=user, filters={"status": "all"}), pk=pk)


def warning_counts(*, user) -> dict:
    """Open warnings by rule for the queue's header and the dashboard panel."""
    labels = dict(AnomalyRule.Code.choices)
    rows = (
        AnomalyWarning.objects.for_user(user)
        .filter(status="open")
        .values("rule__code")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return {
        "total": sum(r["n"] for r in rows),
        "by_rule": [
            (r["rule__code"], labels.get(r["rule__code"]), r["n"]) for r in rows
        ],
    }


def producer_map(*, user) -> list[dict]:
    """Producers with their location and open warnings, for the district map."""
    open_serious = Exists(
        AnomalyWarning.objects.filter(
            producer=OuterRef("pk"), status="open", severity="serious"
        )
    )
    rows = (
        producer_list(user=user)
        .annotate(serious=open_serious)
        .values(
            "id",
            "enterprise__name",
            "enterprise__lon",
            "enterprise__lat",
            "management_class",
            "open_warnings",
            "serious",
        )
    )
    features = []
    for r in rows:
        count = r["open_warnings"] or 0
        features.append(
            {
                "id": r["id"],
                "name": r["enterprise__name"],
                "lon": r["enterprise__lon"],
                "lat": r["enterprise__lat"],
                "management_class": r["management_class"],
                "open_warnings": count,
                "level": "red" if r["serious"] else ("yellow" if count else "green"),
            }
        )
    return features


def open_warning_counts(*, enterprise_ids=None) -> dict[int, int]:
    """Open warnings per enterprise in one grouped query (health-code factor)."""
    queryset = AnomalyWarning.objects.filter(status="open", producer__isnull=False)
    if enterprise_ids is not None:
        queryset = queryset.filter(producer__enterprise_id__in=enterprise_ids)
    return dict(
        queryset.values("producer__enterprise_id")
        .annotate(n=Count("id"))
        .values_list("producer__enterprise_id", "n")
    )


def manifests_for_timeline(*, enterprise, user, limit: int = 20) -> list[Manifest]:
    by_party = Q(producer__enterprise=enterprise) | Q(receiver__enterprise=enterprise)
    return list(
        Manifest.objects.for_user(user)
        .filter(by_party)
        .select_related("waste_code")
        .order_by("-created_at")[:limit]
    )


def producer_mass_balance(*, producer: Producer, year: int) -> list[BalanceRow]:
    return mass_balance(producers=Producer.objects.filter(pk=producer.pk), year=year)


def balance_totals(rows: list[BalanceRow]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        for name in ("planned", "generated", "in_stock", "shipped", "received"):
            totals[name] += getattr(row, name)
    return dict(totals)

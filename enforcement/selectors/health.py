"""Reads for health codes: the overview, one code explained, the way back to
green, recompute progress."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone

from enforcement.models import (
    COLOUR_RANK,
    Colour,
    Enterprise,
    HealthCode,
    HealthCodeChange,
    RecomputeRun,
    RiskModel,
)
from enforcement.registry import factor_get
from enforcement.scoring import decay, score_enterprise
from enforcement.services.health import model_snapshot, registered_factors
from enforcement.services.health_io import IN_LIST_IDS, QueryFactorSource


def health_code_list(*, user) -> QuerySet[HealthCode]:
    return HealthCode.objects.for_user(user).select_related(
        "enterprise__street", "model"
    )


def health_code_breakdowns(codes: Iterable[HealthCode]) -> dict[int, list[dict]]:
    """Each code's factor breakdown by enterprise id: per factor the raw value,
    weight, decayed value, contribution and the records behind it, worked out
    from the records as of the code's date under its model version (one query
    per model version and date, for up to 1,000 codes). The contributions add
    up to the code's score while no record has changed since it was computed —
    a new or changed record queues the code's recompute."""
    groups: dict[tuple[int, date], list[int]] = defaultdict(list)
    for code in codes:
        groups[(code.model_id, code.as_of)].append(code.enterprise_id)
    models = RiskModel.objects.in_bulk({model_id for model_id, _as_of in groups})
    snapshots = {model_id: model_snapshot(model) for model_id, model in models.items()}
    breakdowns: dict[int, list[dict]] = {}
    for (model_id, as_of), ids in groups.items():
        snapshot = snapshots[model_id]
        source = QueryFactorSource(registered_factors(snapshot), as_of)
        ids.sort()
        for start in range(0, len(ids), IN_LIST_IDS):
            part = ids[start : start + IN_LIST_IDS]
            per_factor = source.chunk(part)
            for enterprise_id in part:
                aggregates = {
                    name: rows.get(enterprise_id) for name, rows in per_factor.items()
                }
                breakdowns[enterprise_id] = score_enterprise(snapshot, aggregates)[2]
    return breakdowns


def health_code_breakdown(code: HealthCode) -> list[dict]:
    """One code's factor breakdown (see ``health_code_breakdowns``)."""
    return health_code_breakdowns([code]).get(code.enterprise_id, [])


def health_code_history(*, enterprise: Enterprise) -> QuerySet[HealthCodeChange]:
    return enterprise.health_code_changes.select_related("model").order_by(
        "-changed_at", "-id"
    )


def health_overview(*, user, now: datetime | None = None) -> dict:
    """Counts by colour and by street, and this week's movers (4 queries)."""
    now = now or timezone.now()
    codes = HealthCode.objects.for_user(user)
    by_colour = dict.fromkeys(Colour.values, 0)
    by_street: dict[int, dict] = {}
    for street_id, street_name, colour, n in (
        codes.order_by()
        .values_list("enterprise__street_id", "enterprise__street__name", "colour")
        .annotate(n=Count("pk"))
    ):
        by_colour[colour] += n
        row = by_street.setdefault(
            street_id,
            {
                "street_id": street_id,
                "street": street_name,
                **dict.fromkeys(Colour.values, 0),
            },
        )
        row[colour] += n
    enterprises = Enterprise.objects.for_user(user).count()
    movers = list(
        HealthCodeChange.objects.for_user(user)
        .filter(changed_at__gte=now - timedelta(days=7))
        .exclude(from_colour="")
        .select_related("enterprise__street")
        .order_by("-changed_at", "-id")[:200]
    )
    movers.sort(
        key=lambda c: (
            COLOUR_RANK[c.from_colour] - COLOUR_RANK[c.to_colour],  # worse first
            -c.changed_at.timestamp(),
        )
    )
    return {
        "by_colour": by_colour,
        "total": enterprises,
        "not_computed": max(enterprises - sum(by_colour.values()), 0),
        "by_street": sorted(by_street.values(), key=lambda row: row["street"] or ""),
        "movers": movers,
    }


def recompute_run_latest() -> RecomputeRun | None:
    return RecomputeRun.objects.select_related("model").order_by("-started_at").first()


def risk_model_active() -> RiskModel | None:
    return RiskModel.objects.active().prefetch_related("factors", "tiers").first()


# ------------------------------------------------------------- explanations


@dataclass
class RecordLine:
    """One record behind a factor, with the points it carries today."""

    title: str
    url: str
    on: date | None
    value: float | None
    points: float | None  # weight · value · decay (before the factor's cap)
    resolved: bool = False  # no longer counts (closed, revoked…) since the code


@dataclass
class FactorLine:
    name: str
    label: str
    unit: str
    raw: float
    weight: float
    half_life_days: int | None
    cap: float | None
    decayed: float
    contribution: float
    capped: bool
    veto: bool
    remedy: str
    records_total: int
    records: list[RecordLine] = field(default_factory=list)


@dataclass
class PathToGreen:
    """What brings the code back to green, assuming no new records."""

    steps: list[FactorLine]  # factors that need an action (with their records)
    green_on: date | None  # when decay alone gets it there after those actions
    blocked_by: list[str]  # factors neither time nor an action removes


@dataclass
class Explanation:
    code: HealthCode
    factors: list[FactorLine]
    top_records: list[tuple[FactorLine, RecordLine]]
    path: PathToGreen | None


def _record_lines(
    entry: dict, half_life_days: int | None, as_of: date, enterprise_id: int
) -> list[RecordLine]:
    factor = factor_get(entry["factor"])
    ids = entry.get("records") or []
    if factor is None or not ids:
        return []
    queryset = factor.provider(as_of=as_of)
    if not isinstance(queryset, QuerySet):
        return []
    lines = []
    found = set()
    for record in queryset.filter(pk__in=ids, factor_enterprise=enterprise_id):
        found.add(record.pk)
        age = (as_of - _as_date(record.factor_on)).days
        value = float(record.factor_value)
        lines.append(
            RecordLine(
                title=str(record),
                url=_url(record),
                on=_as_date(record.factor_on),
                value=value,
                points=round(entry["weight"] * value * decay(age, half_life_days), 2),
            )
        )
    missing = [pk for pk in ids if pk not in found]
    if missing:
        lines.extend(
            RecordLine(
                title=str(r),
                url=_url(r),
                on=None,
                value=None,
                points=None,
                resolved=True,
            )
            for r in queryset.model._default_manager.filter(pk__in=missing)
        )
    lines.sort(key=lambda line: (line.points is None, -(line.points or 0)))
    return lines


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _url(record) -> str:
    get_url = getattr(record, "get_absolute_url", None)
    return get_url() if get_url else ""


def health_code_explain(*, code: HealthCode) -> Explanation:
    """The code's breakdown with its records resolved to links, the records that
    weigh most and the way back to green (a few queries per factor)."""
    factor_lines = []
    entries = health_code_breakdown(code)  # largest contribution first
    parameters = {f.factor: f for f in code.model.factors.all()}
    for entry in entries:
        factor = factor_get(entry["factor"])
        model_factor = parameters.get(entry["factor"])
        half_life = model_factor.half_life_days if model_factor else None
        cap = float(model_factor.cap) if model_factor and model_factor.cap else None
        factor_lines.append(
            FactorLine(
                name=entry["factor"],
                label=str(factor.label) if factor else entry["factor"],
                unit=str(factor.unit) if factor else "",
                raw=entry["raw"],
                weight=entry["weight"],
                half_life_days=half_life,
                cap=cap,
                decayed=entry["decayed"],
                contribution=entry["contribution"],
                capped=cap is not None and entry["weight"] * entry["decayed"] > cap,
                veto=entry["factor"] in code.vetoed_by,
                remedy=str(factor.remedy) if factor else "",
                records_total=entry["records_total"],
                records=_record_lines(entry, half_life, code.as_of, code.enterprise_id),
            )
        )
    top = sorted(
        (
            (line, record)
            for line in factor_lines
            for record in line.records
            if record.points is not None
        ),
        key=lambda pair: -pair[1].points,
    )[:10]
    path = None if code.colour == Colour.GREEN else _path_to_green(code, factor_lines)
    return Explanation(code=code, factors=factor_lines, top_records=top, path=path)


def _path_to_green(code: HealthCode, lines: list[FactorLine]) -> PathToGreen:
    steps = [line for line in lines if line.remedy and (line.contribution or line.veto)]
    blocked = [
        line.label
        for line in lines
        if not line.remedy
        and (line.veto or (not line.half_life_days and line.contribution))
    ]
    threshold = code.model.yellow_from
    if blocked and any(line.veto for line in lines if not line.remedy):
        return PathToGreen(steps=steps, green_on=None, blocked_by=blocked)
    constant = sum(
        Decimal(str(line.contribution))
        for line in lines
        if not line.remedy and not line.half_life_days
    )
    decaying = []
    for line in lines:
        if line.remedy or not line.half_life_days:
            continue
        factor = factor_get(line.name)
        rows = []
        if factor is not None:
            provider = factor.provider(as_of=code.as_of)
            if isinstance(provider, QuerySet):
                rows = [
                    ((code.as_of - _as_date(on)).days, float(value))
                    for on, value in provider.filter(
                        factor_enterprise=code.enterprise_id
                    ).values_list("factor_on", "factor_value")
                ]
        decaying.append((line, rows))

    def score_after(days: int) -> Decimal:
        total = constant
        for line, rows in decaying:
            points = line.weight * sum(
                value * decay(age + days, line.half_life_days) for age, value in rows
            )
            if line.cap is not None:
                points = min(points, line.cap)
            total += Decimal(repr(points)).quantize(Decimal("0.01"))
        return total

    horizon = 365 * 20
    if score_after(horizon) >= threshold:
        return PathToGreen(steps=steps, green_on=None, blocked_by=blocked)
    low, high = 0, horizon
    if score_after(0) < threshold:
        high = 0
    while low < high:
        middle = (low + high) // 2
        if score_after(middle) < threshold:
            high = middle
        else:
            low = middle + 1
    return PathToGreen(
        steps=steps, green_on=code.as_of + timedelta(days=high), blocked_by=blocked
    )

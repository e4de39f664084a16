"""Adapter between the colour rule and the enforcement factor registry.

The rule names factors (``"enforcement.penalty_count"``); this module asks the
registry's providers for their values for many enterprises at once, one query per
factor. A provider returns either a queryset of records annotated with
``factor_enterprise``, ``factor_on`` and ``factor_value``, or a mapping
``{enterprise_id: value}``. A rule factor may give ``window_days``: only records
dated within that many days before the evaluation count.

When no app registered a provider for a name, the factor is reported as
unavailable and counts nothing — the rule then works from the
self-assessment and the veto items alone. Records are never invented here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db.models import FloatField, QuerySet, Sum
from django.utils import timezone

from enforcement import services as enforcement_services


def _registry() -> dict:
    """name → factor, as registered by the apps."""
    return enforcement_services.factors()


def available_factor_names() -> set[str]:
    return set(_registry())


def _values(factor, *, as_of: date, enterprise_ids: list[int], window_days):
    result = factor.provider(as_of=as_of)
    if isinstance(result, QuerySet):
        queryset = result.order_by().filter(factor_enterprise__in=enterprise_ids)
        if window_days:
            queryset = queryset.filter(
                factor_on__gte=as_of - timedelta(days=window_days)
            )
        rows = queryset.values_list("factor_enterprise").annotate(
            value=Sum("factor_value", output_field=FloatField())
        )
        return {int(enterprise_id): value for enterprise_id, value in rows}
    wanted = set(enterprise_ids)
    return {int(k): v for k, v in dict(result).items() if int(k) in wanted}


def official_factor_values(
    *, names: Iterable[str], enterprise_ids: list[int], as_of: datetime, rule=None
) -> dict[int, dict[str, float]]:
    """{enterprise_id: {factor name: value}} for the factors the registry knows;
    an enterprise without records gets 0 for every known factor, and names the
    registry does not know are absent (shown as unavailable)."""
    registry = _registry()
    windows = {
        factor["name"]: factor.get("window_days")
        for factor in (rule or {}).get("factors", [])
    }
    known = [name for name in names if name in registry]
    if not known or not enterprise_ids:
        return {}
    day = timezone.localdate(as_of)
    values: dict[int, dict[str, float]] = {
        enterprise_id: dict.fromkeys(known, 0.0) for enterprise_id in enterprise_ids
    }
    for name in known:
        found = _values(
            registry[name],
            as_of=day,
            enterprise_ids=enterprise_ids,
            window_days=windows.get(name),
        )
        for enterprise_id, value in found.items():
            if enterprise_id in values and value is not None:
                values[enterprise_id][name] = float(value)
    return values

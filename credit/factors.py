"""Adapter between the colour rule and the enforcement factor registry.

The rule names factors (``"enforcement.penalties"``); this module asks the
registry for their values for many enterprises at once. When the running
platform has no registry, or no provider for a name, the factor is reported as
unavailable and counts nothing — the rule then works from the self-assessment and
the veto items alone. Records are never invented here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from enforcement import services as enforcement_services


def registry_available() -> bool:
    return hasattr(enforcement_services, "factor_values")


def available_factor_names() -> set[str]:
    if not hasattr(enforcement_services, "registered_factors"):
        return set()
    return {factor.name for factor in enforcement_services.registered_factors()}


def official_factor_values(
    *, names: Iterable[str], enterprise_ids: list[int], as_of: datetime
) -> dict[int, dict[str, float]]:
    """{enterprise_id: {factor name: value}} for the factors the registry knows;
    names it does not know are simply absent."""
    names = [name for name in names if name in available_factor_names()]
    if not names or not enterprise_ids or not registry_available():
        return {}
    values = enforcement_services.factor_values(
        names=names, enterprise_ids=enterprise_ids, as_of=as_of
    )
    return {
        enterprise_id: {
            name: float(value) for name, value in row.items() if value is not None
        }
        for enterprise_id, row in values.items()
    }

"""Registries that let higher apps feed the enterprise file without enforcement
importing them (DESIGN.md section 3). Apps register in ``AppConfig.ready()``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TimelineEvent:
    """One dated line in an enterprise file's timeline."""

    at: datetime
    source: str  # the registering source's name, e.g. "registry", "inspections"
    title: str
    detail: str = ""
    url: str = ""


TimelineSource = Callable[..., Iterable[TimelineEvent]]  # (*, enterprise, user)
_timeline_sources: dict[str, TimelineSource] = {}


def register_timeline_source(name: str, source: TimelineSource) -> None:
    """Register (or replace) a named source of timeline events."""
    _timeline_sources[name] = source


def timeline_sources() -> dict[str, TimelineSource]:
    return dict(_timeline_sources)


@dataclass(frozen=True)
class DashboardPanel:
    """A dashboard section contributed by an app: a template and its context."""

    name: str
    template: str
    context: Callable[..., dict | None]  # (*, user) -> context, or None to hide
    order: int = 100


_dashboard_panels: dict[str, DashboardPanel] = {}


def register_dashboard_panel(panel: DashboardPanel) -> None:
    _dashboard_panels[panel.name] = panel


def dashboard_panels() -> list[DashboardPanel]:
    return sorted(_dashboard_panels.values(), key=lambda panel: panel.order)


# ------------------------------------------------------------------ health factors


@dataclass(frozen=True)
class Factor:
    """A per-enterprise risk factor (风险因子) that a risk model can weigh.

    ``provider(*, as_of: date)`` computes the factor for all enterprises in one
    set-based query and returns either

    * a QuerySet of the records behind the factor, one row per record, annotated
      with ``factor_enterprise`` (enterprise id), ``factor_on`` (the record's date,
      for time decay) and ``factor_value`` (its amount in ``unit``); the record id
      is the row's ``pk``. The health code sums ``factor_value`` per enterprise,
      decays each record by its age and keeps the record ids as the explanation.
      Or
    * a mapping ``{enterprise_id: value}`` for a factor that is already an
      aggregate (no decay and no record references).

    Only records on or before ``as_of`` count. The enterprise file shows a
    record as ``str(record)`` linked to ``record.get_absolute_url()``. ``remedy``
    says what removes the factor's records (for "what would bring it back to
    green"); empty when only time does.
    """

    name: str  # "<app>.<factor>", e.g. "monitoring.exceedance_days_90d"
    label: Any  # a (lazy) translated string
    unit: Any
    provider: Callable[..., object]
    remedy: str = ""
    order: int = 100


_factors: dict[str, Factor] = {}


def register_factor(factor: Factor) -> None:
    """Register (or replace) a factor; apps call this in ``AppConfig.ready()``."""
    _factors[factor.name] = factor


def factors() -> dict[str, Factor]:
    return dict(sorted(_factors.items(), key=lambda item: (item[1].order, item[0])))


def factor_get(name: str) -> Factor | None:
    return _factors.get(name)

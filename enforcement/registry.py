"""Registries that let higher apps feed the enterprise file without enforcement
importing them (DESIGN.md section 3). Apps register in ``AppConfig.ready()``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


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

"""Working days in mainland China: weekends off, statutory holidays off, and the
adjusted weekend working days (调休) on. Pure functions over data; deadlines such
as the receiver's 5-working-day confirmation are counted with them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings


def _days(start: str, end: str) -> set[date]:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


# Source: State Council General Office holiday notices (国务院办公厅关于节假日安排的
# 通知) for 2025 and 2026. Later years: add them here or in the settings
# HAZWASTE_EXTRA_HOLIDAYS / HAZWASTE_EXTRA_WORKDAYS (ISO dates) without a release.
HOLIDAYS: frozenset[date] = frozenset(
    _days("2025-01-01", "2025-01-01")
    | _days("2025-01-28", "2025-02-04")
    | _days("2025-04-04", "2025-04-06")
    | _days("2025-05-01", "2025-05-05")
    | _days("2025-05-31", "2025-06-02")
    | _days("2025-10-01", "2025-10-08")
    | _days("2026-01-01", "2026-01-03")
    | _days("2026-02-15", "2026-02-23")
    | _days("2026-04-04", "2026-04-06")
    | _days("2026-05-01", "2026-05-05")
    | _days("2026-06-19", "2026-06-21")
    | _days("2026-09-25", "2026-09-27")
    | _days("2026-10-01", "2026-10-07")
)
ADJUSTED_WORKDAYS: frozenset[date] = frozenset(
    date.fromisoformat(d)
    for d in (
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    )
)


def _configured() -> tuple[frozenset[date], frozenset[date]]:
    extra_off = {
        date.fromisoformat(d) for d in getattr(settings, "HAZWASTE_EXTRA_HOLIDAYS", [])
    }
    extra_on = {
        date.fromisoformat(d) for d in getattr(settings, "HAZWASTE_EXTRA_WORKDAYS", [])
    }
    return HOLIDAYS | extra_off, ADJUSTED_WORKDAYS | extra_on


def is_working_day(
    day: date,
    holidays: Iterable[date] | None = None,
    workdays: Iterable[date] | None = None,
) -> bool:
    if holidays is None or workdays is None:
        holidays, workdays = _configured()
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    start: date,
    count: int,
    holidays: Iterable[date] | None = None,
    workdays: Iterable[date] | None = None,
) -> date:
    """The date ``count`` working days after ``start`` (``start`` itself not
    counted): a pick-up on Friday with 5 working days is due the next Friday."""
    if holidays is None or workdays is None:
        holidays, workdays = _configured()
    holidays, workdays = frozenset(holidays), frozenset(workdays)
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays, workdays):
            remaining -= 1
    return day

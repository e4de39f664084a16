"""Working-time arithmetic for ticket deadlines: weekdays within office hours,
minus public holidays, plus make-up working days (调休). Pure functions over a
calendar; ``grid.selectors.work_calendar()`` loads it from the Holiday table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

# Office hours of a Shanghai government office, local time.
WORKDAY_START = time(9, 0)
WORKDAY_END = time(17, 0)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_DAYS_AHEAD = 3660  # a limit far beyond any deadline: stops a broken calendar


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # make-up days
    start: time = WORKDAY_START
    end: time = WORKDAY_END
    tz: ZoneInfo = LOCAL_TZ

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.start, tzinfo=self.tz),
            datetime.combine(day, self.end, tzinfo=self.tz),
        )


def add_working_hours(
    start: datetime, hours: float | Decimal, calendar: WorkCalendar
) -> datetime:
    """The moment ``hours`` of working time after ``start`` (an aware datetime)."""
    remaining = timedelta(hours=float(hours))
    cursor = start.astimezone(calendar.tz)
    day = cursor.date()
    for _ in range(MAX_DAYS_AHEAD):
        if calendar.is_working_day(day):
            opens, closes = calendar._window(day)
            cursor = max(cursor, opens)
            if cursor < closes:
                available = closes - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time.min, tzinfo=calendar.tz)
    raise ValueError("no working time in the next ten years")


def working_hours_between(
    start: datetime, end: datetime, calendar: WorkCalendar
) -> float:
    """Working hours from ``start`` to ``end`` (negative if end is earlier)."""
    if end < start:
        return -working_hours_between(end, start, calendar)
    start, end = start.astimezone(calendar.tz), end.astimezone(calendar.tz)
    total = timedelta()
    day = start.date()
    while day <= end.date():
        if calendar.is_working_day(day):
            opens, closes = calendar._window(day)
            low, high = max(opens, start), min(closes, end)
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return total.total_seconds() / 3600

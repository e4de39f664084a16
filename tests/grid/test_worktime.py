"""Working-time arithmetic: office hours on working days, holidays and make-up days."""

from datetime import date

from grid.worktime import WorkCalendar, add_working_hours, working_hours_between
from tests.grid.conftest import local

PLAIN = WorkCalendar()


def test_hours_within_one_working_day_stay_on_that_day():
    assert add_working_hours(local(2026, 3, 10, 9), 4, PLAIN) == local(2026, 3, 10, 13)


def test_a_friday_afternoon_deadline_runs_over_the_weekend_into_monday():
    # Friday 16:00 + 4 h: one hour on Friday, three on Monday morning.
    assert add_working_hours(local(2026, 3, 13, 16), 4, PLAIN) == local(2026, 3, 16, 12)


def test_time_reported_at_night_starts_counting_next_morning():
    assert add_working_hours(local(2026, 3, 10, 22), 2, PLAIN) == local(2026, 3, 11, 11)


def test_holidays_are_skipped_and_make_up_working_days_count():
    calendar = WorkCalendar(
        holidays=frozenset({date(2026, 5, 1), date(2026, 5, 4), date(2026, 5, 5)}),
        workdays=frozenset({date(2026, 5, 9)}),  # a Saturday worked in exchange
    )
    # Thursday 30 April 16:00 + 2 h: one hour then, the next on Wednesday 6 May.
    assert add_working_hours(local(2026, 4, 30, 16), 2, calendar) == local(
        2026, 5, 6, 10
    )
    # Friday 8 May 16:00 + 2 h lands on the make-up Saturday.
    assert add_working_hours(local(2026, 5, 8, 16), 2, calendar) == local(
        2026, 5, 9, 10
    )


def test_working_hours_between_ignores_nights_and_weekends():
    assert (
        working_hours_between(local(2026, 3, 13, 16), local(2026, 3, 16, 12), PLAIN)
        == 4
    )
    assert (
        working_hours_between(local(2026, 3, 16, 12), local(2026, 3, 13, 16), PLAIN)
        == -4
    )


def test_the_shipped_calendar_knows_the_national_day_holidays(db):
    from grid.selectors import tickets, work_calendar

    tickets._calendar_cache.clear()
    calendar = work_calendar()
    assert not calendar.is_working_day(date(2026, 10, 2))
    assert calendar.is_working_day(date(2026, 10, 10))  # Saturday, worked

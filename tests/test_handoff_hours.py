"""Operators' working hours: open or closed, the next opening, working time for the SLA."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.config import HandoffSection
from bot.handoff.hours import Schedule, format_wait

MSK = "Europe/Moscow"  # UTC+3


def schedule(**values: object) -> Schedule:
    return Schedule.from_settings(HandoffSection(**values), MSK)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_open_in_working_hours_and_closed_at_lunch_and_at_night() -> None:
    week = schedule()
    assert week.is_open(utc(2026, 11, 23, 7, 0))  # Monday 10:00 Moscow
    assert not week.is_open(utc(2026, 11, 23, 10, 15))  # 13:15, the break
    assert not week.is_open(utc(2026, 11, 23, 16, 0))  # 19:00
    assert not week.is_open(utc(2026, 11, 28, 9, 0))  # Saturday


def test_next_open_skips_the_weekend_and_holidays() -> None:
    week = schedule(holidays=[date(2026, 11, 30)])
    saturday = utc(2026, 11, 28, 9, 0)
    assert week.next_open(saturday) == datetime(2026, 12, 1, 9, 0, tzinfo=week.zone)  # Monday is a holiday
    assert week.next_open(utc(2026, 11, 23, 7, 0)) == utc(2026, 11, 23, 7, 0)  # open now: now


def test_a_moved_working_day_is_worked() -> None:
    week = schedule(workdays=[date(2026, 11, 28)])
    assert week.is_open(utc(2026, 11, 28, 9, 0))


def test_working_time_counts_only_working_hours() -> None:
    week = schedule()
    friday_evening = utc(2026, 11, 27, 13, 0)  # 16:00 Friday; Friday ends at 17:00
    monday_morning = utc(2026, 11, 30, 7, 0)  # 10:00 Monday
    assert week.working_time(friday_evening, monday_morning) == timedelta(hours=2)
    lunch = week.working_time(utc(2026, 11, 23, 9, 0), utc(2026, 11, 23, 11, 0))  # 12:00–14:00
    assert lunch == timedelta(hours=2) - timedelta(minutes=45)


def test_describe_groups_days_with_the_same_hours() -> None:
    text = schedule().describe()
    assert text.startswith("пн–чт 09:00–18:00, пт 09:00–17:00, перерыв 13:00–13:45")
    assert "UTC+3" in text


def test_no_working_days_at_all() -> None:
    assert schedule(hours={}).next_open(utc(2026, 11, 23, 7, 0)) is None


def test_format_wait() -> None:
    assert format_wait(timedelta(minutes=35)) == "35 мин"
    assert format_wait(timedelta(hours=2, minutes=5)) == "2 ч 05 мин"
    assert format_wait(timedelta(days=3, hours=4)) == "3 дн 4 ч"

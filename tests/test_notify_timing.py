"""Quiet hours, time zones and digest moments (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.notify.timing import in_quiet, next_digest, out_of_quiet, parse_hhmm, zone

KAM = ZoneInfo("Asia/Kamchatka")  # UTC+12
MSK = ZoneInfo("Europe/Moscow")  # UTC+3
Q_FROM, Q_TO = parse_hhmm("22:00"), parse_hhmm("08:00")


def test_quiet_hours_span_midnight() -> None:
    assert in_quiet(23 * 60, Q_FROM, Q_TO) and in_quiet(0, Q_FROM, Q_TO) and in_quiet(7 * 60 + 59, Q_FROM, Q_TO)
    assert not in_quiet(8 * 60, Q_FROM, Q_TO) and not in_quiet(21 * 60 + 59, Q_FROM, Q_TO)
    assert in_quiet(13 * 60, 13 * 60, 14 * 60) and not in_quiet(14 * 60, 13 * 60, 14 * 60)
    assert not in_quiet(3 * 60, None, None) and not in_quiet(3 * 60, 60, 60)


def test_one_moment_is_night_in_kamchatka_and_day_in_moscow() -> None:
    moment = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 23:00 in Kamchatka, 14:00 in Moscow
    assert out_of_quiet(moment, MSK, Q_FROM, Q_TO) == moment
    assert out_of_quiet(moment, KAM, Q_FROM, Q_TO) == datetime(2026, 11, 24, 8, 0, tzinfo=KAM)
    early = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)  # 06:30 next day in Kamchatka
    assert out_of_quiet(early, KAM, Q_FROM, Q_TO) == datetime(2026, 11, 24, 8, 0, tzinfo=KAM)
    assert out_of_quiet(early, MSK, Q_FROM, Q_TO) == early  # 21:30 in Moscow
    late = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # 00:30 next day in Moscow
    assert out_of_quiet(late, MSK, Q_FROM, Q_TO) == datetime(2026, 11, 24, 8, 0, tzinfo=MSK)


def test_digest_moments() -> None:
    after = datetime(2026, 11, 23, 9, 30, tzinfo=KAM)  # Monday
    assert next_digest(after, KAM, "daily", 10) == datetime(2026, 11, 23, 10, 0, tzinfo=KAM)
    assert next_digest(after.replace(hour=11), KAM, "daily", 10) == datetime(2026, 11, 24, 10, 0, tzinfo=KAM)
    assert next_digest(after.replace(hour=11), KAM, "weekly", 10) == datetime(2026, 11, 30, 10, 0, tzinfo=KAM)
    assert next_digest(after, KAM, "weekly", 10, weekday=4) == datetime(2026, 11, 27, 10, 0, tzinfo=KAM)


def test_zone_falls_back_to_the_default() -> None:
    assert zone("Nowhere/City", "Asia/Kamchatka") == KAM
    assert zone(None, "Europe/Moscow") == MSK

"""Time zones, quiet hours and digest moments: pure functions on aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_MINUTES = 24 * 60


def zone(name: str | None, default: str) -> ZoneInfo:
    """The zone by IANA name; the default for a missing or unknown name."""
    for candidate in (name, default):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def parse_hhmm(value: str) -> int:
    """``"22:00"`` → minutes after midnight; raises ValueError."""
    hours, _, minutes = value.strip().partition(":")
    h, m = int(hours), int(minutes or 0)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"not a time of day: {value!r}")
    return h * 60 + m


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def in_quiet(minute_of_day: int, quiet_from: int | None, quiet_to: int | None) -> bool:
    """Whether a local minute of the day falls in quiet hours [from, to) (they may span midnight)."""
    if quiet_from is None or quiet_to is None or quiet_from == quiet_to:
        return False
    if quiet_from < quiet_to:
        return quiet_from <= minute_of_day < quiet_to
    return minute_of_day >= quiet_from or minute_of_day < quiet_to


def out_of_quiet(moment: datetime, tz: ZoneInfo, quiet_from: int | None, quiet_to: int | None) -> datetime:
    """``moment`` (aware) if it is outside the person's quiet hours, else the end of those quiet hours (UTC)."""
    local = moment.astimezone(tz)
    minute = local.hour * 60 + local.minute
    if not in_quiet(minute, quiet_from, quiet_to):
        return moment.astimezone(UTC)
    assert quiet_to is not None and quiet_from is not None
    day = local.date()
    if quiet_from > quiet_to and minute >= quiet_from:  # the evening part of overnight quiet hours
        day += timedelta(days=1)
    end = datetime.combine(day, time(quiet_to // 60, quiet_to % 60), tzinfo=tz)
    return end.astimezone(UTC)


def next_digest(after: datetime, tz: ZoneInfo, frequency: str, hour: int, weekday: int = 0) -> datetime:
    """The first digest moment strictly after ``after``: every day at ``hour`` local time, or every
    week on ``weekday`` (0 = Monday) at ``hour``. Returned in UTC."""
    local = after.astimezone(tz)
    candidate = datetime.combine(local.date(), time(hour), tzinfo=tz)
    while candidate <= local or (frequency == "weekly" and candidate.weekday() != weekday):
        candidate = datetime.combine(candidate.date() + timedelta(days=1), time(hour), tzinfo=tz)
    return candidate.astimezone(UTC)


def local_text(moment: datetime, tz: ZoneInfo) -> str:
    """``15.12.2026 09:30`` in the person's zone."""
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")

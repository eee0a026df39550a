"""Operators' working hours: open or not, when next open, and working time between two moments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import WEEKDAYS, HandoffSection

Span = tuple[time, time]
_RU_DAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
_SEARCH_DAYS = 60


def parse_span(text: str) -> Span:
    start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    return start, end


@dataclass(frozen=True, slots=True)
class Schedule:
    zone: ZoneInfo
    week: dict[int, Span]  # weekday (0 = Monday) -> working span; missing: a day off
    breaks: tuple[Span, ...] = ()
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # weekend days worked instead of another day

    @classmethod
    def from_settings(cls, section: HandoffSection, timezone: str) -> Schedule:
        week = {WEEKDAYS.index(day): parse_span(span) for day, span in section.hours.items()}
        return cls(
            ZoneInfo(timezone),
            week,
            tuple(parse_span(span) for span in section.breaks),
            frozenset(section.holidays),
            frozenset(section.workdays),
        )

    def _day_span(self, day: date) -> Span | None:
        if day in self.holidays:
            return None
        span = self.week.get(day.weekday())
        if span is None and day in self.workdays:
            span = self.week.get(0) or next(iter(self.week.values()), None)
        return span

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of a local day (breaks cut out), as aware datetimes."""
        span = self._day_span(day)
        if span is None:
            return []
        pieces = [span]
        for b_start, b_end in self.breaks:
            cut: list[Span] = []
            for start, end in pieces:
                if b_end <= start or b_start >= end:
                    cut.append((start, end))
                    continue
                if start < b_start:
                    cut.append((start, b_start))
                if b_end < end:
                    cut.append((b_end, end))
            pieces = cut
        return [
            (datetime.combine(day, start, self.zone), datetime.combine(day, end, self.zone)) for start, end in pieces
        ]

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        return any(start <= local < end for start, end in self.intervals(local.date()))

    def next_open(self, at: datetime) -> datetime | None:
        """``at`` itself when open, else the start of the next working interval (None: no hours at all)."""
        local = at.astimezone(self.zone)
        for offset in range(_SEARCH_DAYS):
            for start, end in self.intervals(local.date() + timedelta(days=offset)):
                if local < end:
                    return max(start, local)
        return None

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) falls in working hours."""
        if end <= start:
            return timedelta()
        total = timedelta()
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            for a, b in self.intervals(day):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def describe(self) -> str:
        """Working hours in Russian, e.g. «пн–чт 09:00–18:00, пт 09:00–17:00, перерыв 13:00–13:45»."""
        groups: list[tuple[int, int, Span]] = []
        for weekday in range(7):
            span = self.week.get(weekday)
            if span is None:
                continue
            if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == span:
                groups[-1] = (groups[-1][0], weekday, span)
            else:
                groups.append((weekday, weekday, span))
        parts = []
        for first, last, (start, end) in groups:
            days = _RU_DAYS[first] if first == last else f"{_RU_DAYS[first]}–{_RU_DAYS[last]}"
            parts.append(f"{days} {start:%H:%M}–{end:%H:%M}")
        parts += [f"перерыв {start:%H:%M}–{end:%H:%M}" for start, end in self.breaks]
        return ", ".join(parts) + f" (время {_offset(self.zone)})"


def _offset(zone: ZoneInfo) -> str:
    delta = datetime.now(zone).utcoffset() or timedelta()
    hours = int(delta.total_seconds() // 3600)
    minutes = int(delta.total_seconds() % 3600 // 60)
    sign = "+" if hours >= 0 else "−"
    return f"UTC{sign}{abs(hours)}" + (f":{minutes:02d}" if minutes else "")


def format_wait(delta: timedelta) -> str:
    """A waiting time in Russian: «35 мин», «2 ч 05 мин», «3 дн 4 ч»."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} мин"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} ч {minutes:02d} мин"
    days, hours = divmod(hours, 24)
    return f"{days} дн {hours} ч"

"""Understanding when to remind, from Russian free text: a pure function of the text and "now".

Understood: «завтра в 10», «послезавтра», «сегодня в 18:30», «через 3 дня», «через час», «через
2 недели», «15.12», «15.12 в 9:30», «15.12.2027 10:00», «15 декабря», «1 марта в 9 утра», «в пятницу»,
«в следующий вторник в 7 вечера», «в 10» (today, or tomorrow if that time has passed). A date alone
means ``default_hour`` o'clock. A moment in the past or more than a year ahead is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MAX_AHEAD = timedelta(days=366)
RECENT_PAST = timedelta(days=31)  # "20.11" said on 23.11 is a mistake, not next year

MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8,
    "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}
WEEKDAYS = {
    "понедельник": 0, "вторник": 1, "сред": 2, "четверг": 3, "пятниц": 4, "суббот": 5, "воскресень": 6,
}
NUMBERS = {
    "один": 1, "одну": 1, "одна": 1, "два": 2, "две": 2, "пару": 2, "пара": 2, "три": 3, "четыре": 4,
    "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
}
UNITS = (
    ("минут", timedelta(minutes=1)), ("час", timedelta(hours=1)), ("дн", timedelta(days=1)),
    ("ден", timedelta(days=1)), ("недел", timedelta(weeks=1)), ("месяц", timedelta(days=30)),
)
PARTS_OF_DAY = {"утром": 9, "днем": 13, "вечером": 19}
WHEN_WORDS = ("сегодня", "завтра", "послезавтра", "через", *MONTHS, *WEEKDAYS)


class WhenError(ValueError):
    """``reason``: "unparsed", "past" or "too_far"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Clock:
    hour: int
    minute: int


_TIME = re.compile(
    r"(?:\bв\s*)?\b(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<suffix>час\w*|утра|вечера|дня|ночи)?(?![.\d/])"
)
_NUMERIC_DATE = re.compile(r"\b(?P<d>\d{1,2})[./](?P<mo>\d{1,2})(?:[./](?P<y>\d{2,4}))?\b")
_WORD_DATE = re.compile(r"\b(?P<d>\d{1,2})\s+(?P<mo>[а-я]+)(?:\s+(?P<y>\d{4}))?")
_RELATIVE = re.compile(r"\bчерез\s+(?:(?P<n>\d{1,3}|[а-я]+)\s+)?(?P<unit>[а-я]+)")
_WEEKDAY = re.compile(r"\bв(?:о)?\s+(?:следующ\w+\s+)?(?P<day>[а-я]+)")


def looks_like_when(text: str) -> bool:
    """Whether a message is probably a date or time (so a new question is not taken for one)."""
    low = text.lower().replace("ё", "е")
    if len(low) > 60:
        return False
    return bool(re.search(r"\d", low)) or any(re.search(rf"\b{w}", low) for w in WHEN_WORDS)


def parse_when(text: str, now: datetime, default_hour: int = 10) -> datetime:
    """The moment meant by ``text``, in ``now``'s time zone (``now`` must be aware and local)."""
    low = " ".join(text.lower().replace("ё", "е").split())
    if not low or len(low) > 100:
        raise WhenError("unparsed")
    moment = _relative(low, now)
    if moment is None:
        day, rest = _day(low, now)
        clock, rest = _clock(rest)
        if day is None and clock is None:
            raise WhenError("unparsed")
        if rest.strip(" ,.-"):
            raise WhenError("unparsed")
        if clock is None:
            clock = _Clock(default_hour, 0)
        if day is None:  # only a time: today, or tomorrow if it has passed
            day = now.date()
            if datetime.combine(day, time(clock.hour, clock.minute), tzinfo=now.tzinfo) <= now:
                day += timedelta(days=1)
        moment = datetime.combine(day, time(clock.hour, clock.minute), tzinfo=now.tzinfo)
    if moment <= now:
        raise WhenError("past")
    if moment - now > MAX_AHEAD:
        raise WhenError("too_far")
    return moment


def _relative(low: str, now: datetime) -> datetime | None:
    m = _RELATIVE.fullmatch(low.strip(" .!"))
    if not m:
        return None
    raw, unit_word = m.group("n"), m.group("unit")
    if raw is None:
        count = 1
    elif raw.isdigit():
        count = int(raw)
    elif raw in NUMBERS:
        count = NUMBERS[raw]
    else:
        raise WhenError("unparsed")
    for stem, unit in UNITS:
        if unit_word.startswith(stem):
            if count <= 0:
                raise WhenError("past")
            if unit * count > MAX_AHEAD:
                raise WhenError("too_far")
            return now + unit * count
    raise WhenError("unparsed")


def _day(low: str, now: datetime) -> tuple[date | None, str]:
    today = now.date()
    for word, shift in (("послезавтра", 2), ("завтра", 1), ("сегодня", 0)):
        if re.search(rf"\b{word}\b", low):
            return today + timedelta(days=shift), re.sub(rf"\b{word}\b", " ", low, count=1)
    m = _NUMERIC_DATE.search(low)
    if m and 1 <= int(m.group("mo")) <= 12:
        day = _date(int(m.group("d")), int(m.group("mo")), m.group("y"), today)
        return day, low[: m.start()] + " " + low[m.end() :]
    m = _WORD_DATE.search(low)
    if m:
        month = _month(m.group("mo"))
        if month is not None:
            day = _date(int(m.group("d")), month, m.group("y"), today)
            return day, low[: m.start()] + " " + low[m.end() :]
    m = _WEEKDAY.search(low)
    if m:
        weekday = next((n for stem, n in WEEKDAYS.items() if m.group("day").startswith(stem)), None)
        if weekday is not None:
            ahead = (weekday - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead), low[: m.start()] + " " + low[m.end() :]
    return None, low


def _month(word: str) -> int | None:
    if word.startswith("ма") and not word.startswith(("мая", "май", "мае")):
        return 3 if word.startswith("март") else None
    return next((n for stem, n in MONTHS.items() if word.startswith(stem)), None)


def _date(d: int, mo: int, y: str | None, today: date) -> date:
    year = today.year
    if y is not None:
        year = int(y) + (2000 if len(y) == 2 else 0)
    try:
        day = today.replace(year=year, month=mo, day=d)
    except ValueError:
        raise WhenError("unparsed") from None
    if y is None and day < today:
        if today - day <= RECENT_PAST:
            raise WhenError("past")
        day = day.replace(year=year + 1)
    return day


def _clock(rest: str) -> tuple[_Clock | None, str]:
    for word, hour in PARTS_OF_DAY.items():
        if re.search(rf"\b{word}\b", rest):
            return _Clock(hour, 0), re.sub(rf"\b{word}\b", " ", rest, count=1)
    m = _TIME.search(rest)
    if not m:
        return None, rest
    hour, minute = int(m.group("h")), int(m.group("m") or 0)
    suffix = m.group("suffix") or ""
    if suffix in ("вечера", "дня") and hour < 12:
        hour += 12
    elif suffix == "ночи" and hour == 12:
        hour = 0
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise WhenError("unparsed")
    leftover = rest[: m.start()] + " " + rest[m.end() :]
    return _Clock(hour, minute), re.sub(r"\bв\b", " ", leftover)

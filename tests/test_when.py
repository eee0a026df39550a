"""Reminder dates in Russian free text: a pure function of the text and "now" (Wednesday 23.12? no:
Monday 23 November 2026, 09:00 local)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.notify.when import WhenError, looks_like_when, parse_when

KAM = ZoneInfo("Asia/Kamchatka")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=KAM)  # a Monday


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=KAM)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("завтра в 10", at(2026, 11, 24, 10, 0)),
        ("Завтра в 10:30", at(2026, 11, 24, 10, 30)),
        ("завтра", at(2026, 11, 24, 10, 0)),
        ("завтра утром", at(2026, 11, 24, 9, 0)),
        ("послезавтра в 7 вечера", at(2026, 11, 25, 19, 0)),
        ("сегодня в 18:30", at(2026, 11, 23, 18, 30)),
        ("в 15 часов", at(2026, 11, 23, 15, 0)),
        ("в 8", at(2026, 11, 24, 8, 0)),  # 08:00 has passed today: tomorrow
        ("через 3 дня", at(2026, 11, 26, 9, 0)),
        ("через три дня", at(2026, 11, 26, 9, 0)),
        ("через пару дней", at(2026, 11, 25, 9, 0)),
        ("через час", at(2026, 11, 23, 10, 0)),
        ("через 2 часа", at(2026, 11, 23, 11, 0)),
        ("через 30 минут", at(2026, 11, 23, 9, 30)),
        ("через неделю", at(2026, 11, 30, 9, 0)),
        ("через 2 недели", at(2026, 12, 7, 9, 0)),
        ("15.12 в 9:30", at(2026, 12, 15, 9, 30)),
        ("15.12", at(2026, 12, 15, 10, 0)),
        ("15/12 9.30", at(2026, 12, 15, 9, 30)),
        ("15.12.2026 в 9:30", at(2026, 12, 15, 9, 30)),
        ("10.01.27", at(2027, 1, 10, 10, 0)),
        ("10.01", at(2027, 1, 10, 10, 0)),  # January has passed this year: next year
        ("15 декабря", at(2026, 12, 15, 10, 0)),
        ("1 марта в 9 утра", at(2027, 3, 1, 9, 0)),
        ("9 мая", at(2027, 5, 9, 10, 0)),
        ("в пятницу", at(2026, 11, 27, 10, 0)),
        ("в пятницу в 14:00", at(2026, 11, 27, 14, 0)),
        ("во вторник", at(2026, 11, 24, 10, 0)),
        ("в понедельник", at(2026, 11, 30, 10, 0)),  # today is Monday: the next one
        ("в следующую среду в 12", at(2026, 11, 25, 12, 0)),
    ],
)
def test_understood(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("сегодня в 8", "past"),
        ("сегодня в 9:00", "past"),
        ("20.11", "past"),
        ("01.01.2020", "past"),
        ("через 0 дней", "past"),
        ("через 500 дней", "too_far"),
        ("01.01.2030", "too_far"),
        ("когда-нибудь", "unparsed"),
        ("", "unparsed"),
        ("завтра в 25:00", "unparsed"),
        ("31.02", "unparsed"),
        ("завтра купить хлеб", "unparsed"),
        ("через сколько-то лет", "unparsed"),
        ("в 9.30 и ещё", "unparsed"),
    ],
)
def test_refused(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as info:
        parse_when(text, NOW)
    assert info.value.reason == reason


def test_the_result_is_in_the_zone_of_now() -> None:
    moscow = NOW.astimezone(ZoneInfo("Europe/Moscow"))
    result = parse_when("завтра в 10", moscow)
    assert result.utcoffset() == moscow.utcoffset()
    assert result.hour == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [("завтра в 10", True), ("15.12", True), ("через неделю", True), ("в пятницу", True),
     ("как получить пособие", False), ("спасибо", False)],
)
def test_looks_like_when(text: str, expected: bool) -> None:
    assert looks_like_when(text) is expected

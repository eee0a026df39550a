from __future__ import annotations

import pytest

from bot.plural import plural, times


@pytest.mark.parametrize(("number", "text"), [
    (0, "0 оценок"), (1, "1 оценка"), (2, "2 оценки"), (4, "4 оценки"), (5, "5 оценок"), (11, "11 оценок"),
    (12, "12 оценок"), (14, "14 оценок"), (21, "21 оценка"), (22, "22 оценки"), (25, "25 оценок"),
    (101, "101 оценка"), (111, "111 оценок"), (1000, "1000 оценок"),
])
def test_russian_plural_forms(number: int, text: str) -> None:
    assert plural(number, "оценка", "оценки", "оценок") == text


def test_times() -> None:
    assert [times(n) for n in (1, 2, 5, 21)] == ["1 раз", "2 раза", "5 раз", "21 раз"]

"""Russian plural forms: «1 оценка», «2 оценки», «5 оценок»."""

from __future__ import annotations


def plural_form(number: int, one: str, few: str, many: str) -> str:
    """The noun form that goes with ``number`` (one: 1, 21, 101…; few: 2–4, 22–24…; many: the rest)."""
    n = abs(number) % 100
    if 11 <= n <= 14:
        return many
    n %= 10
    if n == 1:
        return one
    if 2 <= n <= 4:
        return few
    return many


def plural(number: int, one: str, few: str, many: str) -> str:
    """``number`` with its noun: plural(2, "оценка", "оценки", "оценок") == "2 оценки"."""
    return f"{number} {plural_form(number, one, few, many)}"


def times(number: int) -> str:
    """«1 раз», «2 раза», «5 раз»."""
    return plural(number, "раз", "раза", "раз")

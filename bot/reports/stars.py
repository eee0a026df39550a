"""The standard's stars (Table 1 of «Государство для бизнеса», section 6).

The ease indicator («Легко» + «Скорее легко») and the satisfaction indicator («Удовлетворён» +
«Скорее удовлетворён») use the same grades: 50.1–60 % = 1 star, 60.1–70 % = 2, 70.1–80 % = 3,
80.1–90 % = 4, 90.1–100 % = 5. A share of 50 % or less reaches no star (0).
"""

from __future__ import annotations

# (lowest share that reaches the level, exclusive, in percent; stars)
LEVELS = ((90.0, 5), (80.0, 4), (70.0, 3), (60.0, 2), (50.0, 1))


def stars(share_percent: float | None) -> int | None:
    """Stars for a share in percent; None when there is nothing to rate."""
    if share_percent is None:
        return None
    # Shares are compared as published: rounded to one decimal (60.04 % is "60,0 %": 1 star).
    value = round(share_percent, 1)
    for floor, level in LEVELS:
        if value > floor:
            return level
    return 0


def star_text(level: int | None) -> str:
    if level is None:
        return "нет данных"
    if level == 0:
        return "☆☆☆☆☆ (ниже 1 звезды)"
    return "★" * level + "☆" * (5 - level) + f" ({level} из 5)"

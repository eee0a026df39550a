"""Typed requests for a person («позовите оператора», «хочу поговорить с человеком») and complaints."""

from __future__ import annotations

import re

_HUMAN = (
    r"(((жив|реальн|настоящ)\w*\s+)?(оператор\w*|человек(?:а|у|ом)?|сотрудник\w*|специалист\w*|консультант\w*)"
    r"|(жив|реальн)\w*\s+люд\w*)"
)
_OPERATOR_REQUEST = re.compile(
    r"^(а\s+)?((позов\w*|зов\w*|дайте|нужен|нужна|нужно|хочу|можно|соедин\w*|переключ\w*|свяжите)\s+)?"
    r"((мне|меня)\s+)?((с|со|на)\s+)?" + _HUMAN + r"(\s+(есть|нужен|нужна|тут|здесь))?(\s+пожалуйста)?$"
    r"|(поговорить|пообщаться|связаться|соединить|переключить|общаться|говорить)\s+(меня\s+)?(с|со|на)\s+"
    + _HUMAN
    + r"|(позов\w*|соедин\w*|переключ\w*)\s+(мне\s+)?(на\s+|с\s+)?" + _HUMAN
    + r"|(с|со)\s+" + _HUMAN + r"\s+(поговорить|пообщаться|связаться|общаться|говорить)",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(r"\b(жалоб\w*|пожаловаться|претензи\w*)\b", re.IGNORECASE)
_SHORT_REQUEST_WORDS = 8


def wants_operator(text: str) -> bool:
    """A short message asking for a human («позовите оператора», «хочу поговорить с человеком»)."""
    parts = re.sub(r"[^\w\s-]", " ", text.lower().replace("ё", "е")).split()
    return len(parts) <= _SHORT_REQUEST_WORDS and _OPERATOR_REQUEST.search(" ".join(parts)) is not None


def is_complaint(text: str) -> bool:
    return _COMPLAINT.search(text) is not None


"""Answers typed instead of pressed: «да» or «нет» to «Вы имели в виду …?» and «Это помогло?», the
number of an offered option, «предприниматель» to «кто вы?». People type them all the time; searching
the base for «да» helps no one."""

from __future__ import annotations

from enum import StrEnum

from bot.dialogue.phrases import PhraseSet, tokens


class YesNo(StrEnum):
    YES = "yes"
    NO = "no"


_YES_NO = PhraseSet(
    {
        YesNo.YES: (
            "да", "ага", "угу", "ну да", "да да", "верно", "точно", "конечно", "именно", "да это", "это",
            "оно самое", "yes", "помогло", "да помогло", "очень помогло", "все понятно",
        ),
        YesNo.NO: (
            "нет", "неа", "не", "не то", "не это", "нет не то", "не совсем", "совсем не то", "no",
            "не помогло", "нет не помогло", "ничего не понятно", "непонятно", "не понятно", "не нужно", "не надо",
            "отмена", "не напоминай", "не надо напоминать", "передумал", "передумала",
        ),
    },
    fillers=("спасибо", "а", "и", "ну", "вот", "это"),
)
_SEGMENTS = PhraseSet(
    {
        "citizen": (
            "гражданин", "гражданка", "граждане", "физлицо", "физ лицо", "физическое лицо", "житель", "жительница",
            "частное лицо", "пенсионер", "пенсионерка", "родитель",
        ),
        "business": (
            "предприниматель", "предпринимательница", "ип", "индивидуальный предприниматель", "бизнес",
            "юрлицо", "юр лицо", "юридическое лицо", "ооо", "организация", "компания", "самозанятый",
            "самозанятая", "бизнесмен",
        ),
        "skip": ("пропустить", "неважно", "не важно", "все равно"),
    },
    fillers=("я", "мы", "у", "меня", "нас", "а", "ну", "просто", "наверное", "скорее"),
)
_ORDINALS = {
    "1": 1, "2": 2, "3": 3, "первый": 1, "второй": 2, "третий": 3, "первое": 1, "второе": 2, "третье": 3,
    "первая": 1, "вторая": 2, "третья": 3, "первый вариант": 1, "второй вариант": 2, "третий вариант": 3,
}


def yes_or_no(text: str) -> YesNo | None:
    """«да» or «нет» (with what people add to them), or None for anything else or both at once."""
    found = _YES_NO.kinds(tokens(text))
    if found is None or len(found) != 1:
        return None
    return next(iter(found))


def option_number(text: str) -> int | None:
    """1–3 for «2», «второй», «второй вариант»; None otherwise."""
    return _ORDINALS.get(" ".join(tokens(text)))


def segment_answer(text: str) -> str | None:
    """«citizen», «business» or «skip» for «я предприниматель», «гражданин», «неважно»; None otherwise."""
    found = _SEGMENTS.kinds(tokens(text))
    if found is None or len(found) != 1:
        return None
    return next(iter(found))

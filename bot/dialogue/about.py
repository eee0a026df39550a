"""Questions about the bot itself — «ты робот?», «что ты умеешь», «как тебя зовут» — answered from
configurable texts instead of searching the base for them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.dialogue.phrases import PhraseSet


class About(StrEnum):
    WHO = "who"
    ABILITIES = "abilities"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class AboutBot:
    """The answers; placeholders: {name}, {organisation}, {topics} (the base's topics), {fallback}."""

    who: str = (
        "Я {name} — программа-помощник (чат-бот) {organisation}, а не живой человек. "
        "Отвечаю на частые вопросы по базе знаний. {fallback}"
    )
    abilities: str = (
        "Я отвечаю на частые вопросы{topics}. Напишите вопрос своими словами или выберите тему: /menu. "
        "{fallback}"
    )
    name: str = "Меня зовут {name}. Я программа-помощник {organisation}. {fallback}"


_PHRASES = PhraseSet(
    {
        About.WHO: (
            "ты робот", "вы робот", "ты бот", "вы бот", "это бот", "это робот", "ты живой", "вы живой",
            "ты человек", "вы человек", "ты живой человек", "вы живой человек", "ты настоящий", "ты реальный",
            "кто ты", "кто вы", "кто ты такой", "кто вы такой", "кто вы такие", "с кем я говорю",
            "с кем я общаюсь", "с кем я переписываюсь", "я с ботом говорю", "я говорю с ботом",
            "я общаюсь с ботом", "ты искусственный интеллект", "ты нейросеть", "ты ии", "ты chatgpt",
            "ты программа", "бот", "робот", "бот или человек", "человек или бот", "робот или человек",
            "человек или робот",
        ),
        About.ABILITIES: (
            "что ты умеешь", "что вы умеете", "что ты можешь", "что вы можете", "чем ты можешь помочь",
            "чем вы можете помочь", "чем можешь помочь", "чем можете помочь", "что умеешь", "что умеете",
            "что ты знаешь", "на какие вопросы ты отвечаешь", "на какие вопросы отвечаешь", "что ты делаешь",
            "зачем ты нужен", "для чего ты нужен", "чем ты занимаешься", "твои возможности",
        ),
        About.NAME: (
            "как тебя зовут", "как вас зовут", "как твое имя", "как ваше имя", "твое имя", "ваше имя",
            "как к тебе обращаться", "как к вам обращаться", "у тебя есть имя",
        ),
    },
    fillers=("а", "ну", "и", "скажи", "скажите", "подскажи", "подскажите", "вообще", "тут", "здесь", "это",
             "или", "нет", "там", "сейчас", "еще", "же", "привет", "здравствуйте", "да", "вот", "мне", "вы",
             "ты", "что", "ли", "человек", "живой"),
)


def about_bot(said: list[str]) -> About | None:
    """What of the bot a message asks about (``said``: its words, ``phrases.tokens``), or None."""
    found = _PHRASES.kinds(said)
    if not found:
        return None
    for kind in (About.WHO, About.NAME, About.ABILITIES):
        if kind in found:
            return kind
    return None

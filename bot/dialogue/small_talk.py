"""Messages that are nothing but courtesy — hello, thanks, goodbye, «ок» — recognised, so that the bot
answers in kind instead of searching the knowledge base for them (and counting them as unanswered).

A message counts only when every word in it belongs to such phrases: «спасибо, а как продлить?» is a
question. Typos people make in these few words, the wrong keyboard layout and emoji are accepted.
"""

from __future__ import annotations

from enum import StrEnum

from bot.matching.analyzer import is_russian_word
from bot.matching.text import clean, fix_layout, words


class Talk(StrEnum):
    HELLO = "hello"
    THANKS = "thanks"
    BYE = "bye"
    OK = "ok"


_PHRASES: dict[Talk, tuple[str, ...]] = {
    Talk.HELLO: (
        "привет", "приветик", "приветствую", "здравствуйте", "здраствуйте", "здравствуй", "здрасьте", "здрасте",
        "добрый день", "добрый вечер", "доброе утро", "доброй ночи", "доброго дня", "доброго времени суток",
        "день добрый", "вечер добрый", "хай", "салют", "hello", "hi",
    ),
    Talk.THANKS: (
        "спасибо", "спасиба", "спасибочки", "спасибки", "спасиб", "пасиб", "пасибо", "спс", "благодарю",
        "благодарствую", "мерси", "сенкс", "thanks", "thank you", "thx", "спасибо за помощь",
        "спасибо за ответ", "спасибо за информацию", "вы очень помогли", "очень помогли", "помогли",
    ),
    Talk.BYE: (
        "пока", "до свидания", "досвидания", "до свиданья", "всего доброго", "всего хорошего", "до встречи",
        "хорошего дня", "хорошего вечера", "bye",
    ),
    Talk.OK: (
        "ок", "окей", "ok", "okay", "хорошо", "понятно", "ясно", "ладно", "угу", "ага", "понял", "поняла",
        "понятненько", "принято", "отлично", "супер", "класс", "норм",
    ),
}
# words that may sit among the phrases without making the message a question
_FILLERS = frozenset({
    "и", "а", "ну", "вам", "тебе", "вас", "еще", "раз", "очень", "большое", "огромное", "всем", "все",
    "уже", "тогда", "да",
})
_EMOJI = {"👍": Talk.OK, "👌": Talk.OK, "🙏": Talk.THANKS, "❤": Talk.THANKS, "👋": Talk.HELLO}
_MAX_WORDS = 8
_BY_FIRST: dict[str, list[tuple[tuple[str, ...], Talk]]] = {}
for _talk, _phrases in _PHRASES.items():
    for _phrase in _phrases:
        _tokens = tuple(_phrase.split())
        _BY_FIRST.setdefault(_tokens[0], []).append((_tokens, _talk))
for _options in _BY_FIRST.values():
    _options.sort(key=lambda option: -len(option[0]))  # the longest phrase first
# what a reply answers first when a message mixes them («ок, спасибо, до свидания» → thanks)
_PRIORITY = (Talk.THANKS, Talk.BYE, Talk.HELLO, Talk.OK)


def small_talk(text: str) -> Talk | None:
    """What a courtesy-only message is (thanks before goodbye before hello before «ок»), or None."""
    cleaned = clean(text)
    tokens = words(fix_layout(cleaned, is_russian_word))
    if not tokens:
        found = {talk for mark, talk in _EMOJI.items() if mark in cleaned}
    elif len(tokens) > _MAX_WORDS:
        return None
    else:
        found = _phrases_of(tokens)
        if found is None:
            return None
    return next((talk for talk in _PRIORITY if talk in found), None)


def _phrases_of(tokens: list[str]) -> set[Talk] | None:
    """The kinds of the phrases the words make up, or None when any word belongs to none."""
    found: set[Talk] = set()
    index = 0
    while index < len(tokens):
        for phrase, talk in _BY_FIRST.get(tokens[index], ()):
            if tuple(tokens[index:index + len(phrase)]) == phrase:
                found.add(talk)
                index += len(phrase)
                break
        else:
            if tokens[index] not in _FILLERS:
                return None
            index += 1
    return found

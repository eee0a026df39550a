"""Messages that are nothing but courtesy — hello, thanks, goodbye, «ок» — recognised, so that the bot
answers in kind instead of searching the knowledge base for them (and counting them as unanswered).

A message counts only when every word in it belongs to such phrases: «спасибо, а как продлить?» is a
question. Typos people make in these few words, the wrong keyboard layout and emoji are accepted.
"""

from __future__ import annotations

from enum import StrEnum

from bot.dialogue.phrases import PhraseSet, tokens
from bot.matching.text import clean


class Talk(StrEnum):
    HELLO = "hello"
    THANKS = "thanks"
    BYE = "bye"
    OK = "ok"
    CHAT = "chat"  # «как дела?», «расскажи анекдот»: chit-chat, not a question for the base
    RUDE = "rude"  # «ты тупой», swearing: not a failed question (no operator offer for it)


_FILLERS = ("и", "а", "ну", "вам", "тебе", "вас", "еще", "раз", "очень", "большое", "огромное", "всем", "все",
             "уже", "тогда", "да", "ты", "вы", "у", "тебя", "вас", "какой", "какая", "же", "совсем", "просто",
             "вообще", "ну", "бот", "робот", "тут", "здесь", "сегодня")
_PHRASES = PhraseSet(
    {
        Talk.HELLO: (
            "привет", "приветик", "приветствую", "здравствуйте", "здраствуйте", "здравствуй", "здрасьте",
            "здрасте", "добрый день", "добрый вечер", "доброе утро", "доброй ночи", "доброго дня",
            "доброго времени суток", "день добрый", "вечер добрый", "хай", "салют", "hello", "hi",
        ),
        Talk.THANKS: (
            "спасибо", "спасиба", "спасибочки", "спасибки", "спасиб", "пасиб", "пасибо", "спс", "благодарю",
            "благодарствую", "мерси", "сенкс", "thanks", "thank you", "thx", "спасибо за помощь",
            "спасибо за ответ", "спасибо за информацию", "вы очень помогли", "очень помогли", "помогли",
            "благодарим", "за помощь", "за ответ", "за информацию", "за консультацию", "за быстрый ответ",
        ),
        Talk.BYE: (
            "пока", "до свидания", "досвидания", "до свиданья", "всего доброго", "всего хорошего", "до встречи",
            "хорошего дня", "хорошего вечера", "до связи", "bye",
        ),
        Talk.OK: (
            "ок", "окей", "ok", "okay", "хорошо", "понятно", "ясно", "ладно", "угу", "ага", "понял", "поняла",
            "понятненько", "принято", "принял", "приняла", "отлично", "супер", "класс", "круто", "норм",
            "разобрался", "разобралась",
        ),
        Talk.CHAT: (
            "как дела", "как ты", "как вы", "как поживаешь", "как поживаете", "как жизнь", "как настроение",
            "что делаешь", "что делаете", "чем занимаешься", "расскажи анекдот", "расскажи шутку", "пошути",
            "давай поговорим", "давай дружить", "мне скучно", "скучно", "ты меня любишь", "я тебя люблю",
            "какая погода",
        ),
        Talk.RUDE: (
            "тупой", "тупая", "тупица", "дурак", "дура", "идиот", "идиотка", "дебил", "придурок", "кретин",
            "бесполезный", "бесполезная", "бестолковый", "бестолочь", "никчемный", "ничего не понимаешь",
            "ничего не умеешь", "толку ноль", "толку от тебя", "бред", "что за бред", "чушь", "ерунда",
            "задолбал", "достал", "надоел", "отстань", "отвали", "иди ты", "бесишь", "бот тупой",
            "бот бесполезный", "глупый", "глупая", "тупой бот", "бесполезный бот", "от тебя никакого толку",
        ),
    },
    # words that may sit among the phrases without making the message a question
    fillers=_FILLERS,
)
_EMOJI = {"👍": Talk.OK, "👌": Talk.OK, "🙏": Talk.THANKS, "❤": Talk.THANKS, "👋": Talk.HELLO}
# what a reply answers first when a message mixes them («ок, спасибо, до свидания» → thanks)
_PRIORITY = (Talk.RUDE, Talk.THANKS, Talk.BYE, Talk.HELLO, Talk.CHAT, Talk.OK)
_SWEARING = ("хуй", "хуе", "хуё", "хуя", "хер", "пизд", "бля", "еба", "ёба", "ебл", "ебу", "сука", "суки", "мудак",
             "мудил", "говн", "дерьм", "жоп")


def small_talk(text: str, said: list[str] | None = None) -> Talk | None:
    """What a courtesy-only message is (thanks before goodbye before hello before «ок»), or None.

    ``said``: the message's words (``phrases.tokens``), when the caller has them already.
    """
    words = tokens(text) if said is None else said
    if words and len(words) <= 8 and all(w.startswith(_SWEARING) or w in _FILLERS for w in words) \
            and any(w.startswith(_SWEARING) for w in words):
        return Talk.RUDE  # swearing and nothing else
    if words:
        found = _PHRASES.kinds(words) or set()
    else:
        cleaned = clean(text)
        found = {talk for mark, talk in _EMOJI.items() if mark in cleaned}
    return next((talk for talk in _PRIORITY if talk in found), None)

"""Typed requests for a person («оператор!», «позовите человека», «нужен специалист по налогам») and
complaints. A request outranks any answer of the base (4.6.5.10: an operator at any step).

A message is a request when it is short and made only of words that ask for somebody: a word for a
person (оператор, человек, сотрудник, специалист…), words of asking (позовите, дайте, нужен, хочу,
соедините…) and courtesy; «по налогам» / «насчёт ЖКХ» at the end names the topic. «Региональный
оператор», «оператор связи» and «как стать оператором» are not requests. Typos and the wrong layout
count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.dialogue.fuzzy import Slot, words_of
from bot.dialogue.phrases import tokens

MAX_WORDS = 14

# a word for a person to talk to
_PERSON = Slot(
    "оператор|человек|человеку|человеком|=люди|людьми|людей|сотрудник|специалист|консультант|менеджер|"
    "служащ|чиновник|модератор|администратор|живому|живого|живой|живым|живые|реального|реальным|настоящим|"
    "настоящего|=кого-нибудь|=кто-то|=кого-то"
)
# words that name something else when they stand before «оператор» («региональный оператор»)
_NOT_A_PERSON = Slot(
    "региональн|регоператор|сотов|мобильн|связи|почтов|фискальн|эдо|электронного|документооборот|персональн|"
    "туроператор|национальн|федеральн|котельн|газораспределит|платежн|стать|работать|"
    "вакансия|вакансии|зарплат|курсы|обучение"
)
# words of asking, courtesy and the like that may stand around the person word
_ASKING = Slot(
    "позов|позвать|позвоните|зови|звать|дайте|дай|дать|нужен|нужна|нужно|нужны|надо|хочу|хотел|хотела|хотим|"
    "можно|могу|соедин|переключ|свяж|связат|связь|перевед|переда|подключ|пригласи|вызов|вызвать|верните|"
    "поговорить|говорить|пообщаться|общаться|побеседовать|проконсультир|консультац|ответьте|ответить|"
    "требуется|прошу|пожалуйста|пжл|плиз|пж|срочно|уже|еще|ну|вот|а|и|с|со|на|к|ко|по|мне|меня|нам|нас|я|мы|"
    "вы|ты|бот|ботом|боту|робот|роботом|машиной|не|хочется|есть|тут|здесь|где|ли|бы|какой-нибудь|какого-нибудь|"
    "нибудь|кто|живой|здравствуйте|добрый|день|вечер|привет|алло|эй|помогите|помощь|просто|лучше|сразу|"
    "пусть|напишет|позвонит|ответит|свяжется|вопросом|вопрос|вопросу|моему|моим|моя|по-человечески|"
    "конкретный|компетентный|грамотный|знающий|нормальный|нормального|нормальным|тупой|тупая|бесполезн|глуп|"
    "дурац|достал|надоел|"
    "оператора|оператору|кем|кого|кому|то|из|администрац|вашим|ваших|ваш"
)
_TOPIC_START = {"по", "насчет", "про", "о", "об"}
_NEGATION = re.compile(r"\bне (нужен|нужна|нужно|надо|зовите|звать|позовите|соединяйте|переключайте)\b")
_COMPLAINT = re.compile(r"\b(жалоб\w*|пожаловаться|претензи\w*)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PersonRequest:
    topic: str = ""  # what the person named: «налогам», «жкх»; empty when nothing


def person_request(text: str, said: list[str] | None = None) -> PersonRequest | None:
    """A request for a person, with the topic it names; None for anything else."""
    raw = said if said is not None else tokens(text)
    if not raw or len(raw) > MAX_WORDS or _NEGATION.search(" ".join(raw)):
        return None
    words = words_of(raw)
    topic_at = next((i for i, w in enumerate(words) if w.raw in _TOPIC_START and i > 0), len(words))
    head, topic = words[:topic_at], raw[topic_at + 1:]
    if not _PERSON.any_of(head) or _NOT_A_PERSON.any_of(head):
        return None
    if not all(_PERSON.matches(w) or _ASKING.matches(w) for w in head):
        return None
    return PersonRequest(" ".join(topic))


def wants_operator(text: str) -> bool:
    """A short message asking for a human («позовите оператора», «хочу поговорить с человеком»)."""
    return person_request(text) is not None


def is_complaint(text: str) -> bool:
    return _COMPLAINT.search(text) is not None

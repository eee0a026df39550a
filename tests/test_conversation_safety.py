"""Safe and honest first contact (issue 17), as conversations through the dialogue core: emergencies,
requests for a person, contacts without a desk, the survey, failures, questions about the bot."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from bot.analytics.events import Kind
from bot.dialogue.about import AboutBot
from bot.dialogue.contacts import Contacts
from bot.dialogue.effects import TOPIC_KEY
from bot.dialogue.emergency import SafetyNumbers, detect
from bot.dialogue.logic import Escalate, RelayToOperator, case_closed
from bot.dialogue.person_request import person_request
from bot.dialogue.state import Step
from bot.kb import load_knowledge_base
from tests.dialogue_helpers import Person
from tests.test_dialogue_logic import SCRIPT, TEXTS, Harness

DATA = Path(__file__).resolve().parent / "data"
SAFETY = DATA / "safety"
ROOT = Path(__file__).resolve().parent.parent


def _lines(path: Path) -> list[str]:
    return [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


EMERGENCIES = [line.split("\t", 1)[1] for line in _lines(SAFETY / "emergencies.tsv")]
PERSON_REQUESTS = [tuple(line.split("\t", 1)) for line in _lines(SAFETY / "person_requests.tsv")]
CONTACTS = Contacts(phone="+7 (4152) 11-22-33", email="priem@example.org", hours="пн–пт 9:00–18:00",
                    address="ул. Ленина, 1", online_reception="https://example.org/priem")


def _harness(**ctx: object) -> tuple[Harness, Person]:
    h = Harness()
    h.ctx = dataclasses.replace(h.ctx, **ctx)  # type: ignore[arg-type]
    h.conv.step = Step.IDLE
    return h, Person(h.handle)


async def _to_the_comment_prompt(person: Person) -> None:
    """A question answered, «Да», then the two scales: the survey asks for a comment."""
    await person.say("паспорт")
    await person.press("Да")
    await person.press("Удовлетворён")
    await person.press("Легко")


def _events(h: Harness, kind: Kind) -> list[object]:
    return [e for o in h.outcomes for e in o.events if e.kind == kind]


# --- 1. emergencies ------------------------------------------------------------------------------


@pytest.mark.parametrize("message", EMERGENCIES)
async def test_every_emergency_names_112_before_any_matching(message: str) -> None:
    h, person = _harness()
    await person.say(message)
    assert "**112**" in person.text(), message
    assert [e.kind for e in h.last.events] == [Kind.EMERGENCY]  # not a request, never "unanswered"
    assert not h.last.effects


async def test_emergency_names_the_service_and_the_helplines() -> None:
    numbers = SafetyNumbers(crisis_lines=("8-800-000-00-00 — кризисная линия",))
    h, person = _harness(safety=numbers)
    await person.say("пахнет газом в подъезде")
    assert "104" in person.text() and _events(h, Kind.EMERGENCY)[0].value == "gas"  # type: ignore[attr-defined]
    await person.say("не хочу больше жить")
    assert "кризисная линия" in person.text() and "8-800-2000-122" in person.text()
    await person.say("у соседей горит квартира")
    assert "101" in person.text()


async def test_emergency_is_answered_at_any_step() -> None:
    h, person = _harness()
    h.conv.step = Step.NEW
    await person.say("человеку плохо на улице, не дышит")
    text = person.text()
    assert text.index("112") < text.index("Здравствуйте")  # 112 first, then the greeting
    h.conv.step, h.conv.rating_for = Step.RATE_COMMENT, "r1"
    await person.say("муж бьёт меня")
    assert "112" in person.text() and not _events(h, Kind.COMMENT)
    h.conv.step = Step.OPERATOR
    await person.say("ДТП, есть пострадавшие")
    assert "112" in person.text() and any(isinstance(e, RelayToOperator) for e in h.last.effects)


def _kb_texts(path: Path) -> list[str]:
    texts: list[str] = []
    for entry in load_knowledge_base(path).entries.values():
        texts += [entry.question, *entry.paraphrases]
    return texts


def test_no_false_alarms_on_the_demo_queries_and_the_demo_base() -> None:
    queries = [line.split("\t")[0] for line in _lines(DATA / "demo_queries.tsv")]
    ordinary = queries + _kb_texts(ROOT / "knowledge_base") + _lines(SAFETY / "false_alarms.txt")
    alarms = [(text, found) for text in ordinary if (found := detect(text)) is not None]
    assert alarms == []


# --- 2. requests for a person ---------------------------------------------------------------------


@pytest.mark.parametrize(("topic", "message"), PERSON_REQUESTS)
async def test_every_request_for_a_person_reaches_the_operators(topic: str, message: str) -> None:
    # the base would answer the message itself: the request must still win
    h, person = _harness(matcher=type(Harness().ctx.matcher)({**SCRIPT, message: ("answer", ["ip-open"])}))
    await person.say(message)
    assert Escalate("words") in h.last.effects, message
    assert Kind.ANSWER not in [e.kind for e in h.last.events]
    assert str(h.conv.extra.get(TOPIC_KEY, "")) == topic


@pytest.mark.parametrize(("topic", "message"), PERSON_REQUESTS)
async def test_without_a_desk_every_request_gets_the_contacts(topic: str, message: str) -> None:
    h, person = _harness(operators=False, contacts=CONTACTS)
    await person.say(message)
    assert "+7 (4152) 11-22-33" in person.text() and "пн–пт 9:00–18:00" in person.text()
    assert not h.last.effects


async def test_a_named_topic_is_the_base_topic_when_the_base_knows_it() -> None:
    script = {**SCRIPT, "налогам": ("suggest", ["tax-choice"])}
    h, person = _harness(matcher=type(Harness().ctx.matcher)(script))
    await person.say("нужен специалист по налогам")
    assert h.conv.extra[TOPIC_KEY] == "Для бизнеса"


def test_person_words_in_ordinary_questions_are_not_requests() -> None:
    assert [t for t in _lines(SAFETY / "not_person_requests.txt") if person_request(t)] == []


async def test_the_comment_prompt_gives_way_to_a_request_for_a_person() -> None:
    h, person = _harness()
    await _to_the_comment_prompt(person)
    await person.say("позовите оператора")
    assert Escalate("words") in h.last.effects and not _events(h, Kind.COMMENT)


# --- 3. contacts where an operator would be --------------------------------------------------------


async def test_without_a_desk_the_greeting_promises_only_what_is_configured() -> None:
    _h, person = _harness(operators=False, contacts=CONTACTS)
    await person.say("/start")
    assert "позову сотрудника" not in person.text() and TEXTS.fallback_contacts in person.text()
    _h, person = _harness(operators=False)
    await person.say("/start")
    assert "позову сотрудника" not in person.text() and TEXTS.fallback_contacts not in person.text()
    _h, person = _harness()
    await person.say("/start")
    assert TEXTS.fallback_operator in person.text()


async def test_without_a_desk_or_contacts_no_hint_promises_a_person() -> None:
    _h, person = _harness(operators=False)
    await person.say("рецепт блинов")
    assert "сотрудник" not in person.text()
    _h, person = _harness(operators=False, contacts=CONTACTS)
    await person.say("рецепт блинов")
    assert TEXTS.reach_contacts in person.text() and "позвать сотрудника" not in person.text()


async def test_without_a_desk_the_operator_button_shows_the_contacts() -> None:
    h, person = _harness(operators=False, contacts=CONTACTS)
    await person.say("паспорт")
    assert TEXTS.contacts_button in person.labels()
    await person.press(TEXTS.contacts_button)
    text = person.text()
    assert all(part in text for part in ("+7 (4152) 11-22-33", "priem@example.org", "ул. Ленина, 1",
                                          "https://example.org/priem", "пн–пт 9:00–18:00"))
    assert not h.last.effects
    await person.say("/operator")
    assert "+7 (4152) 11-22-33" in person.text()


# --- 4 and 5. the survey ---------------------------------------------------------------------------


async def test_a_question_at_the_comment_prompt_is_answered_and_the_ratings_stay() -> None:
    h, person = _harness()
    await _to_the_comment_prompt(person)
    assert h.conv.step == Step.RATE_COMMENT
    await person.say("как открыть ип")
    assert "Р21001" in person.text() and TEXTS.thanks_for_rating not in person.text()
    assert not _events(h, Kind.COMMENT)
    assert len(_events(h, Kind.SATISFACTION)) == 1 and len(_events(h, Kind.EASE)) == 1


async def test_a_comment_is_still_a_comment() -> None:
    h, person = _harness()
    await _to_the_comment_prompt(person)
    await person.say("всё понятно, быстро ответили")
    assert TEXTS.thanks_for_rating in person.text() and len(_events(h, Kind.COMMENT)) == 1


async def test_leaving_the_survey_is_one_tap() -> None:
    h, person = _harness()
    await person.say("паспорт")
    await person.press("Да")
    await person.press("Пропустить")
    assert TEXTS.survey_left in person.text() and h.conv.step == Step.IDLE
    assert not person.labels()


async def test_those_not_helped_are_asked_too() -> None:
    h, person = _harness()
    await person.say("субсидия")  # one candidate only: after «Нет» nothing else to show
    await person.press("Нет")
    assert TEXTS.satisfaction_question in person.text()
    await person.press("Не удовлетворён")
    survey = _events(h, Kind.SURVEY)
    assert [e.value for e in survey] == ["not_helped"]  # type: ignore[attr-defined]
    assert [e.via for e in _events(h, Kind.SATISFACTION)] == ["not_helped"]  # type: ignore[attr-defined]


async def test_a_new_question_instead_of_a_mark_is_answered() -> None:
    h, person = _harness()
    await person.say("субсидия")
    await person.press("Нет")  # not helped: the bot asks to rephrase, and the survey
    await person.say("паспорт")  # the person rephrases instead of rating
    assert "Это помогло?" in person.text() and h.conv.step == Step.FEEDBACK and h.conv.rating_for is None


async def test_not_asked_twice_nor_more_often_than_configured() -> None:
    h, person = _harness(rating_interval=timedelta(hours=24))
    await person.say("паспорт")
    await person.press("Да")
    assert TEXTS.satisfaction_question in person.text()
    await person.say("субсидия")
    await person.press("Да")
    assert TEXTS.satisfaction_question not in person.text()  # asked an hour ago: not again today
    assert len(_events(h, Kind.SURVEY)) == 1
    h.ctx = dataclasses.replace(h.ctx, now=h.ctx.now + timedelta(days=1))
    await person.say("как открыть ип")
    await person.press("Да")
    assert TEXTS.satisfaction_question in person.text()


async def test_the_operator_is_rated_only_when_an_operator_replied() -> None:
    h, _ = _harness()
    h.conv.extra["case"] = 7
    quiet = case_closed(h.conv, h.ctx, 7, "Обращение закрыто", replied=False)
    assert not [e for e in quiet.events if e.kind == Kind.SURVEY]
    h.conv.extra["case"] = 8
    answered = case_closed(h.conv, h.ctx, 8, "Обращение закрыто", replied=True)
    assert [e.value for e in answered.events if e.kind == Kind.SURVEY] == ["operator"]


# --- 6. failures of the current question only -------------------------------------------------------


async def test_old_misses_do_not_cut_a_new_question_short() -> None:
    _h, person = _harness()
    await person.say("рецепт блинов")
    await person.say("погода завтра")  # two misses in a row: an operator is offered
    assert TEXTS.offer_operator in person.text()
    await person.say("как открыть ип")  # a new question
    await person.press("Нет")
    assert TEXTS.rephrase_with_options in person.text()  # the next options, not «не могу помочь сам»
    assert TEXTS.offer_operator not in person.text()


async def test_a_fresh_miss_does_not_bring_an_operator_offer() -> None:
    _h, person = _harness()
    await person.say("паспорт")
    await person.press("Да")
    await person.press("Пропустить")
    await person.say("рецепт блинов")
    assert TEXTS.offer_operator not in person.text()


async def test_chit_chat_and_insults_are_no_failed_questions() -> None:
    h, person = _harness()
    await person.say("рецепт блинов")  # a miss
    await person.say("ты тупой")
    assert TEXTS.small_talk_rude in person.text() and TEXTS.offer_operator not in person.text()
    await person.say("как дела?")
    assert person.text() == TEXTS.small_talk_chat
    await person.say("погода завтра")  # a new miss: the first of its own, no operator offer yet
    assert TEXTS.offer_operator not in person.text()
    assert [e.value for e in _events(h, Kind.UNANSWERED)] == ["none", "none"]  # type: ignore[attr-defined]
    await person.say("тупой бот, дай оператора")
    assert Escalate("words") in h.last.effects


# --- 8. questions about the bot --------------------------------------------------------------------


@pytest.mark.parametrize("message", ["ты робот?", "что ты умеешь", "как тебя зовут", "ты живой человек?",
                                     "а ты бот или человек?", "Кто ты?"])
async def test_questions_about_the_bot_are_answered(message: str) -> None:
    h, person = _harness()
    await person.say(message)
    assert [e.kind for e in h.last.events] == [Kind.ABOUT_BOT]
    assert "Помощник" in person.text() or "вопросы" in person.text()


async def test_answers_about_the_bot_come_from_the_configuration() -> None:
    _h, person = _harness(about=AboutBot(who="Я бот {name}. {fallback}"))
    await person.say("ты робот?")
    assert person.text() == f"Я бот Помощник. {TEXTS.fallback_operator}"


# --- 9. the greeting and the hint from the loaded base -----------------------------------------------


async def test_the_greeting_and_the_hint_describe_the_loaded_base() -> None:
    _h, person = _harness(popular=("passport-lost", "ip-close"))
    await person.say("/start")
    assert "по темам: Для бизнеса, Для граждан." in person.text() and "ЖКХ, транспорте" not in person.text()
    await person.press("Пропустить")
    await person.say("рецепт блинов")
    assert "«Что делать, если потерял паспорт» или «Как закрыть ИП»" in person.text()
    assert "замена паспорта" not in person.text()


# --- 10. smaller ----------------------------------------------------------------------------------


async def test_operator_as_the_very_first_message_shows_the_personal_data_note() -> None:
    h, person = _harness()
    h.conv.step = Step.NEW
    await person.say("/operator")
    assert "политика обработки данных" in person.text() and Escalate("command") in h.last.effects


async def test_typed_delete_at_the_confirmation_gets_one_reply_and_is_no_question() -> None:
    h, person = _harness()
    await person.say("/forget")
    await person.say("Удалить")
    assert len(person.last) == 1 and person.text() == TEXTS.forget_cancelled  # only the button deletes
    assert Kind.UNANSWERED not in h.kinds() and Kind.REQUEST not in h.kinds() and not h.last.effects
    await person.say("/forget")
    await person.say("как открыть ип")  # a question instead: kept data, and the question answered
    assert TEXTS.forget_cancelled in person.text() and "Р21001" in person.text()


async def test_confirm_question_has_one_question_mark() -> None:
    _h, person = _harness()
    await person.say("открыть ипшку")
    assert "«Как открыть ИП»?" in person.text() and "?»?" not in person.text()

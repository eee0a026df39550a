"""Every branch of the dialogue, on the pure logic with a scripted matcher (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

import pytest

from bot.analytics.events import Kind
from bot.dialogue.logic import (
    Context,
    Escalate,
    Forget,
    Notify,
    Outcome,
    RelayToOperator,
    SetSegment,
    respond,
    wants_operator,
)
from bot.dialogue.messages import Attachment, Incoming, Outgoing, UserRef
from bot.dialogue.state import Conversation, Step
from bot.dialogue.texts import Texts
from bot.kb import load_knowledge_base
from tests.dialogue_helpers import DIALOGUE_KB, Person, ScriptedMatcher

TEXTS = Texts()
SCRIPT = {
    "как открыть ип": ("answer", ["ip-open", "ip-close"]),
    "открыть ипшку": ("confirm", ["ip-open", "ip-close", "tax-choice"]),
    "ип": ("suggest", ["ip-open", "ip-close", "tax-choice"]),
    "паспорт": ("answer", ["passport-replace", "passport-lost"]),
    "субсидия": ("answer", ["utilities-subsidy"]),
}


class Harness:
    """The pure dialogue with its state kept between calls, as the service would keep it."""

    def __init__(self) -> None:
        self.conv = Conversation()
        self.ids = count(1)
        self.outcomes: list[Outcome] = []
        self.ctx = Context(
            kb=load_knowledge_base(DIALOGUE_KB),
            matcher=ScriptedMatcher(SCRIPT),  # type: ignore[arg-type]
            texts=TEXTS,
            now=datetime(2026, 11, 23, tzinfo=UTC),
            new_id=lambda: f"r{next(self.ids)}",
            bot_name="Помощник",
            organisation="администрации",
            policy_url="https://example.org/privacy",
        )

    async def handle(self, message: Incoming) -> list[Outgoing]:
        outcome = respond(self.conv, message, self.ctx)
        self.outcomes.append(outcome)
        for effect in outcome.effects:
            if isinstance(effect, SetSegment):
                self.conv.segment = effect.segment
        return outcome.replies

    @property
    def last(self) -> Outcome:
        return self.outcomes[-1]

    def kinds(self) -> list[Kind]:
        return [e.kind for o in self.outcomes for e in o.events]


@pytest.fixture
def h() -> Harness:
    return Harness()


@pytest.fixture
def person(h: Harness) -> Person:
    return Person(h.handle)


async def test_start_greets_and_asks_for_segment(h: Harness, person: Person) -> None:
    await person.say("/start")
    assert "Здравствуйте! Я Помощник администрации" in person.text()
    assert "https://example.org/privacy" in person.text()
    assert person.labels() == ["Гражданин", "Предприниматель", "Пропустить"]
    assert h.conv.step == Step.SEGMENT
    await person.press("Предприниматель")
    assert h.last.effects == [SetSegment("business")]
    assert "для предпринимателей" in person.text()
    assert h.conv.step == Step.IDLE


async def test_first_message_is_a_question_greets_then_answers(h: Harness, person: Person) -> None:
    await person.say("как открыть ип")
    text = person.text()
    assert text.index("Здравствуйте") < text.index("Р21001")
    assert "Гражданин" in person.labels() and "Да" in person.labels()
    assert h.conv.step == Step.FEEDBACK


async def test_hello_alone_is_answered_by_the_greeting_not_searched(h: Harness, person: Person) -> None:
    await person.say("Здравствуйте!")
    assert "Здравствуйте! Я Помощник администрации" in person.text()
    assert TEXTS.not_found not in person.text() and person.labels() == ["Гражданин", "Предприниматель", "Пропустить"]
    await person.say("добрый день")
    assert person.text() == TEXTS.small_talk_hello
    assert Kind.REQUEST not in h.kinds() and Kind.UNANSWERED not in h.kinds()
    assert h.conv.step == Step.SEGMENT  # the segment buttons still work
    await person.press("Гражданин", in_reply=h.outcomes[0].replies)
    assert h.conv.segment == "citizen"


async def test_thanks_and_goodbye_after_an_answer_are_answered_in_kind(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("паспорт")
    answer = person.last
    await person.say("Спасибо большое!")
    assert person.text() == TEXTS.small_talk_thanks
    await person.say("ок, до свидания")
    assert person.text() == TEXTS.small_talk_bye
    assert h.conv.step == Step.FEEDBACK and h.conv.failures == 0  # nothing counted as a failed question
    await person.press("Да", in_reply=answer)  # "did that help?" still works
    assert person.labels() == [*TEXTS.satisfaction_scale, "Пропустить"]
    assert Kind.UNANSWERED not in h.kinds()
    assert [e.value for o in h.outcomes for e in o.events if e.kind == Kind.SMALL_TALK] == ["thanks", "bye"]


async def test_thanks_with_a_question_is_a_question(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("спасибо, а паспорт")
    assert Kind.REQUEST in h.kinds() and Kind.SMALL_TALK not in h.kinds()


async def test_skip_segment_keeps_universal_profile(h: Harness, person: Person) -> None:
    await person.say("/start")
    await person.press("Пропустить")
    assert h.conv.segment is None
    assert "для всех" in person.text()


async def test_profile_changes_segment_and_answers_follow_it(h: Harness, person: Person) -> None:
    await person.say("/start")
    await person.press("Гражданин")
    await person.say("субсидия")
    assert "соцзащите" in person.text()
    await person.say("/profile")
    assert "для граждан" in person.text()
    await person.press("Предприниматель")
    await person.say("субсидия")
    assert "не для организаций" in person.text()


async def test_answer_then_helped_yes_then_satisfaction_ease_and_comment(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("паспорт")
    (answer,) = person.last
    assert "**Госуслугах**" in answer.text and "https://www.gosuslugi.ru/" in answer.text
    assert answer.text.endswith("**Это помогло?**")
    assert [[b.text for b in row] for row in answer.buttons] == [
        ["Да", "Нет"], ["Позвать оператора"], ["→ Что делать, если потерял паспорт?"],  # related entries last
    ]
    await person.press("Да")
    assert person.labels() == [*TEXTS.satisfaction_scale, "Пропустить"]
    await person.press("Скорее удовлетворён")
    assert person.labels() == [*TEXTS.ease_scale, "Пропустить"]
    await person.press("Легко")
    assert h.conv.step == Step.RATE_COMMENT
    await person.say("Всё понятно, спасибо!")
    assert TEXTS.thanks_for_rating in person.text()
    events = [e for o in h.outcomes for e in o.events]
    assert [(e.kind, e.value) for e in events if e.kind in (Kind.SATISFACTION, Kind.EASE)] == [
        (Kind.SATISFACTION, "3"),
        (Kind.EASE, "4"),
    ]
    comment = next(e for e in events if e.kind == Kind.COMMENT)
    assert comment.text == "Всё понятно, спасибо!" and comment.request == "r1"
    assert h.conv.step == Step.IDLE


async def test_rating_is_never_asked_twice_for_one_question(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("паспорт")
    helped = person.last
    await person.press("Да")
    scale = person.last
    await person.press("Удовлетворён")
    await person.press("Пропустить")  # ease: leaving the survey is one tap
    assert TEXTS.survey_left in person.text()
    await person.press("Удовлетворён", in_reply=scale)  # the old scale again
    assert TEXTS.rating_done in person.text()
    await person.press("Да", in_reply=helped)  # "helped" twice
    assert TEXTS.already_answered in person.text()
    assert h.kinds().count(Kind.SATISFACTION) == 1
    assert h.kinds().count(Kind.FEEDBACK) == 1


async def test_related_entry_opens_a_new_thread(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("паспорт")
    await person.press("Что делать, если потерял паспорт?")
    assert "заявление об утрате" in person.text()
    answers = [e for o in h.outcomes for e in o.events if e.kind == Kind.ANSWER]
    assert [(a.entry, a.via) for a in answers] == [("passport-replace", "match"), ("passport-lost", "related")]
    assert answers[0].request != answers[1].request


async def test_confirm_yes_shows_the_answer(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("открыть ипшку")
    assert person.text() == "Вы имели в виду: «Как открыть ИП»?"
    assert h.conv.step == Step.CONFIRM
    await person.press("Да")
    assert "Р21001" in person.text()


async def test_confirm_no_offers_the_other_likely_answers(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("открыть ипшку")
    await person.press("Нет")
    assert TEXTS.rephrase_with_options in person.text()
    assert person.labels() == ["Как закрыть ИП?", "Какой налоговый режим выбрать?", "Другое", "Позвать оператора"]
    assert h.conv.step == Step.CHOICE


async def test_emoji_or_punctuation_alone_asks_for_words_and_is_no_failed_question(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    for text in ("😡", "???", "..."):
        await person.say(text)
        assert person.text() == TEXTS.empty
    assert h.conv.failures == 0 and not h.kinds()


async def test_yes_and_no_typed_instead_of_pressed_answer_the_current_question(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("открыть ипшку")
    await person.say("Да, это")  # «Вы имели в виду …?»
    assert "Р21001" in person.text() and h.conv.step == Step.FEEDBACK
    await person.say("да помогло, спасибо")  # «Это помогло?»
    assert person.labels() == [*TEXTS.satisfaction_scale, "Пропустить"]
    await person.say("открыть ипшку")
    await person.say("нет, не то")
    assert TEXTS.rephrase_with_options in person.text() and h.conv.step == Step.CHOICE
    await person.say("2")  # the second option offered
    assert "Сравните УСН" in person.text()
    answer = next(e for e in h.last.events if e.kind == Kind.ANSWER)
    assert (answer.entry, answer.via) == ("tax-choice", "choice")
    feedback = [e.value for o in h.outcomes for e in o.events if e.kind == Kind.FEEDBACK]
    assert feedback == ["yes"] and Kind.UNANSWERED in h.kinds()  # «нет, не то» counts as the button would


async def test_a_buttons_text_typed_instead_of_pressed(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("паспорт")
    await person.say("да")
    await person.say("Удовлетворен")  # ё typed as е, no emoji needed
    await person.say("легко")
    await person.say("пропустить")  # «Хотите что-то добавить?»: skipped, not a comment
    events = [e for o in h.outcomes for e in o.events]
    assert [(e.kind, e.value) for e in events if e.kind in (Kind.SATISFACTION, Kind.EASE)] == [
        (Kind.SATISFACTION, "4"), (Kind.EASE, "4"),
    ]
    assert Kind.COMMENT not in h.kinds() and h.conv.step == Step.IDLE
    h.conv.add_keyboard([[("Екатеринбург (UTC+5)", "ns:tz:Asia/Yekaterinburg"), ("Омск (UTC+6)", "ns:tz:Asia/Omsk")]])
    await person.say("екатеринбург")  # the part before the brackets is enough
    assert h.last.effects == [Notify("ns", "tz:Asia/Yekaterinburg")]


async def test_typing_delete_does_not_delete(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("/forget")
    await person.say("удалить")  # only the button deletes
    assert not h.last.effects and TEXTS.forget_cancelled in person.text()


async def test_no_reminder_typed_is_the_no_reminder_button(h: Harness, person: Person) -> None:
    h.conv.step = Step.REMIND_WHEN  # as the notifications desk leaves it after «🔔 Напомнить?»
    h.conv.add_menu(["rem:at:ip-open:1767250800", "rem:none"])
    await person.say("не надо")
    assert h.last.effects == [Notify("rem", "none")]
    h.conv.step = Step.REMIND_WHEN
    await person.say("в пятницу в 9")
    assert h.last.effects == [Notify("remtext", "в пятницу в 9")]


async def test_who_are_you_answered_in_words(h: Harness, person: Person) -> None:
    await person.say("/start")
    await person.say("я предприниматель")
    assert h.last.effects == [SetSegment("business")] and "для предпринимателей" in person.text()
    await person.say("/profile")
    await person.say("гражданин")
    assert h.last.effects == [SetSegment("citizen")]


async def test_a_first_message_is_a_question_even_if_it_names_a_segment(h: Harness, person: Person) -> None:
    await person.say("ип")  # nobody asked «кто вы?» yet: «ип» is a question
    assert not h.last.effects and Kind.REQUEST in {e.kind for e in h.last.events}
    assert h.conv.segment is None


async def test_yes_with_no_question_pending_is_not_a_press(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("паспорт")
    await person.press("Нет")  # "did that help?" answered; the other likely answer is offered
    assert h.conv.step == Step.CHOICE
    await person.say("да")  # no yes/no question is open: a question like any other
    assert Kind.REQUEST in {e.kind for e in h.last.events}
    assert [e.value for o in h.outcomes for e in o.events if e.kind == Kind.FEEDBACK] == ["no"]


async def test_suggest_offers_three_plus_other_and_operator(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("ип")
    assert person.labels() == [
        "Как открыть ИП?", "Как закрыть ИП?", "Какой налоговый режим выбрать?", "Другое", "Позвать оператора",
    ]
    await person.press("Как закрыть ИП?")
    assert "Р26001" in person.text()
    answer = next(e for e in h.last.events if e.kind == Kind.ANSWER)
    assert answer.via == "choice" and answer.request == "r1"


async def test_other_asks_to_rephrase_and_second_failure_offers_an_operator(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("ип")
    await person.press("Другое")
    assert TEXTS.format(TEXTS.after_other, reach=TEXTS.reach_operator) in person.text()
    await person.say("что-то совсем непонятное")
    assert TEXTS.offer_operator in person.text()
    assert "Позвать оператора" in person.labels()
    unanswered = [e for o in h.outcomes for e in o.events if e.kind == Kind.UNANSWERED]
    assert [(u.value, u.text) for u in unanswered] == [("other", "ип"), ("none", "что-то совсем непонятное")]


async def test_no_after_answer_then_again_offers_operator(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("как открыть ип")
    await person.press("Нет")
    assert TEXTS.rephrase_with_options in person.text()
    assert "Как закрыть ИП?" in person.labels()
    await person.press("Как закрыть ИП?")
    await person.press("Нет")
    assert TEXTS.offer_operator in person.text()
    await person.press("Позвать оператора")
    assert h.last.effects == [Escalate("button")]


async def test_nothing_found_shows_topics_and_operator(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("рецепт блинов")
    assert "Не нашёл ответа" in person.text()
    assert person.labels() == ["Для бизнеса", "Для граждан", "Позвать оператора"]
    await person.press("Для бизнеса")
    assert person.labels()[:3] == ["Как открыть ИП?", "Как закрыть ИП?", "Какой налоговый режим выбрать?"]
    await person.press("Как открыть ИП?")
    assert "Р21001" in person.text()
    assert next(e for e in h.last.events if e.kind == Kind.ANSWER).via == "browse"


async def test_browse_menu_respects_segment(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    h.conv.segment = "citizen"
    await person.say("/menu")
    assert person.labels() == ["Для граждан"]
    await person.press("Для граждан")
    assert "« Темы" in person.labels()
    await person.press("« Темы")
    assert person.labels() == ["Для граждан"]


@pytest.mark.parametrize("step", list(Step))
async def test_help_menu_and_operator_work_in_every_state(h: Harness, person: Person, step: Step) -> None:
    if step == Step.NEW:
        return
    h.conv.step = step
    await person.say("/help")
    assert "/operator" in person.text()
    await person.say("/menu")
    assert "Для граждан" in person.labels()
    await person.say("/operator")
    assert h.last.effects == [Escalate("command")]


@pytest.mark.parametrize("text", [
    "позовите оператора", "Здравствуйте, хочу поговорить с живым человеком", "нужен живой человек",
    "можно с человеком поговорить", "хочу поговорить с живым оператором", "можно живого оператора",
    "соедините со специалистом пожалуйста", "дайте реального человека",
])
def test_asking_for_a_person_in_many_words(text: str) -> None:
    assert wants_operator(text)


@pytest.mark.parametrize("text", [
    "сколько человек может жить в квартире", "как стать оператором связи", "человеческий капитал",
])
def test_mentioning_people_is_not_asking_for_one(text: str) -> None:
    assert not wants_operator(text)


async def test_operator_step_relays_text_and_files(h: Harness, person: Person) -> None:
    h.conv.step = Step.OPERATOR
    await person.say("у меня вопрос к сотруднику")
    assert isinstance(h.last.effects[0], RelayToOperator)
    await person.send(Attachment.PHOTO)
    assert isinstance(h.last.effects[0], RelayToOperator)


@pytest.mark.parametrize(
    "kinds", [(Attachment.PHOTO,), (Attachment.VOICE,), (Attachment.STICKER,), (Attachment.LOCATION,)]
)
async def test_non_text_gets_a_polite_explanation(h: Harness, person: Person, kinds) -> None:
    h.conv.step = Step.IDLE
    await person.send(*kinds)
    assert person.text() == TEXTS.non_text
    assert h.last.events[0].kind == Kind.NON_TEXT


async def test_photo_with_caption_is_a_question(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.send(Attachment.PHOTO, text="паспорт")
    assert "Госуслугах" in person.text()


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
async def test_empty_messages(h: Harness, person: Person, text: str) -> None:
    h.conv.step = Step.IDLE
    await person.say(text)
    assert person.text() == TEXTS.empty
    assert h.conv.request is None


async def test_very_long_message_is_read_from_its_start(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("паспорт " * 1300)  # ~10 000 characters
    assert person.text().startswith(TEXTS.too_long)
    assert len(h.conv.query or "") <= 2000


async def test_control_characters_do_not_break_anything(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("\x00\x07\x1b[31mпривет\u202e")
    assert person.last  # some reply, no exception
    assert h.conv.step in (Step.IDLE, Step.CHOICE, Step.CONFIRM, Step.FEEDBACK)


@pytest.mark.parametrize("payload", ["999.0", "garbage", "1.99", "", "-1.0", "1." + "9" * 80])
async def test_forged_or_stale_buttons_are_refused(h: Harness, person: Person, payload: str) -> None:
    h.conv.step = Step.IDLE
    await person.say("паспорт")
    before = (h.conv.step, h.conv.request)
    await person.press_payload(payload)
    assert person.text() == TEXTS.stale_button
    assert (h.conv.step, h.conv.request) == before


async def test_an_old_buttons_beyond_history_are_stale(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("паспорт")
    first = person.last
    for _ in range(6):
        await person.say("как открыть ип")
    await person.press("Да", in_reply=first)
    assert person.text() == TEXTS.stale_button


async def test_old_helped_button_after_a_new_question_does_not_rate_the_new_one(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("паспорт")
    old = person.last
    await person.say("как открыть ип")
    await person.press("Да", in_reply=old)
    assert person.text() == TEXTS.already_answered
    assert h.conv.step == Step.FEEDBACK and not h.conv.feedback_done


async def test_unknown_command(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("/dance")
    assert person.text() == TEXTS.unknown_command


async def test_forget_asks_first_and_can_be_cancelled(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("/forget")
    await person.press("Не удалять")
    assert person.text() == TEXTS.forget_cancelled
    assert not any(isinstance(e, Forget) for e in h.last.effects)
    await person.say("/forget")
    await person.press("Удалить")
    assert h.last.effects == [Forget()]


async def test_state_round_trips_through_json(h: Harness, person: Person) -> None:
    h.conv.step = Step.IDLE
    await person.say("ип")
    await person.press("Другое")
    restored = Conversation.from_json(h.conv.to_json(), h.conv.segment)
    assert restored == h.conv
    assert [bool(m.labels) for m in restored.menus] == [False, True]  # only the latest keeps its texts
    assert Conversation.from_json({"step": "no-such-step"}).step == Step.IDLE


def test_payload_fits_telegram_callback_limit() -> None:
    conv = Conversation()
    conv.serial = 999_999_998
    menu = conv.add_menu(["a"] * 30)
    assert len(f"{menu.serial}.{len(menu.actions) - 1}".encode()) <= 64
    assert conv.resolve(f"{menu.serial}.29") == ("a", menu)


def test_user_key() -> None:
    assert UserRef("telegram", "42").key == "telegram:42"

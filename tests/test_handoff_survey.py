"""Issue 17 at the operators' desk: a named topic goes into the case; the operator is rated only when an
operator replied; without a desk the configured contacts stand in for it."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.dialogue.messages import UserRef
from bot.storage.models import EventRow, RatingInvitation
from tests.conftest import DEMO_KB
from tests.dialogue_helpers import Person as Talker
from tests.fakes.telegram import FakeTelegram
from tests.test_dialogue_service import settings_for
from tests.test_handoff import ANNA, GROUP, MONDAY_NOON_MSK, PERSON, case_row, start, the_topic, topic_texts


async def _ask_for_a_person(fake: FakeTelegram, text: str) -> int:
    fake.command(PERSON, "/start")
    await fake.wait_for(lambda: bool(fake.buttons(PERSON)))
    fake.message(PERSON, text)
    await fake.wait_for(lambda: any("Номер обращения" in t for t in fake.texts(PERSON)))
    await fake.wait_for(lambda: bool(fake.forum_topics.get(GROUP)))
    return the_topic(fake)


async def _surveys(bot) -> int:
    async with bot.app.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(EventRow).where(EventRow.kind == "survey")) or 0)


async def test_a_named_topic_goes_into_the_case_and_a_silent_case_is_not_rated(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            await _ask_for_a_person(fake, "нужен специалист по налогам")
            case = await case_row(bot)
            assert case.topic and "налог" in case.topic.lower()
            fake.press(PERSON, fake.button(PERSON, "Вопрос решён"))
            await fake.wait_for(lambda: any("закрыто" in t for t in fake.texts(PERSON)))
            await fake.wait_for(lambda: (fake.forum_topics[GROUP][the_topic(fake)]["closed"]))
            assert not any("помощью сотрудника" in t for t in fake.texts(PERSON))  # no operator replied
            assert await _surveys(bot) == 0
        finally:
            await bot.stop()


async def test_the_person_closing_a_case_an_operator_answered_is_asked_about_the_operator(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            thread = await _ask_for_a_person(fake, "хочу поговорить с человеком")
            await fake.wait_for(lambda: any("Обращение №" in t for t in topic_texts(fake, thread)))
            fake.group_press(GROUP, ANNA, "case:take:1", thread_id=thread)
            await fake.wait_for(lambda: any("взял ваш вопрос" in t for t in fake.texts(PERSON)))
            fake.group_message(GROUP, ANNA, "Здравствуйте! Подскажу.", thread_id=thread)
            await fake.wait_for(lambda: any("Подскажу" in t for t in fake.texts(PERSON)))
            fake.press(PERSON, fake.button(PERSON, "Вопрос решён"))
            await fake.wait_for(lambda: any("помощью сотрудника" in t for t in fake.texts(PERSON)))
            assert await _surveys(bot) == 1
            async with bot.app.db.session() as s:  # asked now: no invitation to rate it again later
                waiting = await s.scalar(select(func.count()).select_from(RatingInvitation)
                                         .where(RatingInvitation.status == "scheduled"))
            assert waiting == 0
        finally:
            await bot.stop()


async def test_without_a_desk_the_contacts_are_shown(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, BOT_CONTACTS__PHONE="+7 (4152) 11-22-33", BOT_CONTACTS__HOURS="пн–пт 9–18")
    app = await App.create(settings, kb_path=DEMO_KB, clock=FakeClock())
    try:
        person = Talker(app.dialogue.handle, UserRef("telegram", "31"))
        await person.say("/start")
        assert "позову сотрудника" not in person.text() and "как связаться с сотрудниками" in person.text()
        await person.say("оператор")
        assert "+7 (4152) 11-22-33" in person.text() and "пн–пт 9–18" in person.text()
    finally:
        await app.close()
        for key in ("BOT_CONTACTS__PHONE", "BOT_CONTACTS__HOURS"):
            os.environ.pop(key, None)


async def test_settings_list_each_kind_of_notification_once(tmp_path: Path) -> None:
    app = await App.create(settings_for(tmp_path), kb_path=DEMO_KB, clock=FakeClock())
    try:
        person = Talker(app.dialogue.handle, UserRef("telegram", "32"))
        await person.say("/settings")
        for label in person.labels():
            if label.startswith(("✅", "⬜")):
                name = label[1:].strip()
                assert person.text().count(name) == 0 and person.labels().count(label) == 1
    finally:
        await app.close()

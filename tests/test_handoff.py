"""The operators' desk end to end: the real bot against the fake Bot API server, with a forum group."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.handoff import cases
from bot.storage.models import CaseRow
from tests.db_helpers import count, settled
from tests.fakes.telegram import FakeTelegram
from tests.telegram_harness import Running, start_bot, telegram_settings

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL

GROUP = -1001234567890
PERSON = 7001
ANNA = 9001
BORIS = 9002
STRANGER = 9099
SUPERVISOR = 777
MONDAY_NOON_MSK = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SATURDAY_MSK = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def desk_env(**extra: str) -> dict[str, str]:
    return {
        "BOT_HANDOFF__CHAT_ID": str(GROUP),
        "BOT_HANDOFF__SUPERVISOR_IDS": f"[{SUPERVISOR}]",
        "BOT_HANDOFF__TEMPLATES": '{"привет": "Здравствуйте! Сейчас посмотрю."}',
        "BOT_TELEGRAM__LIMITS__GROUP_PER_MINUTE": "100000",
        "BOT_EDITORS__WATCH": "false",
        **extra,
    }


async def start(tmp_path: Path, fake: FakeTelegram, clock: FakeClock, **env: str) -> Running:
    fake.admins[GROUP] = [ANNA, BORIS]
    settings = telegram_settings(tmp_path, fake, **desk_env(**env))
    return await start_bot(settings, fake, clock=clock)


def topic_texts(fake: FakeTelegram, thread: int) -> list[str]:
    return [p["text"] for p in fake.sent(GROUP) if int(p.get("message_thread_id") or 0) == thread]


def general_texts(fake: FakeTelegram) -> list[str]:
    return [p["text"] for p in fake.sent(GROUP) if not p.get("message_thread_id")]


def the_topic(fake: FakeTelegram) -> int:
    topics = fake.forum_topics.get(GROUP, {})
    assert len(topics) == 1, topics
    return next(iter(topics))


async def case_row(bot: Running, case_id: int = 1) -> cases.Case:
    async with bot.app.db.read() as conn:
        case = await cases.get(conn, case_id)
    assert case is not None
    return case


async def escalate(fake: FakeTelegram, person: int = PERSON) -> int:
    fake.command(person, "/start")
    await fake.wait_for(lambda: bool(fake.buttons(person)))
    fake.press(person, fake.button(person, "Предприниматель"))
    fake.message(person, "как открыть ипшку")
    await fake.wait_for(lambda: any("Это помогло?" in t for t in fake.texts(person)))
    fake.message(person, "позовите оператора")
    await fake.wait_for(lambda: any("Номер обращения" in t for t in fake.texts(person)))
    await fake.wait_for(lambda: bool(fake.forum_topics.get(GROUP)))
    thread = the_topic(fake)
    await fake.wait_for(lambda: any("Обращение №" in t for t in topic_texts(fake, thread)))
    return thread


def callback_answers(fake: FakeTelegram) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_of("answerCallbackQuery")]


async def test_a_whole_case_from_escalation_to_rating(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            thread = await escalate(fake)
            accepted = next(t for t in fake.texts(PERSON) if "Номер обращения" in t)
            assert "№1" in accepted and "Перед вами в очереди: 0" in accepted and "пн–чт 09:00–18:00" in accepted
            assert [label for label, _ in fake.buttons(PERSON)] == ["Вопрос решён"]

            # the card: context and buttons; the topic is titled; every operator is notified in General
            card = next(p for p in fake.sent(GROUP) if "Обращение №1" in p["text"])
            assert "предприниматель" in card["text"] and "как открыть ипшку" in card["text"]
            assert "Telegram" in card["text"]
            labels = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
            assert labels == ["Взять", "Передать", "Закрыть"]
            assert "№1 · предприниматель" in fake.forum_topics[GROUP][thread]["name"]
            await fake.wait_for(lambda: any("Новое обращение №1" in t for t in general_texts(fake)))

            # the person's messages go to the topic: text, and a photo copied
            fake.message(PERSON, "нужна помощь с патентом")
            await fake.wait_for(lambda: any("нужна помощь с патентом" in t for t in topic_texts(fake, thread)))
            fake.photo(PERSON, caption="вот скан")
            await fake.wait_for(lambda: any(
                int(c.params["chat_id"]) == GROUP and int(c.params["from_chat_id"]) == PERSON
                for c in fake.calls_of("copyMessage")
            ))
            copied = next(c.params for c in fake.calls_of("copyMessage") if int(c.params["chat_id"]) == GROUP)
            assert int(copied["message_thread_id"]) == thread and "вот скан" in copied["caption"]

            # Анна takes it; the person is told
            fake.group_press(GROUP, ANNA, "case:take:1", thread_id=thread)
            await fake.wait_for(lambda: any("взял ваш вопрос" in t for t in fake.texts(PERSON)))
            await fake.wait_for(lambda: any("Обращение взял(а) Оператор" in t for t in topic_texts(fake, thread)))
            assert (await case_row(bot)).status == "taken"

            # she answers in the topic, with text and a document, and corrects a slip in her answer
            sent = fake.group_message(GROUP, ANNA, "Здравствуйте! Патент оформляется в налоговой.", thread_id=thread)
            await fake.wait_for(lambda: any("Патент оформляется" in t for t in fake.texts(PERSON)))
            fake.group_edit(sent, "Здравствуйте! Патент оформляется в налоговой по месту жительства.")
            await fake.wait_for(lambda: "исправил(а) сообщение" in fake.texts(PERSON)[-1])
            assert "по месту жительства" in fake.texts(PERSON)[-1]
            fake.group_message(GROUP, ANNA, "", thread_id=thread, document={
                "file_id": "BQAC", "file_unique_id": "d9", "file_name": "образец.pdf"}, caption="Образец")
            await fake.wait_for(lambda: any(int(c.params["chat_id"]) == PERSON for c in fake.calls_of("copyMessage")))
            assert (await case_row(bot)).first_response_at is not None

            # she passes it on; Борис takes it and closes it
            fake.group_press(GROUP, ANNA, "case:transfer:1", thread_id=thread)
            await fake.wait_for(lambda: any("передан другому сотруднику" in t for t in fake.texts(PERSON)))
            assert (await case_row(bot)).status == "new"
            fake.group_press(GROUP, BORIS, "case:take:1", thread_id=thread)
            await fake.wait_for(lambda: sum("взял ваш вопрос" in t for t in fake.texts(PERSON)) == 2)
            fake.group_press(GROUP, BORIS, "case:close:1", thread_id=thread)
            await fake.wait_for(lambda: any("помощью сотрудника" in t for t in fake.texts(PERSON)))
            assert any("завершил обращение №1" in t for t in fake.texts(PERSON))
            await fake.wait_for(lambda: fake.forum_topics[GROUP][thread]["closed"])
            assert fake.forum_topics[GROUP][thread]["name"].startswith("✅")
            case = await case_row(bot)
            assert case.status == "closed" and case.closed_by == "operator" and case.transfers == 1
            before = len(fake.texts(PERSON))
            fake.group_edit(sent, "Поправка после закрытия")  # too late: the operators are told
            await fake.wait_for(lambda: any("уже закрыто" in t for t in topic_texts(fake, thread)))
            assert not any("Поправка" in t for t in fake.texts(PERSON)[before:])

            # the satisfaction questions of the core, about the operator
            fake.press(PERSON, fake.button(PERSON, "Удовлетворён"))
            await fake.wait_for(lambda: any(label == "Легко" for label, _ in fake.buttons(PERSON)))

            # back to the bot: a question is answered again
            fake.message(PERSON, "как открыть ипшку")
            await fake.wait_for(lambda: fake.texts(PERSON)[-1].endswith("<b>Это помогло?</b>"))
        finally:
            await bot.stop()


async def test_two_operators_press_take_at_once(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            thread = await escalate(fake)
            fake.group_press(GROUP, ANNA, "case:take:1", thread_id=thread)
            fake.group_press(GROUP, BORIS, "case:take:1", thread_id=thread)
            await fake.wait_for(lambda: len(callback_answers(fake)) >= 3)  # the segment press, then two
            answers = callback_answers(fake)[-2:]
            refused = [a for a in answers if str(a.get("show_alert")).lower() == "true"]
            assert len(refused) == 1 and "Обращение уже взял(а)" in refused[0]["text"]
            # not a fixed pause (under load the messages took longer than 0.3 s to arrive): wait for them,
            # then until every outbox row has its final status, so that a second one would be here too
            await fake.wait_for(lambda: any("взял ваш вопрос" in t for t in fake.texts(PERSON)))
            await fake.wait_for(lambda: any("Обращение взял(а)" in t for t in topic_texts(fake, thread)))
            await settled(bot.app)
            assert sum("взял ваш вопрос" in t for t in fake.texts(PERSON)) == 1
            assert sum("Обращение взял(а)" in t for t in topic_texts(fake, thread)) == 1
        finally:
            await bot.stop()


async def test_only_group_members_act_and_buttons_are_verified(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            thread = await escalate(fake)
            fake.group_press(GROUP, STRANGER, "case:take:1", thread_id=thread)  # not a member (any more)
            fake.group_press(-100555, ANNA, "case:close:1")  # a button from another group
            fake.group_press(GROUP, ANNA, "case:close:99", thread_id=thread)  # a forged case number
            await fake.wait_for(lambda: len(callback_answers(fake)) >= 4)
            answers = callback_answers(fake)[-3:]
            assert all(str(a.get("show_alert")).lower() == "true" for a in answers)
            assert sum("только участники" in a["text"] for a in answers) == 2
            assert (await case_row(bot)).status == "new"
        finally:
            await bot.stop()


async def test_sla_reminder_and_supervisor_alert(tmp_path: Path) -> None:
    clock = FakeClock(MONDAY_NOON_MSK)
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, clock, BOT_HANDOFF__SLA_MINUTES="120", BOT_HANDOFF__BREAKS="[]")
        try:
            thread = await escalate(fake)
            desk = bot.app.handoff
            assert desk is not None
            clock.advance(minutes=110)
            assert await desk.check_sla() == 0
            clock.advance(minutes=15)  # 2 h 05 min of working time without an answer
            assert await desk.check_sla() == 1
            await fake.wait_for(lambda: any("⏰ Обращение №1 ждёт ответа уже 2 ч 05 мин" in t
                                            for t in topic_texts(fake, thread)))
            assert await desk.check_sla() == 0  # reminded once
            clock.advance(hours=2)
            assert await desk.check_sla() == 1
            await fake.wait_for(lambda: any("🚨" in t and f"tg://user?id={SUPERVISOR}" in t
                                            for t in general_texts(fake)))
            assert any("🚨" in t for t in topic_texts(fake, thread))
            assert await desk.check_sla() == 0
        finally:
            await bot.stop()


async def test_a_case_survives_a_restart(tmp_path: Path) -> None:
    clock = FakeClock(MONDAY_NOON_MSK)
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, clock)
        thread = await escalate(fake)
        fake.group_press(GROUP, ANNA, "case:take:1", thread_id=thread)
        await fake.wait_for(lambda: any("взял ваш вопрос" in t for t in fake.texts(PERSON)))
        await bot.stop()

        bot = await start(tmp_path, fake, clock)
        try:
            fake.group_message(GROUP, ANNA, "Я на месте, продолжаем.", thread_id=thread)
            await fake.wait_for(lambda: any("продолжаем" in t for t in fake.texts(PERSON)))
            fake.message(PERSON, "спасибо, а ещё вопрос")
            await fake.wait_for(lambda: any("а ещё вопрос" in t for t in topic_texts(fake, thread)))
            assert len(fake.forum_topics[GROUP]) == 1  # the same topic, not a new one
            fake.press(PERSON, fake.button(PERSON, "Вопрос решён"))
            await fake.wait_for(lambda: fake.forum_topics[GROUP][thread]["closed"])
            case = await case_row(bot)
            assert case.closed_by == "person"
            assert any("Человек отметил, что вопрос решён" in t for t in topic_texts(fake, thread))
        finally:
            await bot.stop()


async def test_off_hours_request_waits_and_says_when(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, FakeClock(SATURDAY_MSK))
        try:
            await escalate(fake)
            accepted = next(t for t in fake.texts(PERSON) if "Номер обращения" in t)
            assert "Сейчас нерабочее время" in accepted and "30.11 09:00" in accepted
        finally:
            await bot.stop()


async def test_operators_mistakes_and_a_person_writing_fifty_times(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            thread = await escalate(fake)
            for number in range(50):
                fake.message(PERSON, f"сообщение {number}")
            await fake.wait_for(lambda: sum("сообщение" in t for t in topic_texts(fake, thread)) == 50, timeout=20)
            relayed = [t for t in topic_texts(fake, thread) if "сообщение" in t]
            assert relayed == [f"👤 сообщение {n}" for n in range(50)]  # in order, each once
            assert sum(t == "Передал сотруднику ✓" for t in fake.texts(PERSON)) == 1  # no echo storm

            # a reply to the bot in the general chat: told to answer inside the topic
            bot_message = {"message_id": 1, "date": 0, "chat": {"id": GROUP, "type": "supergroup"},
                           "from": {"id": 42, "is_bot": True, "first_name": "Помощник"}, "text": "Новое обращение"}
            fake.group_message(GROUP, ANNA, "беру", reply_to_message=bot_message)
            await fake.wait_for(lambda: any("внутри темы обращения" in t for t in general_texts(fake)))

            # /answer with a knowledge-base entry, /templates, /queue
            entry = next(iter(bot.app.knowledge.current.base.entries.values()))
            fake.group_message(GROUP, ANNA, f"/answer {entry.id}", thread_id=thread)
            await fake.wait_for(lambda: any("Отправлен ответ из базы" in t for t in topic_texts(fake, thread)))
            fake.group_message(GROUP, ANNA, "/answer no-such-entry", thread_id=thread)
            await fake.wait_for(lambda: any("Статьи «no-such-entry» в базе нет" in t
                                            for t in topic_texts(fake, thread)))
            fake.group_press(GROUP, ANNA, "tpl:привет", thread_id=thread)
            await fake.wait_for(lambda: any("Сейчас посмотрю" in t for t in fake.texts(PERSON)))
            fake.group_message(GROUP, ANNA, "/queue")
            await fake.wait_for(lambda: any("Открытые обращения" in t for t in general_texts(fake)))
            fake.group_message(GROUP, ANNA, "/stats")
            await fake.wait_for(lambda: any("Новых обращений: 1" in t for t in general_texts(fake)))

            # the person blocks the bot: the operator is told instead of a silent loss
            fake.block(PERSON)
            fake.group_message(GROUP, ANNA, "Вы здесь?", thread_id=thread)
            await fake.wait_for(lambda: any("заблокировал бота" in t for t in topic_texts(fake, thread)))

            # a closed case's topic: nothing goes to the person
            fake.group_press(GROUP, ANNA, "case:close:1", thread_id=thread)
            await fake.wait_for(lambda: fake.forum_topics[GROUP][thread]["closed"])
            fake.group_message(GROUP, ANNA, "ещё одно", thread_id=thread)
            await fake.wait_for(lambda: any("уже закрыто" in t for t in topic_texts(fake, thread)))
        finally:
            await bot.stop()


async def test_a_misconfigured_group_is_reported_and_nothing_is_lost(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        fake.chats[GROUP] = {"id": GROUP, "type": "supergroup", "title": "Операторы", "is_forum": True,
                             "no_rights": True}
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            assert bot.runtime.channel.desk is not None
            problems = await bot.runtime.channel.desk.check()
            assert any("Управление темами" in p for p in problems)
            fake.command(PERSON, "/operator")
            await fake.wait_for(lambda: any("Номер обращения" in t for t in fake.texts(PERSON)))
            await fake.wait_for(lambda: any("Не могу создать тему" in t for t in general_texts(fake)))
            async with bot.app.db.read() as conn:
                row = (await conn.execute(select(CaseRow.thread_id))).one()
            assert row.thread_id is None  # the card waits in the outbox until the rights are given
            fake.chats.pop(GROUP)  # the administrator gives the right; the card waiting in the outbox goes out
            await force_retry(bot)
            await fake.wait_for(lambda: bool(fake.forum_topics.get(GROUP)), timeout=15)
        finally:
            await bot.stop()


async def force_retry(bot: Running) -> None:
    """Make the waiting outbox rows due now (the sender would retry them on its own a bit later)."""
    from sqlalchemy import update

    from bot.storage.models import OutboxRow

    # a row still in the sender's quick retries is "sending" and becomes "pending" (due in 30 s) only when
    # they end: wait for that, or the update below misses it and the row waits beyond the test's patience
    for _ in range(400):
        if not await count(bot.app, OutboxRow, OutboxRow.status == "sending"):
            break
        await asyncio.sleep(0.05)
    async with bot.app.db.transaction() as conn:
        await conn.execute(update(OutboxRow).where(OutboxRow.status == "pending").values(due_at=bot.app.clock.now()))
    bot.runtime.sender.wake()




async def test_a_vk_person_is_served_by_the_same_telegram_workspace(tmp_path: Path) -> None:
    from bot.app import App
    from bot.channels.telegram.runtime import TelegramRuntime
    from bot.channels.vk.runtime import VKRuntime
    from tests.conftest import DEMO_KB
    from tests.fakes.vk import FakeVK
    from tests.vk_harness import vk_settings

    vk_person = 3003
    async with FakeVK() as vk, FakeTelegram() as tg:
        tg.admins[GROUP] = [ANNA]
        telegram_settings(tmp_path, tg, **desk_env())
        settings = vk_settings(tmp_path, vk)
        app = await App.create(settings, kb_path=DEMO_KB, clock=FakeClock(MONDAY_NOON_MSK))
        tg_runtime = await TelegramRuntime.start(app, settings.telegram)
        vk_runtime = await VKRuntime.start(app, settings.vk)
        try:
            vk.message(vk_person, "позовите оператора")
            await vk.wait_for(lambda: any("Номер обращения" in t for t in vk.texts(vk_person)))
            await tg.wait_for(lambda: bool(tg.forum_topics.get(GROUP)))
            thread = the_topic(tg)
            await tg.wait_for(lambda: any("Обращение №1</b> (VK)" in t for t in topic_texts(tg, thread)))
            vk.message(vk_person, "у меня вопрос про субсидию")
            await tg.wait_for(lambda: any("про субсидию" in t for t in topic_texts(tg, thread)))
            photo = {"type": "photo", "photo": {"sizes": [{"type": "x", "width": 604,
                                                           "url": "https://sun.userapi.com/scan.jpg"}]}}
            vk.message(vk_person, "скан договора", attachments=[photo])
            await tg.wait_for(lambda: any("[фото] скан договора" in t and "https://sun.userapi.com/scan.jpg" in t
                                          for t in topic_texts(tg, thread)))

            tg.group_message(GROUP, ANNA, "Здравствуйте! Расскажите подробнее.", thread_id=thread)
            await vk.wait_for(lambda: any("Расскажите подробнее" in t for t in vk.texts(vk_person)))
            # a document: downloaded from Telegram, uploaded to VK, attached to the signed caption
            tg.files["BQAC"] = b"%PDF-1.4 the form"
            tg.group_message(GROUP, ANNA, "", thread_id=thread, caption="Образец заявления", document={
                "file_id": "BQAC", "file_unique_id": "d9", "file_name": "образец.pdf", "file_size": 17})
            await vk.wait_for(lambda: any("Образец заявления" in t for t in vk.texts(vk_person)))
            sent = next(p for p in vk.sent(vk_person) if "Образец заявления" in p["message"])
            assert sent["message"].startswith("Оператор, сотрудник") and sent["attachment"].startswith("doc-")
            upload = vk.saved[sent["attachment"]]
            assert (upload.kind, upload.filename, upload.content, upload.peer) == (
                "doc", "образец.pdf", b"%PDF-1.4 the form", str(vk_person))
            assert vk.calls_of("docs.save")[-1].params["title"] == "образец.pdf"  # what the person sees
            # a photo alone, while VK is busy once: tried again, delivered once, with no empty text
            tg.files["AgAD-big"] = b"\xff\xd8 a photo"
            vk.fail("photos.saveMessagesPhoto", "10")
            tg.group_message(GROUP, ANNA, "", thread_id=thread, photo=[
                {"file_id": "AgAD-small", "file_unique_id": "s1", "width": 90, "height": 67, "file_size": 5},
                {"file_id": "AgAD-big", "file_unique_id": "b1", "width": 1280, "height": 960, "file_size": 13}])
            await vk.wait_for(lambda: any(p.get("attachment", "").startswith("photo") for p in vk.sent(vk_person)))
            photos = [p for p in vk.sent(vk_person) if p.get("attachment", "").startswith("photo")]
            assert len(photos) == 1 and not photos[0]["message"]
            assert vk.saved[photos[0]["attachment"]].content == b"\xff\xd8 a photo"
            assert [c.error for c in vk.calls if c.method == "photos.saveMessagesPhoto"] == [10, 0]
            # a file Telegram no longer gives: the text goes, with a word that the file did not
            tg.group_message(GROUP, ANNA, "", thread_id=thread, caption="Выписка", document={
                "file_id": "gone", "file_unique_id": "g1", "file_name": "выписка.pdf", "file_size": 10})
            await vk.wait_for(lambda: any("Выписка" in t for t in vk.texts(vk_person)))
            lost = next(p for p in vk.sent(vk_person) if "Выписка" in p["message"])
            assert "«выписка.pdf»" in lost["message"] and "не удалось" in lost["message"]
            assert not lost.get("attachment")
            await tg.wait_for(lambda: any("(«выписка.pdf») человеку в VK передать не удалось" in t
                                          for t in topic_texts(tg, thread)))
            # kinds VK does not take from a community: the topic is told, the caption still goes
            tg.group_message(GROUP, ANNA, "", thread_id=thread, caption="Видеоинструкция", video={
                "file_id": "BAAC", "file_unique_id": "v1", "width": 640, "height": 480, "duration": 5})
            await vk.wait_for(lambda: any("Видеоинструкция" in t for t in vk.texts(vk_person)))
            await tg.wait_for(lambda: any("Файл человеку в VK не передан" in t for t in topic_texts(tg, thread)))
            assert len(vk.uploads) == 3  # the document and the photo twice (the first save failed)
            assert not any("не передан" in t for t in topic_texts(tg, thread)[:-1])
            tg.group_press(GROUP, ANNA, "case:close:1", thread_id=thread)
            await vk.wait_for(lambda: any("помощью сотрудника" in t for t in vk.texts(vk_person)))
            async with app.db.read() as conn:
                case = await cases.get(conn, 1)
            assert case is not None and case.channel == "vk" and case.status == "closed"
        finally:
            await vk_runtime.stop()
            await tg_runtime.stop()
            await app.close()


async def test_forget_closes_the_case_and_cuts_it_from_the_person(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            thread = await escalate(fake)
            fake.command(PERSON, "/forget")
            await fake.wait_for(lambda: any(label == "Удалить" for label, _ in fake.buttons(PERSON)))
            fake.press(PERSON, fake.button(PERSON, "Удалить"))
            await fake.wait_for(lambda: any("удалил свои данные" in t for t in topic_texts(fake, thread)))
            await fake.wait_for(lambda: fake.forum_topics[GROUP][thread]["closed"])
            case = await case_row(bot)
            assert case.status == "closed" and case.closed_by == "deleted"
            assert case.person_id is None and case.recipient is None and case.account_id is None
            fake.group_message(GROUP, ANNA, "Вы здесь?", thread_id=thread)
            await fake.wait_for(lambda: any("уже закрыто" in t for t in topic_texts(fake, thread)))
        finally:
            await bot.stop()


async def test_weekly_stale_entries_reminder_goes_to_the_operators_group(tmp_path: Path) -> None:
    from bot.editors.commands import EditorCommands
    from bot.scheduler import remind_stale_entries

    async with FakeTelegram() as fake:
        # a short review period makes the demo base's entries with owners due
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK), BOT_EDITORS__REVIEW_DAYS="1")
        try:
            due = EditorCommands.for_app(bot.app).stale()
            assert due, "the demo base has entries with owners"
            assert await remind_stale_entries(bot.app)
            await fake.wait_for(lambda: any("Пора проверить статьи" in t for t in general_texts(fake)))
            await fake.wait_for(lambda: any(due[-1].id in t for t in general_texts(fake)))  # long: in parts
        finally:
            await bot.stop()


def test_vk_photo_and_document_links_are_read_for_operators() -> None:
    from bot.channels.vk.inbound import _from_message

    obj = {"message": {
        "peer_id": 3003, "from_id": 3003, "date": 0, "id": 5, "text": "вот",
        "attachments": [
            {"type": "photo", "photo": {"sizes": [
                {"type": "s", "width": 75, "url": "https://sun.userapi.com/small.jpg"},
                {"type": "x", "width": 604, "url": "https://sun.userapi.com/big.jpg"},
            ]}},
            {"type": "doc", "doc": {"title": "справка.pdf", "url": "https://vk.com/doc1_2"}},
            {"type": "sticker", "sticker": {"sticker_id": 1}},
        ],
    }}
    inbound = _from_message(obj)
    assert inbound is not None
    assert inbound.message.file_links == ("https://sun.userapi.com/big.jpg", "https://vk.com/doc1_2")

"""The MAX channel through its aiohttp client against the fake MAX API."""

from __future__ import annotations

from pathlib import Path

from tests.db_helpers import settled
from tests.fakes.max import FakeMax
from tests.max_harness import running_bot

USER = 7001
HELPED = "Это помогло?"


def asked_helped(fake: FakeMax, user: int) -> bool:
    texts = fake.texts(user)
    return bool(texts) and texts[-1].endswith(f"<b>{HELPED}</b>")


async def test_conversation_with_callback_buttons(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.start_bot(USER)
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 2)
        greeting = fake.texts(USER)[0]
        assert "Здравствуйте!" in greeting
        assert '<a href="https://example.org/privacy">' in greeting or "example.org/privacy" in greeting
        assert [label for label, _ in fake.buttons(USER)] == ["Гражданин", "Предприниматель", "Пропустить"]
        assert {b["type"] for row in fake.keyboard(USER) for b in row} == {"callback"}

        fake.press(USER, fake.button(USER, "Предприниматель"))
        await fake.wait_for(lambda: any("предпринимателей" in t for t in fake.texts(USER)))
        await fake.wait_for(lambda: len(fake.calls_of("/answers")) == 1)

        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        answer = fake.sent(USER)[-1]
        assert answer["format"] == "html" and "Р21001" in answer["text"] and "**" not in answer["text"]
        fake.press(USER, fake.button(USER, "Да"))
        await fake.wait_for(lambda: fake.texts(USER)[-1] == "Насколько вы удовлетворены ответом?")
        await settled(bot.app)


async def test_stale_and_forged_payloads_change_nothing(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        fake.press(USER, "999999.1")  # a button this person never had
        await fake.wait_for(lambda: "кнопка уже не действует" in fake.texts(USER)[-1])
        fake.press(USER, "x" * 2000)  # nothing this bot writes
        await fake.wait_for(lambda: fake.texts(USER).count(fake.texts(USER)[-1]) == 2)
        await fake.wait_for(lambda: len(fake.calls_of("/answers")) == 2)
        fake.press(USER, fake.button(USER, "Да"))  # the real button still works afterwards
        await fake.wait_for(lambda: fake.texts(USER)[-1] == "Насколько вы удовлетворены ответом?")


async def test_files_group_chats_and_edits(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "", attachments=[{"type": "image", "payload": {"photo_id": 1, "token": "t",
                                                                          "url": "https://i.max.ru/1.jpg"}}])
        await fake.wait_for(lambda: any("понимаю только текст" in t for t in fake.texts(USER)))
        fake.message(USER, "как открыть ипшку", chat_type="chat")  # a group chat the bot was added to
        created = fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        fake.edit(created, "как записаться в мфц")  # a corrected question is a new question
        await fake.wait_for(lambda: sum(t.startswith("Записаться в МФЦ") for t in fake.texts(USER)) >= 1)
        assert fake.sent(-70_000_000 - USER) == []
        assert all(int(c.params["user_id"]) == USER for c in fake.calls_of("/messages"))


async def test_long_replies_are_split_under_the_limit(tmp_path: Path) -> None:
    from bot.delivery import outbox
    from bot.dialogue.messages import Button, Outgoing

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        paragraph = "Очень длинный ответ про **льготы** & <субсидии>. " * 30
        text = "\n\n".join([paragraph] * 8)  # about 12 000 characters
        reply = Outgoing(text, ((Button("Ок", payload="9.0"),),))
        async with bot.app.db.transaction() as conn:
            from bot.dialogue.markup import split_message

            parts = split_message(reply, 4000)
            await outbox.insert_rows(conn, outbox.rows_for("max", str(USER), parts, bot.app.clock.now(),
                                                           kind="operator"))
        bot.runtime.sender.wake()
        await fake.wait_for(lambda: len(fake.sent(USER)) == len(parts))
        bodies = fake.sent(USER)
        assert len(bodies) >= 3 and all(len(b["text"]) <= 4000 for b in bodies)
        assert "&lt;субсидии&gt;" in bodies[0]["text"] or "<субсидии>" in bodies[0]["text"]
        assert "<субсидии>" not in bodies[0]["text"] or "format" not in bodies[0]  # escaped, or plain text
        assert [b for b in bodies if b.get("attachments")] == [bodies[-1]]  # the keyboard under the last


async def test_restart_between_updates_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    from bot.storage.models import ProcessedUpdate
    from tests.db_helpers import count
    from tests.max_harness import max_settings, start_bot

    async with FakeMax() as fake:
        settings = max_settings(tmp_path, fake)
        first = await start_bot(settings, fake)
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        helped = fake.button(USER, "Да")
        await first.stop()
        assert fake.acked == fake.position  # told MAX on the way out what was handled

        fake.press(USER, helped)  # both arrive while the bot is down
        fake.message(USER, "как записаться в мфц")
        second = await start_bot(settings, fake)
        try:
            await fake.wait_for(lambda: any(t.startswith("Записаться в МФЦ") for t in fake.texts(USER)))
            texts = fake.texts(USER)
            assert texts.index("Насколько вы удовлетворены ответом?") < len(texts) - 1  # in order
            assert sum(t.endswith(f"<b>{HELPED}</b>") for t in texts) == 2
            await settled(second.app)
        finally:
            await second.stop()

        # a crash after the updates were handled but before MAX was told: MAX sends them again
        sent_before = len(fake.sent(USER))
        fake.acked = fake.first
        third = await start_bot(settings, fake)
        try:
            await fake.wait_for(lambda: third.runtime.poller is not None and third.runtime.poller.handled == 3)
            await settled(third.app)
            assert len(fake.sent(USER)) == sent_before  # all three recognised as handled
            assert await count(third.app, ProcessedUpdate) == 3
        finally:
            await third.stop()


async def test_an_update_is_not_acknowledged_before_it_is_stored(tmp_path: Path) -> None:
    """While an update is in hand, no request passes a marker beyond it (MAX would forget it)."""
    import asyncio

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        dialogue = bot.app.dialogue
        original = dialogue.process
        gate = asyncio.Event()

        async def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
            await gate.wait()
            return await original(*args, **kwargs)

        dialogue.process = slow  # type: ignore[method-assign]
        fake.message(USER, "как открыть ипшку")
        number = fake.position - 1
        await asyncio.sleep(1.5)
        assert fake.acked <= number  # still MAX's to send again
        gate.set()
        await fake.wait_for(lambda: asked_helped(fake, USER))
        await fake.wait_for(lambda: fake.acked > number, timeout=5)


async def test_burst_of_200_messages_from_50_people(tmp_path: Path) -> None:
    from collections import defaultdict

    from bot.storage.models import Account, ProcessedUpdate
    from tests.db_helpers import count

    questions = ["как открыть ипшку", "потерял паспорт", "субсидия на жкх", "как записаться в мфц"]
    starts = ["Зарегистрировать ИП", "Если паспорт украли", "Субсидию на оплату", "Записаться в МФЦ"]
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        for round_ in range(4):
            for person in range(50):
                fake.message(10_000 + person, questions[round_])
        await fake.wait_for(lambda: len(fake.sent()) >= 200 + 50 * 2, timeout=60)
        await settled(bot.app, timeout=30)
        per_person: dict[int, list[str]] = defaultdict(list)
        for call in fake.calls_of("/messages"):
            per_person[int(call.params["user_id"])].append(call.body["text"])
        assert len(per_person) == 50
        for texts in per_person.values():
            answers = [t for t in texts if any(t.startswith(s) for s in starts)]
            assert [next(s for s in starts if a.startswith(s)) for a in answers] == starts  # in order, once each
            assert sum(t.endswith(f"<b>{HELPED}</b>") for t in texts) == 4
        assert await count(bot.app, ProcessedUpdate) == 200
        assert await count(bot.app, Account) == 50


async def test_too_many_requests_waits_and_server_errors_are_retried(tmp_path: Path) -> None:
    import time

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.fail("/messages", "429", times=1, delay=1.0)
        fake.fail("/messages", "503", times=2)
        started = time.monotonic()
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=20)
        assert time.monotonic() - started >= 1.0  # waited as MAX asked
        assert [c.status for c in fake.calls if c.path == "/messages" and c.status != 200] == [429, 503, 503]
        assert len([t for t in fake.texts(USER) if "Р21001" in t]) == 1
        # long polling itself: a 429 and a 5xx, then on as before
        fake.fail("/updates", "429", times=1, delay=1.0)
        fake.fail("/updates", "502", times=1)
        fake.message(USER, "как записаться в мфц")
        await fake.wait_for(lambda: any(t.startswith("Записаться в МФЦ") for t in fake.texts(USER)), timeout=20)


async def test_dropped_connections_lose_nothing(tmp_path: Path) -> None:
    async with running_bot(tmp_path, BOT_MAX__REQUEST_TIMEOUT="2") as bot:
        fake = bot.fake
        fake.fail("/messages", "drop", times=2)  # the connection breaks before MAX takes the message
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=30)
        assert len([t for t in fake.texts(USER) if "Р21001" in t]) == 1
        fake.fail("/updates", "drop", times=2)  # the long poll breaks: asked again with the same marker
        fake.fail("/updates", "slow", times=1, delay=3.0)  # …once answers too late
        fake.fail("/updates", "drop_after", times=1)  # …and once MAX answers, but the answer is lost
        fake.message(USER, "как записаться в мфц")
        await fake.wait_for(lambda: any(t.startswith("Записаться в МФЦ") for t in fake.texts(USER)), timeout=30)
        await settled(bot.app, timeout=20)
        assert len([t for t in fake.texts(USER) if t.startswith("Записаться в МФЦ")]) == 1
        assert {c.status for c in fake.calls if c.path == "/updates"} >= {0, 200}  # the faults did happen


async def test_a_person_who_stopped_the_bot_is_marked_unreachable(tmp_path: Path) -> None:
    from bot.storage.models import Account, OutboxRow
    from tests.db_helpers import count

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "привет")
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 1)
        await settled(bot.app)
        fake.stop_bot(USER)  # bot_stopped
        await fake.wait_for(lambda: bot.runtime.poller is not None and bot.runtime.poller.handled == 2)
        assert await count(bot.app, Account, Account.unreachable_at.is_not(None)) == 1
        greeted = sum("Здравствуйте!" in t for t in fake.texts(USER))
        fake.start_bot(USER)  # back: reachable again and greeted
        await fake.wait_for(lambda: sum("Здравствуйте!" in t for t in fake.texts(USER)) > greeted)
        await settled(bot.app)
        assert await count(bot.app, Account, Account.unreachable_at.is_not(None)) == 0

        fake.stopped.add(USER)  # stopped without the bot hearing of it: MAX answers 403
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: any(c.status == 403 for c in fake.calls))
        await settled(bot.app)
        assert len([c for c in fake.calls if c.status == 403]) == 1  # the rest of the replies are not tried
        assert await count(bot.app, Account, Account.unreachable_at.is_not(None)) == 1
        assert await count(bot.app, OutboxRow, OutboxRow.status == "unreachable") >= 1


async def test_notifications_go_only_with_consent(tmp_path: Path) -> None:
    from sqlalchemy import select

    from bot.delivery import outbox
    from bot.dialogue.messages import Outgoing
    from bot.storage.models import Account, OutboxRow
    from tests.db_helpers import count

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "привет")
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 1)
        await settled(bot.app)
        before = len(fake.sent(USER))
        async with bot.app.db.transaction() as conn:
            account_id = await conn.scalar(select(Account.id))
            await outbox.insert_rows(conn, outbox.rows_for("max", str(USER), [Outgoing("Напоминание")],
                                                           bot.app.clock.now(), account_id=account_id,
                                                           kind="notification"))
        bot.runtime.sender.wake()
        await settled(bot.app)
        assert len(fake.sent(USER)) == before  # no consent to notifications: not sent
        assert await count(bot.app, OutboxRow, OutboxRow.status == "skipped") == 1
        reply = Outgoing("Оператор: **добрый день!** Подробнее: [сайт](https://example.org)")
        async with bot.app.db.transaction() as conn:
            await outbox.insert_rows(conn, outbox.rows_for("max", str(USER), [reply], bot.app.clock.now(),
                                                           kind="operator"))
        bot.runtime.sender.wake()
        await fake.wait_for(lambda: fake.texts(USER)[-1].startswith("Оператор:"), timeout=10)
        assert fake.texts(USER)[-1] == (
            'Оператор: <b>добрый день!</b> Подробнее: <a href="https://example.org">сайт</a>')


async def test_typing_is_shown_while_the_reply_takes_long(tmp_path: Path) -> None:
    import asyncio

    from tests.fakes.max import dialog_chat

    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        original = bot.app.dialogue.process

        async def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
            await asyncio.sleep(1.5)
            return await original(*args, **kwargs)

        bot.app.dialogue.process = slow  # type: ignore[method-assign]
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        actions = fake.calls_of(f"/chats/{dialog_chat(USER)}/actions")
        assert [c.body for c in actions] == [{"action": "typing_on"}]
        bot.app.dialogue.process = original  # type: ignore[method-assign]
        fake.message(USER, "как записаться в мфц")  # a quick reply: no "typing…" at all
        await fake.wait_for(lambda: any(t.startswith("Записаться в МФЦ") for t in fake.texts(USER)))
        assert len(fake.calls_of(f"/chats/{dialog_chat(USER)}/actions")) == 1

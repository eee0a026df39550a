"""The Telegram channel through the real aiogram HTTP client against the fake Bot API server."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from bot.storage.models import Account, OutboxRow, ProcessedUpdate
from tests.db_helpers import count, settled
from tests.fakes.telegram import FakeTelegram
from tests.telegram_harness import running_bot, start_bot, telegram_settings

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL

USER = 5001
HELPED = "<b>Это помогло?</b>"


def asked_helped(fake: FakeTelegram, chat: int) -> bool:
    """The last message to the chat is an answer ending with «Это помогло?»."""
    texts = fake.texts(chat)
    return bool(texts) and texts[-1].endswith(HELPED)




async def test_start_segment_question_helped_and_rating(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        assert fake.calls_of("setMyCommands"), "the command menu is published"
        delete = fake.calls_of("deleteWebhook")[0].params
        assert str(delete.get("drop_pending_updates", "false")).lower() != "true"  # pending updates kept

        fake.command(USER, "/start")
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 2)
        greeting, _segment = fake.sent(USER)[:2]
        assert greeting["parse_mode"] == "HTML"
        assert "Здравствуйте!" in greeting["text"] and '<a href="https://example.org/privacy">' in greeting["text"]
        assert [label for label, _ in fake.buttons(USER)] == ["Гражданин", "Предприниматель", "Пропустить"]

        fake.press(USER, fake.button(USER, "Предприниматель"))
        await fake.wait_for(lambda: any("предпринимателей" in t for t in fake.texts(USER)))
        await fake.wait_for(lambda: len(fake.calls_of("answerCallbackQuery")) == 1)

        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        assert "Р21001" in fake.texts(USER)[-1]
        assert [label for label, _ in fake.buttons(USER)][:3] == ["Да", "Нет", "Позвать оператора"]

        fake.press(USER, fake.button(USER, "Да"))
        await fake.wait_for(lambda: fake.texts(USER)[-1] == "Насколько вы удовлетворены ответом?")
        fake.press(USER, fake.button(USER, "Скорее удовлетворён"))
        await fake.wait_for(lambda: fake.texts(USER)[-1] == "Легко ли было решить вопрос?")
        await settled(bot.app)


async def test_suggestion_press_stale_button_photo_and_edited_message(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "налог для ип")  # several close entries: a list of options
        await fake.wait_for(lambda: any(label == "Другое" for label, _ in fake.buttons(USER)))
        options = [label for label, _ in fake.buttons(USER)]
        assert options[-2:] == ["Другое", "Позвать оператора"] and len(options) == 5
        first = fake.button(USER, options[0])
        fake.press(USER, first)
        await fake.wait_for(lambda: asked_helped(fake, USER))

        fake.press(USER, "999999.1")  # a button this person never had
        await fake.wait_for(lambda: "кнопка уже не действует" in fake.texts(USER)[-1])

        fake.photo(USER)
        await fake.wait_for(lambda: "понимаю только текст" in fake.texts(USER)[-1])

        fake.photo(USER, caption="замена паспорта в 45 лет")  # a caption is a question
        await fake.wait_for(lambda: asked_helped(fake, USER))

        before = len(fake.texts(USER))
        fake.edited(USER, "как записаться в мфц")
        await fake.wait_for(lambda: len(fake.texts(USER)) > before and asked_helped(fake, USER))
        assert any("МФЦ" in t for t in fake.texts(USER)[before:])


async def test_long_answer_is_split_at_paragraphs(tmp_path: Path) -> None:
    import yaml

    kb = tmp_path / "kb"
    kb.mkdir()
    paragraph = "Это длинный абзац ответа. " * 40
    answer = "\n\n".join([paragraph.strip()] * 3)[:3450]
    links = [{"title": f"Ссылка номер {i} на очень полезный официальный ресурс",
              "url": f"https://www.gosuslugi.ru/help/faq/section-{i}/very/long/path"} for i in range(12)]
    entry = {"id": "long", "question": "Длинный ответ?", "paraphrases": ["длинный ответ"], "answer": answer,
             "links": links}
    (kb / "long.yaml").write_text(yaml.safe_dump({"category": "Длинное", "entries": [entry]}, allow_unicode=True),
                                  "utf-8")
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake)
        bot = await start_bot(settings, fake, kb_path=kb)
        try:
            fake.message(USER, "длинный ответ")
            await fake.wait_for(lambda: asked_helped(fake, USER))
            parts = fake.sent(USER)[-2:]
            assert all(len(p["text"]) <= 4096 for p in parts)
            assert parts[0]["text"].startswith("Это длинный абзац")
            assert "reply_markup" not in parts[0] or not parts[0]["reply_markup"]  # buttons under the last part
            assert "Полезные ссылки" in parts[1]["text"] and parts[1]["reply_markup"]
        finally:
            await bot.stop()


async def test_restart_between_two_updates_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake)
        first = await start_bot(settings, fake)
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        helped = fake.button(USER, "Да")
        await first.stop()

        fake.press(USER, helped)  # arrives while the bot is down
        second = await start_bot(settings, fake)
        try:
            await fake.wait_for(lambda: fake.texts(USER)[-1] == "Насколько вы удовлетворены ответом?")
            await fake.wait_for(lambda: fake.pending() == 0)
            assert sum(t.endswith(HELPED) for t in fake.texts(USER)) == 1
        finally:
            await second.stop()


async def test_update_is_acknowledged_once_its_replies_are_stored_before_they_are_sent(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.fail("sendMessage", "timeout", delay=1.0)  # Telegram is slow to take the reply, then fails
        update = fake.message(USER, "как открыть ипшку")
        acknowledged, replied = await asyncio.wait_for(
            asyncio.gather(fake.acknowledged(update["update_id"]), fake.reply(USER, 0)), timeout=10
        )
        # the reply was in the outbox (sent from there even after a crash), so the update did not
        # wait for it; the failed attempt was retried
        assert acknowledged < replied
        await fake.wait_for(lambda: asked_helped(fake, USER))


async def test_update_processed_but_not_acknowledged_is_not_handled_twice(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake)
        bot = await start_bot(settings, fake)
        try:
            bot.runtime.poller.stop()  # type: ignore[union-attr]
            await asyncio.sleep(1.2)
            update = fake.message(USER, "как открыть ипшку")
            # a crash right after processing, before the offset moved: Telegram sends it again
            from aiogram.types import Update

            await bot.runtime.channel.handle_batch([Update.model_validate(update, context={"bot": bot.runtime.bot})])
            sent = len(fake.sent(USER))
            await bot.runtime.channel.handle_batch([Update.model_validate(update, context={"bot": bot.runtime.bot})])
            assert len(fake.sent(USER)) == sent
            assert await count(bot.app, ProcessedUpdate) == 1
        finally:
            await bot.stop()


async def test_burst_of_200_messages_from_50_people(tmp_path: Path) -> None:
    questions = ["как открыть ипшку", "потерял паспорт", "субсидия на жкх", "как записаться в мфц"]
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        for round_ in range(4):
            for person in range(50):
                fake.message(10_000 + person, questions[round_])
        await fake.wait_for(lambda: fake.pending() == 0 and len(fake.sent()) >= 200 + 50 * 2, timeout=60)
        await asyncio.sleep(0.3)
        per_person: dict[int, list[str]] = defaultdict(list)
        for params in fake.sent():
            per_person[int(params["chat_id"])].append(params["text"])
        assert len(per_person) == 50
        starts = ["Зарегистрировать ИП", "Если паспорт украли", "Субсидию на оплату", "Записаться в МФЦ"]
        for texts in per_person.values():
            answers = [t for t in texts if any(t.startswith(s) for s in starts)]
            assert [next(s for s in starts if a.startswith(s)) for a in answers] == starts  # in order, once each
            assert sum(t.endswith(HELPED) for t in texts) == 4
        assert await count(bot.app, ProcessedUpdate) == 200
        assert await count(bot.app, Account) == 50


async def test_rate_limit_answer_429_is_honoured(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.fail("sendMessage", "429", times=1, retry_after=1)
        started = time.monotonic()
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        assert time.monotonic() - started >= 1.0
        refused = [c for c in fake.calls if c.method == "sendMessage" and c.status == 429]
        assert len(refused) == 1
        retried = fake.calls_of("sendMessage")[0]
        assert retried.at - refused[0].at >= 1.0


async def test_server_errors_and_timeouts_are_retried(tmp_path: Path) -> None:
    async with running_bot(tmp_path, BOT_TELEGRAM__REQUEST_TIMEOUT="1") as bot:
        fake = bot.fake
        fake.fail("sendMessage", "500", times=2)
        fake.fail("sendMessage", "timeout", times=1, delay=2.0)
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=30)
        failed = [c for c in fake.calls if c.method == "sendMessage" and c.status != 200]
        assert len(failed) >= 2
        assert len([t for t in fake.texts(USER) if "Р21001" in t]) == 1


async def test_blocked_person_is_marked_unreachable_and_not_retried(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.block(USER)
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: fake.pending() == 0)
        await settled(bot.app)
        refused = [c for c in fake.calls if c.method == "sendMessage" and c.status == 403]
        assert len(refused) == 1  # the first refusal; the rest of the replies are not tried
        assert await count(bot.app, Account, Account.unreachable_at.is_not(None)) == 1
        assert await count(bot.app, OutboxRow, OutboxRow.status == "unreachable") == await count(bot.app, OutboxRow)
        fake.blocked.clear()
        fake.message(USER, "привет")  # writing again makes the person reachable again
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 1)
        await fake.wait_for(lambda: fake.pending() == 0)
        await asyncio.sleep(0.2)
        assert await count(bot.app, Account, Account.unreachable_at.is_not(None)) == 0


async def test_kicked_update_marks_unreachable(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "привет")
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 1)
        fake.kicked(USER)
        await fake.wait_for(lambda: fake.pending() == 0)
        await asyncio.sleep(0.2)
        assert await count(bot.app, Account, Account.unreachable_at.is_not(None)) == 1


async def test_outage_leaves_replies_pending_then_delivers_them(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        bot.runtime.sender.policy = type(bot.runtime.sender.policy)(
            attempts=2, backoff_first=0.05, backoff_max=0.1, later=__import__("datetime").timedelta(seconds=0)
        )
        fake.fail("sendMessage", "502", times=6)
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=20)
        assert len([t for t in fake.texts(USER) if "Р21001" in t]) == 1


async def test_webhook_mode_checks_the_secret(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        settings = telegram_settings(
            tmp_path, fake,
            BOT_TELEGRAM__MODE="webhook",
            BOT_TELEGRAM__WEBHOOK__URL="https://bot.example.org/tg",
            BOT_TELEGRAM__WEBHOOK__PATH="/tg",
            BOT_TELEGRAM__WEBHOOK__LISTEN="127.0.0.1",
            BOT_TELEGRAM__WEBHOOK__PORT="0",
            BOT_TELEGRAM__WEBHOOK__SECRET="s3cret-token",
        )
        bot = await start_bot(settings, fake)
        try:
            assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cret-token"
            url = f"http://127.0.0.1:{bot.runtime.port}/tg"
            update = fake.message(USER, "как открыть ипшку")
            assert await fake.deliver_webhook(url, update, "wrong") == 401
            assert await fake.deliver_webhook(url, update, None) == 401
            assert fake.sent(USER) == []
            fake.fail("sendMessage", "timeout", delay=1.0)  # Telegram is slow to take the reply
            started = time.monotonic()
            assert await fake.deliver_webhook(url, update, "s3cret-token") == 200
            assert time.monotonic() - started < 0.9  # answered once stored, not after the slow send
            await fake.wait_for(lambda: asked_helped(fake, USER))  # then sent (the failed try again)
            assert await fake.deliver_webhook(url, update, "s3cret-token") == 200  # a repeat: ignored
            await bot.runtime.channel.drain()
            assert sum(t.endswith(HELPED) for t in fake.texts(USER)) == 1
            import aiohttp

            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{bot.runtime.port}/health") as resp:
                    assert resp.status == 200
                async with session.post(url, data=b"not json",
                                        headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}) as resp:
                    assert resp.status == 400
        finally:
            await bot.stop()


def test_webhook_mode_needs_url_and_secret(tmp_path: Path) -> None:
    import os

    from bot.config import ConfigError, load_settings

    os.environ["BOT_TELEGRAM__TOKEN"] = "1:x"
    os.environ["BOT_TELEGRAM__MODE"] = "webhook"
    with pytest.raises(ConfigError, match="webhook"):
        load_settings()


async def test_wrong_token_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.runner import serve

    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, BOT_TELEGRAM__TOKEN="999:wrong")
        assert await serve(settings) == 1
    assert "@BotFather" in capsys.readouterr().err


async def test_run_command_serves_until_stopped(tmp_path: Path) -> None:
    await _serve_one_conversation(tmp_path)


def test_run_command_serves_on_the_event_loop_it_chooses(tmp_path: Path) -> None:
    from bot.runner import event_loop_factory

    factory = event_loop_factory()
    if sys.platform != "win32":
        assert factory.__module__.startswith("uvloop")  # installed with the bot on Linux and macOS
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(_serve_one_conversation(tmp_path))


async def _serve_one_conversation(tmp_path: Path) -> None:
    from bot.runner import serve

    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, stop))
        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=20)
        stop.set()
        assert await asyncio.wait_for(task, timeout=30) == 0
        assert fake.pending() == 0  # acknowledged before stopping


async def test_editors_commands_in_a_private_chat(tmp_path: Path) -> None:
    editor, resident = 6001, 6002
    async with running_bot(tmp_path, BOT_EDITORS__TELEGRAM_IDS=f"[{editor}]", BOT_EDITORS__WATCH="false") as bot:
        fake = bot.fake
        fake.command(editor, "/kb_check")
        await fake.wait_for(lambda: bool(fake.texts(editor)))
        assert "База знаний в порядке" in fake.texts(editor)[0] and "114 статей" in fake.texts(editor)[0]
        fake.command(editor, "/reload")
        await fake.wait_for(lambda: any("База знаний не изменилась" in t for t in fake.texts(editor)))
        fake.command(resident, "/reload")  # not an editor: just an unknown command
        await fake.wait_for(lambda: bool(fake.texts(resident)))
        assert "Такой команды я не знаю" in fake.texts(resident)[-1]
        await settled(bot.app)
        assert await count(bot.app, ProcessedUpdate) == 3  # each acknowledged once

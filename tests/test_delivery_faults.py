"""Delivery under faults, through aiogram's real client against the fake Bot API server: an update
that always fails is set aside (a dead letter) and the bot goes on without spinning; a sender waiting
out a long 429 keeps its claim (one process and two); a chat's later messages wait behind its message
deferred after a 5xx streak."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.telegram.runtime import make_bot
from bot.channels.telegram.transport import TelegramTransport
from bot.cli import main
from bot.clock import FakeClock
from bot.delivery.limits import Limiter, RateLimits
from bot.delivery.sender import Policy, Sender
from bot.dialogue import service
from bot.storage.models import DeadLetter
from tests.conftest import DEMO_KB
from tests.db_helpers import settled
from tests.fakes.telegram import FakeTelegram
from tests.telegram_harness import running_bot, start_bot, telegram_settings

USER = 6001
OTHER = 6002
HELPED = "<b>Это помогло?</b>"
POISON = "вопрос, на котором обработчик падает"


def asked_helped(fake: FakeTelegram, chat: int) -> bool:
    texts = fake.texts(chat)
    return bool(texts) and texts[-1].endswith(HELPED)


def poison(monkeypatch: pytest.MonkeyPatch, text: str) -> Callable[[], None]:
    """Make the dialogue raise for one particular message (a bug that hits one update every time it
    is handled; updates already processed are still recognised first); the cure."""
    original = service.respond

    def respond(conv, message, ctx):  # type: ignore[no-untyped-def]
        if message.text == text:
            raise RuntimeError("the handler failed on this update")
        return original(conv, message, ctx)

    monkeypatch.setattr(service, "respond", respond)
    return lambda: monkeypatch.setattr(service, "respond", original)


async def letters(app: App) -> list:
    async with app.db.read() as conn:
        return list((await conn.execute(select(DeadLetter.__table__))).all())


async def test_an_update_that_always_fails_is_set_aside_and_the_bot_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        cure = poison(monkeypatch, POISON)
        polls_before = len(fake.calls_of("getUpdates"))
        bad = fake.message(USER, POISON)
        fake.message(USER, "как открыть ипшку")  # the same person's next message waits, then goes on
        fake.message(OTHER, "потерял паспорт")
        await fake.wait_for(lambda: asked_helped(fake, USER) and asked_helped(fake, OTHER), timeout=20)
        await fake.wait_for(lambda: fake.pending() == 0)
        texts = fake.texts(USER)
        assert texts[0] == bot.app.texts.update_failed  # the apology, before the next answer
        assert sum(t == bot.app.texts.update_failed for t in texts) == 1
        assert fake.acked_offset > bad["update_id"]  # the offset moved past it
        # while it was being retried (about 1.5 s), getUpdates was not asked in a busy loop
        assert len(fake.calls_of("getUpdates")) - polls_before < 25
        [letter] = await letters(bot.app)
        assert letter.status == "dead" and letter.failures == 3 and letter.chat == str(USER)
        assert letter.error.startswith("RuntimeError: the handler failed")

        capsys.readouterr()
        assert await asyncio.to_thread(main, ["updates", "dead"]) == 0
        listed = capsys.readouterr().out
        assert "RuntimeError" in listed and str(letter.id) in listed
        assert POISON not in listed  # what the person wrote is not printed

        cure()  # the cause is fixed: replay it through the running bot
        before = len(fake.texts(USER))
        assert await asyncio.to_thread(main, ["updates", "replay", str(letter.id), "--wait", "15"]) == 0
        await fake.wait_for(lambda: len(fake.texts(USER)) > before)
        [letter] = await letters(bot.app)
        assert letter.status == "replayed"
        assert await asyncio.to_thread(main, ["updates", "replay", str(letter.id), "--wait", "0"]) == 1  # not twice
        assert await asyncio.to_thread(main, ["updates", "replay", "999"]) == 1


async def test_a_poller_never_spins_while_an_update_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(tmp_path, BOT_DELIVERY__DEAD_LETTER_AFTER="4") as bot:
        fake = bot.fake
        poison(monkeypatch, POISON)
        fake.message(USER, POISON)
        await asyncio.sleep(0.2)
        polls = len(fake.calls_of("getUpdates"))
        await asyncio.sleep(3.0)  # failures at 0, 0.5, 1.5 s; set aside at 3.5 s
        assert len(fake.calls_of("getUpdates")) - polls <= 12  # backing off up to 1 s (was every 20 ms)
        await fake.wait_for(lambda: fake.texts(USER) == [bot.app.texts.update_failed], timeout=5)


async def test_a_sender_waiting_out_a_long_429_keeps_its_claim_in_one_process_and_two(tmp_path: Path) -> None:
    clock = FakeClock(datetime.now(UTC))
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, BOT_DELIVERY__LEASE_SECONDS="0.3")
        one = await start_bot(settings, fake, clock=clock)
        other = await App.create(settings, kb_path=DEMO_KB, clock=clock)  # a second process, same database
        other_bot = make_bot(settings.telegram)
        second = Sender(other.db, TelegramTransport(other_bot), Limiter(RateLimits(1000, 30)), clock,
                        other.dialogue.instance, lease=timedelta(seconds=0.3))
        try:
            assert other.dialogue.instance != one.app.dialogue.instance
            fake.fail("sendMessage", "429", times=1, retry_after=3)
            fake.message(USER, "как открыть ипшку")
            await fake.wait_for(lambda: any(c.status == 429 for c in fake.calls))
            clock.advance(minutes=5)  # the wait outlasts any fixed "stale" limit…
            for _ in range(4):  # …while both processes keep looking for work
                await asyncio.sleep(0.5)
                assert await second.pump() == 0
                assert await one.runtime.sender.pump() == 0
            await fake.wait_for(lambda: asked_helped(fake, USER), timeout=10)
            await settled(one.app)
            texts = fake.texts(USER)
            assert len(texts) == len(set(texts)), "a reply was sent twice"
            assert sum("Р21001" in t for t in texts) == 1
        finally:
            await other_bot.session.close()
            await other.close()
            await one.stop()


async def test_a_chats_later_messages_wait_behind_its_message_deferred_after_5xx(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        bot.runtime.sender.policy = Policy(attempts=2, backoff_first=0.05, backoff_max=0.1,
                                           later=timedelta(seconds=2))
        fake.fail("sendMessage", "500", times=3, chat=USER)  # the greeting fails three times: deferred
        fake.command(USER, "/start")
        await fake.wait_for(lambda: len([c for c in fake.calls if c.status == 500]) == 3)
        fake.message(USER, "как открыть ипшку")
        fake.message(OTHER, "потерял паспорт")  # other chats are not held up
        await fake.wait_for(lambda: asked_helped(fake, OTHER))
        assert fake.texts(USER) == []  # nothing overtakes the deferred greeting
        await fake.wait_for(lambda: asked_helped(fake, USER), timeout=15)
        texts = fake.texts(USER)
        assert texts[0].startswith("Здравствуйте!")
        assert "Р21001" in texts[-1] or "Р21001" in texts[-2]
        assert len(texts) == len(set(texts))


async def test_in_webhook_mode_an_update_that_always_fails_is_set_aside_after_n_deliveries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeTelegram() as fake:
        settings = telegram_settings(
            tmp_path, fake, BOT_TELEGRAM__MODE="webhook", BOT_TELEGRAM__WEBHOOK__URL="https://bot.example.org/tg",
            BOT_TELEGRAM__WEBHOOK__PATH="/tg", BOT_TELEGRAM__WEBHOOK__LISTEN="127.0.0.1",
            BOT_TELEGRAM__WEBHOOK__PORT="0", BOT_TELEGRAM__WEBHOOK__SECRET="s3cret-token",
        )
        bot = await start_bot(settings, fake)
        try:
            poison(monkeypatch, POISON)
            url = f"http://127.0.0.1:{bot.runtime.port}/tg"
            update = fake.message(USER, POISON)
            # Telegram delivers it again after each error answer; the third failure sets it aside
            assert [await fake.deliver_webhook(url, update, "s3cret-token") for _ in range(3)] == [500, 500, 200]
            await fake.wait_for(lambda: fake.texts(USER) == [bot.app.texts.update_failed])
            assert await fake.deliver_webhook(url, update, "s3cret-token") == 200  # a late copy: skipped
            [letter] = await letters(bot.app)
            assert letter.failures == 3 and letter.status == "dead"
            await bot.runtime.channel.drain()
            assert fake.texts(USER) == [bot.app.texts.update_failed]
        finally:
            await bot.stop()

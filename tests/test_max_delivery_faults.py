"""MAX delivery under faults, against the fake MAX API: an update that always fails is set aside (a
dead letter), the person gets an apology, and the same person's next message is answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.models import DeadLetter
from tests.fakes.max import FakeMax
from tests.max_harness import running_bot
from tests.test_delivery_faults import POISON, poison
from tests.test_max import asked_helped

USER = 8101
OTHER = 8102


async def test_an_update_that_always_fails_is_set_aside_and_the_bot_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(tmp_path) as bot:
        fake: FakeMax = bot.fake
        poison(monkeypatch, POISON)
        fake.message(USER, POISON)
        fake.message(USER, "как открыть ипшку")
        fake.message(OTHER, "потерял паспорт")
        await fake.wait_for(lambda: asked_helped(fake, USER) and asked_helped(fake, OTHER), timeout=20)
        texts = fake.texts(USER)
        assert texts[0] == bot.app.texts.update_failed and texts.count(bot.app.texts.update_failed) == 1
        async with bot.app.db.read() as conn:
            [letter] = (await conn.execute(select(DeadLetter.__table__))).all()
        assert letter.channel == "max" and letter.status == "dead" and letter.failures == 3


async def test_in_webhook_mode_an_update_that_always_fails_is_set_aside_after_n_deliveries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.max_harness import max_settings, start_bot

    async with FakeMax() as fake:
        settings = max_settings(
            tmp_path, fake, BOT_MAX__MODE="webhook", BOT_MAX__WEBHOOK__URL="http://127.0.0.1:0/max",
            BOT_MAX__WEBHOOK__PORT="0", BOT_MAX__WEBHOOK__LISTEN="127.0.0.1",
            BOT_MAX__WEBHOOK__SECRET="s3cret-webhook_token",
        )
        bot = await start_bot(settings, fake)
        try:
            fake.subscriptions[0]["url"] = f"http://127.0.0.1:{bot.runtime.port}/max"
            poison(monkeypatch, POISON)
            fake.message(USER, POISON)
            # MAX delivers it again after each error answer; the third failure sets it aside (200)
            await fake.wait_for(lambda: fake.texts(USER) == [bot.app.texts.update_failed], timeout=15)
            assert [status for _, status in fake.webhook_deliveries] == [500, 500, 200]
            fake.message(USER, "как открыть ипшку")  # the bot goes on
            await fake.wait_for(lambda: asked_helped(fake, USER), timeout=15)
            async with bot.app.db.read() as conn:
                [letter] = (await conn.execute(select(DeadLetter.__table__))).all()
            assert letter.channel == "max" and letter.status == "dead" and letter.failures == 3
        finally:
            await bot.stop()

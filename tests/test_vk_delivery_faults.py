"""VK delivery under faults, through vkbottle's real client against the fake VK API: an event that
always fails is set aside (a dead letter), the person gets an apology, the stored long-poll position
moves past it, and a replay asked for from the command line is handled by the running bot."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.storage.models import DeadLetter, VKPollState
from tests.db_helpers import settled
from tests.fakes.vk import FakeVK
from tests.test_delivery_faults import POISON, poison
from tests.vk_harness import running_bot

USER = 7101
OTHER = 7102
HELPED = "Это помогло?"


def asked_helped(fake: FakeVK, peer: int) -> bool:
    texts = fake.texts(peer)
    return bool(texts) and texts[-1].endswith(HELPED)


async def test_an_event_that_always_fails_is_set_aside_and_the_bot_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        cure = poison(monkeypatch, POISON)
        fake.message(USER, POISON)
        fake.message(USER, "как открыть ипшку")
        fake.message(OTHER, "потерял паспорт")
        await fake.wait_for(lambda: asked_helped(fake, USER) and asked_helped(fake, OTHER), timeout=20)
        texts = fake.texts(USER)
        assert texts[0] == bot.app.texts.update_failed and texts.count(bot.app.texts.update_failed) == 1
        await settled(bot.app)
        await fake.wait_for(lambda: bot.runtime.poller.saved_ts == str(fake.ts))  # the position moved on
        async with bot.app.db.read() as conn:
            [letter] = (await conn.execute(select(DeadLetter.__table__))).all()
            assert await conn.scalar(select(VKPollState.ts)) == str(fake.ts)
        assert letter.channel == "vk" and letter.status == "dead" and letter.chat == str(USER)
        assert letter.failures == 3 and letter.error.startswith("RuntimeError")

        cure()
        before = len(fake.texts(USER))
        assert await asyncio.to_thread(main, ["updates", "replay", str(letter.id), "--wait", "15"]) == 0
        await fake.wait_for(lambda: len(fake.texts(USER)) > before)
        async with bot.app.db.read() as conn:
            assert await conn.scalar(select(DeadLetter.status)) == "replayed"


async def test_in_callback_mode_an_event_that_always_fails_is_set_aside_after_n_deliveries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiohttp

    from tests.vk_harness import start_bot, vk_settings

    async with FakeVK() as fake:
        settings = vk_settings(
            tmp_path, fake, BOT_VK__MODE="callback", BOT_VK__CALLBACK__PORT="0",
            BOT_VK__CALLBACK__CONFIRMATION="a1b2c3", BOT_VK__CALLBACK__SECRET="s3cret",
        )
        bot = await start_bot(settings, fake)
        url = f"http://127.0.0.1:{bot.runtime.port}/vk"
        try:
            poison(monkeypatch, POISON)
            async with aiohttp.ClientSession() as http:

                async def post(event: dict[str, object]) -> int:
                    async with http.post(url, json={**event, "secret": "s3cret"}) as response:
                        return response.status

                event = fake.message(USER, POISON)
                # VK sends it again after each error answer; the third failure sets it aside ("ok")
                assert [await post(event) for _ in range(3)] == [500, 500, 200]
                await fake.wait_for(lambda: fake.texts(USER) == [bot.app.texts.update_failed])
                assert await post(event) == 200  # a late copy: skipped
                assert await post(fake.message(USER, "как открыть ипшку")) == 200  # the bot goes on
                await fake.wait_for(lambda: asked_helped(fake, USER))
            async with bot.app.db.read() as conn:
                [letter] = (await conn.execute(select(DeadLetter.__table__))).all()
            assert letter.channel == "vk" and letter.status == "dead" and letter.failures == 3
            assert fake.texts(USER).count(bot.app.texts.update_failed) == 1
        finally:
            await bot.stop()

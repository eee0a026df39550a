"""The poller's offset bookkeeping, with a scripted Bot API (no HTTP): never acknowledges an update in
hand, and never stalls when what comes back is already handled."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.types import Update

from bot.channels.telegram.polling import Poller


def update(update_id: int, chat: int) -> Update:
    return Update.model_validate({
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "chat": {"id": chat, "type": "private"},
                    "from": {"id": chat, "is_bot": False, "first_name": "Иван"}, "text": "привет"},
    })


class ScriptedBot:
    """getUpdates answers from a script; records the offsets it was asked with."""

    def __init__(self, answers: list[list[Update]]) -> None:
        self.answers = answers
        self.offsets: list[int | None] = []

    async def get_updates(self, offset: int | None = None, **_: Any) -> list[Update]:
        self.offsets.append(offset)
        if self.answers:
            return self.answers.pop(0)
        await asyncio.sleep(0.01)
        return []


class SlowChannel:
    """Stores an update after ``delays`` seconds; sending its replies takes ``sending`` seconds."""

    def __init__(self, delays: dict[int, float], sending: float = 0.0) -> None:
        self.delays = delays
        self.sending = sending
        self.handled: list[int] = []
        self.delivered: list[int] = []

    async def store(self, upd: Update) -> list[int]:
        await asyncio.sleep(self.delays.get(upd.update_id, 0.0))
        self.handled.append(upd.update_id)
        return [upd.update_id]

    async def deliver(self, replies: list[int]) -> None:
        await asyncio.sleep(self.sending)
        self.delivered.extend(replies)


async def test_offset_stays_below_updates_in_hand_and_moves_when_they_are_done() -> None:
    first, second = update(10, 1), update(11, 2)
    bot = ScriptedBot([[first, second]])
    channel = SlowChannel({10: 0.2})
    poller = Poller(bot, channel, timeout=0)  # type: ignore[arg-type]
    task = asyncio.create_task(poller.run())
    await asyncio.sleep(0.1)
    assert channel.handled == [11]
    assert all(o is None or o <= 10 for o in bot.offsets)  # 10 is still in hand: not acknowledged
    await asyncio.sleep(0.3)
    assert sorted(channel.handled) == [10, 11]
    assert bot.offsets[-1] == 12
    poller.stop()
    await asyncio.wait_for(task, timeout=2)


async def test_updates_returned_again_after_they_were_handled_do_not_stall_polling() -> None:
    first = update(20, 1)
    # the second answer repeats update 20 (asked with an old offset while it was being handled)
    bot = ScriptedBot([[first], [first], [update(21, 1)]])
    channel = SlowChannel({})
    poller = Poller(bot, channel, timeout=0)  # type: ignore[arg-type]
    task = asyncio.create_task(poller.run())
    for _ in range(100):
        if channel.handled == [20, 21]:
            break
        await asyncio.sleep(0.02)
    assert channel.handled == [20, 21]  # each once, and the poller went on after the repeat
    poller.stop()
    await asyncio.wait_for(task, timeout=2)


async def test_an_update_is_acknowledged_once_stored_and_its_chat_waits_for_its_replies() -> None:
    # replies take long to send; the update is acknowledged once stored (its replies are in the
    # outbox), but the chat's next update is handled only after they went out, so replies keep order
    bot = ScriptedBot([[update(30, 1)], [update(31, 1)]])
    channel = SlowChannel({}, sending=0.3)
    poller = Poller(bot, channel, timeout=0)  # type: ignore[arg-type]
    task = asyncio.create_task(poller.run())
    await asyncio.sleep(0.15)
    assert channel.handled == [30] and channel.delivered == []  # 31 waits behind 30's replies
    assert 31 in bot.offsets  # 30 acknowledged while its replies are still being sent
    for _ in range(100):
        if channel.delivered == [30, 31]:
            break
        await asyncio.sleep(0.02)
    assert channel.handled == [30, 31] and channel.delivered == [30, 31]
    poller.stop()
    await asyncio.wait_for(task, timeout=2)


async def test_a_slow_update_does_not_make_the_poller_ask_fifty_times_a_second() -> None:
    """Through aiogram against the fake Bot API: while one update takes 2 s, the updates in hand come
    back with every answer; asking again every 20 ms would be ~100 requests bringing nothing new."""
    from aiogram import Bot

    from bot.channels.telegram.session import UpdateFilter, make_session
    from tests.fakes.telegram import FakeTelegram

    async with FakeTelegram() as fake:
        filter_ = UpdateFilter()
        bot = Bot(fake.token, session=make_session(fake.base_url, 5, filter_))
        first = fake.message(1, "долгий вопрос")["update_id"]
        for chat in range(2, 6):
            fake.message(chat, "быстрый вопрос")
        channel = SlowChannel({first: 2.0})
        poller = Poller(bot, channel, timeout=1, updates=filter_)  # type: ignore[arg-type]
        task = asyncio.create_task(poller.run())
        try:
            for _ in range(200):
                if len(channel.handled) == 5:
                    break
                await asyncio.sleep(0.02)
            assert len(channel.handled) == 5 and channel.handled[-1] == first
            polls = len(fake.calls_of("getUpdates"))
            assert polls <= 15, f"{polls} getUpdates in 2 s"
            fake.message(7, "новый вопрос")  # and a new update still comes in at once
            for _ in range(100):
                if len(channel.handled) == 6:
                    break
                await asyncio.sleep(0.02)
            assert len(channel.handled) == 6
        finally:
            poller.stop()
            await asyncio.wait_for(task, timeout=5)
            await bot.session.close()

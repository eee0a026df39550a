"""The VK channel through the real vkbottle client against the fake VK API."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import func, select

from bot.storage.models import OutboxRow
from tests.fakes.vk import CLIENT_TEXT_ONLY, FakeVK
from tests.vk_harness import running_bot

USER = 7001
HELPED = "Это помогло?"


def asked_helped(fake: FakeVK, peer: int) -> bool:
    texts = fake.texts(peer)
    return bool(texts) and texts[-1].endswith(HELPED)


async def count(app, model, *where) -> int:
    async with app.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def settled(app, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while await count(app, OutboxRow, OutboxRow.status.in_(["pending", "sending"])):
        assert time.monotonic() < deadline, "outbox never settled"
        await asyncio.sleep(0.05)


async def test_conversation_with_callback_buttons(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        assert fake.long_poll_settings["message_event"] == "1"
        fake.message(USER, "Начать", payload='{"command":"start"}')
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 2)
        greeting = fake.texts(USER)[0]
        assert "Здравствуйте!" in greeting and "политика обработки данных (https://example.org/privacy)" in greeting
        keyboard = fake.last_keyboard(USER)
        assert keyboard is not None and keyboard["inline"] is True
        assert {b["action"]["type"] for row in keyboard["buttons"] for b in row} == {"callback"}
        assert [label for label, _ in fake.buttons(USER)] == ["Гражданин", "Предприниматель", "Пропустить"]

        fake.press(USER, fake.button(USER, "Предприниматель"))
        await fake.wait_for(lambda: any("предпринимателей" in t for t in fake.texts(USER)))
        await fake.wait_for(lambda: len(fake.calls_of("messages.sendMessageEventAnswer")) == 1)

        fake.message(USER, "как открыть ипшку")
        await fake.wait_for(lambda: asked_helped(fake, USER))
        assert "Р21001" in fake.texts(USER)[-1] and "**" not in fake.texts(USER)[-1]
        fake.press(USER, fake.button(USER, "Да"))
        await fake.wait_for(lambda: fake.texts(USER)[-1] == "Насколько вы удовлетворены ответом?")
        await settled(bot.app)


async def test_conversation_with_text_keyboard(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.message(USER, "как открыть ипшку", client=CLIENT_TEXT_ONLY)
        await fake.wait_for(lambda: asked_helped(fake, USER))
        keyboard = fake.last_keyboard(USER)
        assert keyboard is not None and keyboard["inline"] is False
        assert {b["action"]["type"] for row in keyboard["buttons"] for b in row} == {"text"}
        fake.text_press(USER, "Да")
        await fake.wait_for(lambda: fake.texts(USER)[-1] == "Насколько вы удовлетворены ответом?")
        assert fake.calls_of("messages.sendMessageEventAnswer") == []

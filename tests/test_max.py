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

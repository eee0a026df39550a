"""Characters a database refuses (NUL, half a surrogate pair) never get past the channel-neutral
message: a question with U+0000 is answered and stored on SQLite and on PostgreSQL alike.

PostgreSQL runs when TEST_POSTGRES_URL names an empty database (postgresql+asyncpg://…)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.dialogue.messages import Incoming, UserRef, storable
from bot.storage.models import Base
from tests.fakes.telegram import FakeTelegram
from tests.telegram_harness import start_bot, telegram_settings

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "")
USER = 5151


def test_the_message_model_drops_what_a_database_refuses() -> None:
    message = Incoming(UserRef("vk", "1\x00"), text="как\x00 открыть ипшку \ud83d", button="yes\x00",
                       file_links=("https://x\x00",))
    assert message.text == "как открыть ипшку \ufffd" and message.button == "yes"
    assert message.user.user_id == "1" and message.file_links == ("https://x",)
    assert storable("обычный текст 😀") == "обычный текст 😀"


async def _everything_stored(app: object) -> list[str]:
    texts: list[str] = []
    async with app.db.read() as conn:  # type: ignore[attr-defined]
        for table in Base.metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                texts.extend(v for v in row if isinstance(v, str))
    return texts


@pytest.mark.parametrize("database", [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.skipif(not POSTGRES, reason="TEST_POSTGRES_URL is not set")),
])
async def test_a_question_with_nul_is_answered_and_stored(tmp_path: Path, database: str) -> None:
    env = {"BOT_DATABASE__URL": POSTGRES} if database == "postgres" else {}
    if database == "postgres":
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(POSTGRES)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, **env)
        bot = await start_bot(settings, fake)
        try:
            fake.message(USER, "как открыть\u0000 ипшку")  # JSON "\u0000", as a client may send it
            await fake.wait_for(lambda: any("Это помогло?" in t for t in fake.texts(USER)), timeout=20)
            fake.message(USER, "зюзюка\u0000 абракадабра кракозябра")  # not answered: the text is kept for editors
            await fake.wait_for(lambda: len(fake.texts(USER)) >= 2, timeout=20)
            await fake.wait_for(lambda: fake.pending() == 0, timeout=20)  # acknowledged: nothing stuck
            await bot.runtime.channel.drain()
            await bot.runtime.sender.flush()
            stored = await _everything_stored(bot.app)
            assert any("зюзюка абракадабра" in s for s in stored)
            assert not any("\x00" in s for s in stored)
        finally:
            await bot.stop()

"""Characters a database refuses (NUL, half a surrogate pair) never get past the channel-neutral
message: a question with U+0000 is answered and stored on SQLite and on PostgreSQL alike.

Runs on both engines through the ``db_url`` fixture (PostgreSQL with BOT_TEST_POSTGRES_URL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.dialogue.messages import Incoming, UserRef, storable
from bot.storage.models import Base
from tests.fakes.telegram import FakeTelegram
from tests.telegram_harness import start_bot, telegram_settings

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


async def test_a_question_with_nul_is_answered_and_stored(tmp_path: Path, db_url: str) -> None:
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, BOT_DATABASE__URL=db_url)
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

"""Running the real bot (App + Telegram runtime) against the fake Bot API server in tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.channels.telegram.runtime import TelegramRuntime
from bot.clock import Clock
from bot.config import Settings
from tests.conftest import DEMO_KB
from tests.fakes.telegram import FakeTelegram
from tests.harness import Running as _Running
from tests.harness import settings_for, start_with

Running = _Running[TelegramRuntime, FakeTelegram]


def telegram_settings(tmp_path: Path, fake: FakeTelegram, **env: str) -> Settings:
    fast = {"TOKEN": fake.token, "API_SERVER": fake.base_url, "POLLING_TIMEOUT": "1"}
    return settings_for(tmp_path, "BOT_TELEGRAM__", fast, env)


async def start_bot(
    settings: Settings, fake: FakeTelegram, kb_path: Path = DEMO_KB, clock: Clock | None = None
) -> Running:
    return await start_with(settings, fake, lambda app: TelegramRuntime.start(app, settings.telegram), kb_path, clock)


@asynccontextmanager
async def running_bot(tmp_path: Path, **env: str) -> AsyncIterator[Running]:
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, **env)
        bot = await start_bot(settings, fake)
        try:
            yield bot
        finally:
            await bot.stop()

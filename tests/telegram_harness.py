"""Running the real bot (App + Telegram runtime) against the fake Bot API server in tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.app import App
from bot.channels.telegram.runtime import TelegramRuntime
from bot.clock import Clock
from bot.config import Settings, load_settings
from tests.conftest import DEMO_KB
from tests.fakes.telegram import FakeTelegram


def telegram_settings(tmp_path: Path, fake: FakeTelegram, **env: str) -> Settings:
    values = {
        "BOT_BOT__DATA_DIR": str(tmp_path / "data"),
        "BOT_TELEGRAM__TOKEN": fake.token,
        "BOT_TELEGRAM__API_SERVER": fake.base_url,
        "BOT_TELEGRAM__POLLING_TIMEOUT": "1",
        "BOT_TELEGRAM__REQUEST_TIMEOUT": "5",
        "BOT_TELEGRAM__LIMITS__CHAT_BURST": "30",
        "BOT_TELEGRAM__LIMITS__PER_SECOND": "1000",
        **env,
    }
    for key, value in values.items():
        os.environ[key] = value
    return load_settings()


@dataclass
class Running:
    app: App
    runtime: TelegramRuntime
    fake: FakeTelegram

    async def stop(self) -> None:
        await self.runtime.stop()
        await self.app.close()


async def start_bot(
    settings: Settings, fake: FakeTelegram, kb_path: Path = DEMO_KB, clock: Clock | None = None
) -> Running:
    app = await App.create(settings, kb_path=kb_path, clock=clock)
    try:
        runtime = await TelegramRuntime.start(app, settings.telegram)
    except BaseException:
        await app.close()
        raise
    return Running(app, runtime, fake)


@asynccontextmanager
async def running_bot(tmp_path: Path, **env: str) -> AsyncIterator[Running]:
    async with FakeTelegram() as fake:
        settings = telegram_settings(tmp_path, fake, **env)
        bot = await start_bot(settings, fake)
        try:
            yield bot
        finally:
            await bot.stop()

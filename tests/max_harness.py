"""Running the real bot (App + MAX runtime with its aiohttp client) against the fake MAX API in tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.app import App
from bot.channels.max.runtime import MaxRuntime
from bot.config import Settings, load_settings
from tests.conftest import DEMO_KB
from tests.fakes.max import FakeMax


def max_settings(tmp_path: Path, fake: FakeMax, **env: str) -> Settings:
    values = {
        "BOT_BOT__DATA_DIR": str(tmp_path / "data"),
        "BOT_MAX__TOKEN": fake.token,
        "BOT_MAX__API_URL": fake.api_url,
        "BOT_MAX__POLLING_TIMEOUT": "1",
        "BOT_MAX__REQUEST_TIMEOUT": "5",
        "BOT_MAX__LIMITS__CHAT_BURST": "30",
        "BOT_MAX__LIMITS__PER_SECOND": "1000",
        **env,
    }
    for key, value in values.items():
        os.environ[key] = value
    return load_settings()


@dataclass
class Running:
    app: App
    runtime: MaxRuntime
    fake: FakeMax

    async def stop(self) -> None:
        await self.runtime.stop()
        await self.app.close()


async def start_bot(settings: Settings, fake: FakeMax, kb_path: Path = DEMO_KB) -> Running:
    app = await App.create(settings, kb_path=kb_path)
    try:
        runtime = await MaxRuntime.start(app, settings.max)
    except BaseException:
        await app.close()
        raise
    return Running(app, runtime, fake)


@asynccontextmanager
async def running_bot(tmp_path: Path, **env: str) -> AsyncIterator[Running]:
    async with FakeMax() as fake:
        settings = max_settings(tmp_path, fake, **env)
        bot = await start_bot(settings, fake)
        try:
            yield bot
        finally:
            await bot.stop()

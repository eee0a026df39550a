"""Running the real bot (App + VK runtime with vkbottle's client) against the fake VK API in tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.app import App
from bot.channels.vk.runtime import VKRuntime
from bot.config import Settings, load_settings
from tests.conftest import DEMO_KB
from tests.fakes.vk import FakeVK


def vk_settings(tmp_path: Path, fake: FakeVK, **env: str) -> Settings:
    values = {
        "BOT_BOT__DATA_DIR": str(tmp_path / "data"),
        "BOT_VK__TOKEN": fake.token,
        "BOT_VK__API_URL": fake.api_url,
        "BOT_VK__LONG_POLL_WAIT": "1",
        "BOT_VK__REQUEST_TIMEOUT": "5",
        "BOT_VK__LIMITS__CHAT_BURST": "30",
        "BOT_VK__LIMITS__PER_SECOND": "1000",
        **env,
    }
    for key, value in values.items():
        os.environ[key] = value
    return load_settings()


@dataclass
class Running:
    app: App
    runtime: VKRuntime
    fake: FakeVK

    async def stop(self) -> None:
        await self.runtime.stop()
        await self.app.close()


async def start_bot(settings: Settings, fake: FakeVK, kb_path: Path = DEMO_KB) -> Running:
    app = await App.create(settings, kb_path=kb_path)
    try:
        runtime = await VKRuntime.start(app, settings.vk)
    except BaseException:
        await app.close()
        raise
    return Running(app, runtime, fake)


@asynccontextmanager
async def running_bot(tmp_path: Path, **env: str) -> AsyncIterator[Running]:
    async with FakeVK() as fake:
        settings = vk_settings(tmp_path, fake, **env)
        bot = await start_bot(settings, fake)
        try:
            yield bot
        finally:
            await bot.stop()

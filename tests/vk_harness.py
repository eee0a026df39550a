"""Running the real bot (App + VK runtime with vkbottle's client) against the fake VK API in tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.channels.vk.runtime import VKRuntime
from bot.config import Settings
from tests.conftest import DEMO_KB
from tests.fakes.vk import FakeVK
from tests.harness import Running as _Running
from tests.harness import settings_for, start_with

Running = _Running[VKRuntime, FakeVK]


def vk_settings(tmp_path: Path, fake: FakeVK, **env: str) -> Settings:
    fast = {"TOKEN": fake.token, "API_URL": fake.api_url, "LONG_POLL_WAIT": "1"}
    return settings_for(tmp_path, "BOT_VK__", fast, env)


async def start_bot(
    settings: Settings, fake: FakeVK, kb_path: Path = DEMO_KB
) -> Running:
    return await start_with(settings, fake, lambda app: VKRuntime.start(app, settings.vk), kb_path)


@asynccontextmanager
async def running_bot(tmp_path: Path, **env: str) -> AsyncIterator[Running]:
    async with FakeVK() as fake:
        settings = vk_settings(tmp_path, fake, **env)
        bot = await start_bot(settings, fake)
        try:
            yield bot
        finally:
            await bot.stop()

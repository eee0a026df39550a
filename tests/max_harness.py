"""Running the real bot (App + MAX runtime with its aiohttp client) against the fake MAX API in tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.channels.max.runtime import MaxRuntime
from bot.config import Settings
from tests.conftest import DEMO_KB
from tests.fakes.max import FakeMax
from tests.harness import Running as _Running
from tests.harness import settings_for, start_with

Running = _Running[MaxRuntime, FakeMax]


def max_settings(tmp_path: Path, fake: FakeMax, **env: str) -> Settings:
    fast = {"TOKEN": fake.token, "API_URL": fake.api_url, "POLLING_TIMEOUT": "1"}
    return settings_for(tmp_path, "BOT_MAX__", fast, env)


async def start_bot(
    settings: Settings, fake: FakeMax, kb_path: Path = DEMO_KB
) -> Running:
    return await start_with(settings, fake, lambda app: MaxRuntime.start(app, settings.max), kb_path)


@asynccontextmanager
async def running_bot(tmp_path: Path, **env: str) -> AsyncIterator[Running]:
    async with FakeMax() as fake:
        settings = max_settings(tmp_path, fake, **env)
        bot = await start_bot(settings, fake)
        try:
            yield bot
        finally:
            await bot.stop()

"""Running the real bot (App + one channel's runtime with its real client) against a fake platform API
in tests; the per-channel modules (telegram_harness, vk_harness, max_harness) name what differs."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from bot.app import App
from bot.clock import Clock
from bot.config import Settings, load_settings
from tests.conftest import DEMO_KB


class Runtime(Protocol):
    async def stop(self) -> None: ...

R = TypeVar("R", bound=Runtime)
F = TypeVar("F")

def settings_for(tmp_path: Path, prefix: str, fast: dict[str, str], env: dict[str, str]) -> Settings:
    """Settings from the environment: a data folder of the test's own, generous rate limits and short
    timeouts for the channel (``prefix`` such as ``BOT_VK__``), then the test's own values."""
    values = {
        "BOT_BOT__DATA_DIR": str(tmp_path / "data"),
        **{prefix + key: value for key, value in fast.items()},
        f"{prefix}REQUEST_TIMEOUT": "5",
        f"{prefix}LIMITS__CHAT_BURST": "30",
        f"{prefix}LIMITS__PER_SECOND": "1000",
        **env,
    }
    for key, value in values.items():
        os.environ[key] = value
    return load_settings()

@dataclass
class Running(Generic[R, F]):
    app: App
    runtime: R
    fake: F

    async def stop(self) -> None:
        await self.runtime.stop()
        await self.app.close()

async def start_with(
    settings: Settings, fake: F, start: Callable[[App], Awaitable[R]], kb_path: Path = DEMO_KB,
    clock: Clock | None = None,
) -> Running[R, F]:
    app = await App.create(settings, kb_path=kb_path, clock=clock)
    try:
        runtime = await start(app)
    except BaseException:
        await app.close()
        raise
    return Running(app, runtime, fake)

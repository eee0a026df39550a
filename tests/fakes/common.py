"""What the fake platform servers share: waiting for the bot, finding a button by its label."""

from __future__ import annotations

import asyncio
import time
from typing import Any


class FakeChat:
    def buttons(self, chat: int) -> list[tuple[str, str]]:
        raise NotImplementedError

    def button(self, chat: int, label: str) -> str:
        """The payload of the button with this label (or starting with it) under the last keyboard."""
        for text, data in self.buttons(chat):
            if text == label or text.startswith(label):
                return data
        raise AssertionError(f"no button {label!r} in {self.buttons(chat)}")

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.01)

"""Small requests a channel fires and forgets (answering a button press, "typing…"), awaited on stop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)  # a reference, or the task may be collected before it runs
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for what is still on its way."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
